from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers.commands import bizstatus

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    bizstatus.register(app, services)
