"""`file_shared` must be handled, or Bolt answers 404 and Slack keeps retrying it."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.event("file_shared")
    async def file_shared(event: dict[str, Any], context: AsyncBoltContext) -> None:
        await services.uploads.on_file_shared(
            event, team_id=context.team_id or "", bot_user_id=context.bot_user_id or ""
        )
