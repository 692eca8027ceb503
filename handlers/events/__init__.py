from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers.events import app_home_opened, file_share, file_shared, other_messages

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    app_home_opened.register(app, services)
    file_share.register(app, services)
    file_shared.register(app, services)
    other_messages.register(app)
