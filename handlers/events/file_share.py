"""A message that shares files: the main way uploads arrive."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.event({"type": "message", "subtype": "file_share"})
    async def file_share(event: dict[str, Any], context: AsyncBoltContext) -> None:
        await services.uploads.on_file_share(
            event, team_id=context.team_id or "", bot_user_id=context.bot_user_id or ""
        )
