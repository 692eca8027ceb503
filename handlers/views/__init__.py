from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers.views import correct_details

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    correct_details.register(app, services)
