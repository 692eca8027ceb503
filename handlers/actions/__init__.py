from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers.actions import (
    bulk_look_up_anyway,
    bulk_watch,
    correct_details,
    document_kind,
    home,
    look_up_anyway,
    recheck_status,
    share_status,
    watch,
)

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    bulk_look_up_anyway.register(app, services)
    bulk_watch.register(app, services)
    correct_details.register(app, services)
    document_kind.register(app, services)
    home.register(app, services)
    look_up_anyway.register(app, services)
    recheck_status.register(app, services)
    share_status.register(app, services)
    watch.register(app, services)
