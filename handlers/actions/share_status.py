"""The "Share to channel" button under an ephemeral `/bizstatus` answer."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.blocks.ids import SHARE_STATUS

if TYPE_CHECKING:
    from bot.app import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(SHARE_STATUS)
    async def share_status(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        message = services.bizstatus.share(action["value"], user_id=body["user"]["id"])
        await respond(response_type="in_channel", replace_original=False, **message.as_kwargs())
        await respond(delete_original=True)
