"""The "Look up anyway" button under a bulk check's summary: check the CSV again in its
thread, the numbers whose check digit differs included."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import BULK_LOOK_UP_ANYWAY

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(BULK_LOOK_UP_ANYWAY)
    async def bulk_look_up_anyway(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        container = body.get("container") or {}
        message = body.get("message") or {}
        # Where to answer comes from the signed request, not from the button's value.
        await services.bulk.look_up_anyway(
            str(action.get("value") or ""),
            team_id=context.team_id or "",
            user_id=body["user"]["id"],
            channel_id=container.get("channel_id") or context.channel_id or "",
            thread_ts=str(message.get("thread_ts") or container.get("message_ts") or ""),
        )
