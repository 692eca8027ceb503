"""Opening the bot's Home tab shows the workspace's watchlist."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.event("app_home_opened")
    async def app_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # The event also fires for the Messages tab, which has no view to publish.
        if event.get("tab") == "home":
            await services.home.publish(context.team_id or "", event["user"])
