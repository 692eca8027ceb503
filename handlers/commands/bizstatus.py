"""`/bizstatus`: acknowledged at once, answered privately through the response_url."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.slack.response_url import ResponseUrl

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.command("/bizstatus")
    async def bizstatus(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await services.bizstatus.command(
            command.get("text") or "",
            ResponseUrl(command["response_url"], services.client),
            team_id=context.team_id or "",
            user_id=command["user_id"],
            channel_id=command["channel_id"],
        )
