"""The "Correct and check again" button under a certificate's authenticity verdict."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.ids import CORRECT_DETAILS, matching

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(CORRECT_DETAILS))
    async def correct_details(ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        # Where to answer comes from the click's container, which Slack signs; the
        # value is only a pre-fill.
        container = body.get("container") or {}
        await services.corrections.open_dialog(
            trigger_id=body["trigger_id"],
            value=str(action.get("value") or ""),
            user_id=body["user"]["id"],
            channel_id=container.get("channel_id"),
            thread_ts=container.get("thread_ts") or container.get("message_ts"),
        )
