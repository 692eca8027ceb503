"""The "Look it up anyway" button beside a number whose check digit differs: the one
lookup the person chose to pay for, shown to them."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import LOOK_UP_ANYWAY, matching
from bot.slack.response_url import ResponseUrl

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(LOOK_UP_ANYWAY))
    async def look_up_anyway(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        # Team and user come from the signed request; the value is only the number.
        await services.bizstatus.look_up_anyway(
            str(action.get("value") or ""),
            ResponseUrl(body["response_url"], services.client),
            team_id=context.team_id or "",
            user_id=body["user"]["id"],
            channel_id=context.channel_id or body["user"]["id"],
        )
