"""Bolt listeners, grouped by kind. Each listener is thin: it acknowledges and calls a service."""

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, views

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    events.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
