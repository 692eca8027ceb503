"""`/bizstatus`: acknowledged at once, answered through `respond` (ephemeral)."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

if TYPE_CHECKING:
    from bot.app import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.command("/bizstatus")
    async def bizstatus(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        message = await services.bizstatus.command(
            command.get("text") or "", team_id=context.team_id or "", user_id=command["user_id"]
        )
        await respond(response_type="ephemeral", **message.as_kwargs())
