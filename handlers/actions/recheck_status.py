"""The "Re-check status" button: a fresh lookup, shown to the person who clicked."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import RECHECK_STATUS
from bot.slack.response_url import ResponseUrl

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(RECHECK_STATUS)
    async def recheck_status(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        container = body.get("container") or {}
        await services.bizstatus.recheck(
            action["value"],
            ResponseUrl(body["response_url"], services.client),
            team_id=context.team_id or "",
            user_id=body["user"]["id"],
            channel_id=container.get("channel_id") or context.channel_id,
            # An ephemeral message has no permalink: the team alert names the channel.
            message_ts=None if container.get("is_ephemeral") else container.get("message_ts"),
        )
