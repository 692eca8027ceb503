"""The "Share to channel" button under an ephemeral `/bizstatus` answer."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.ids import SHARE_STATUS
from bot.slack.response_url import ResponseUrl

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(SHARE_STATUS)
    async def share_status(ack: AsyncAck, action: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        await services.bizstatus.share(
            action["value"],
            ResponseUrl(body["response_url"], services.client),
            user_id=body["user"]["id"],
        )
