"""The "Watch all" button under a bulk check's summary: watch every number in the CSV."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import BULK_WATCH_ALL
from bot.slack.response_url import ResponseUrl

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(BULK_WATCH_ALL)
    async def bulk_watch_all(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.bulk.watch_all(
            action["value"],
            ResponseUrl(body["response_url"], services.client),
            team_id=context.team_id or "",
            user_id=body["user"]["id"],
            channel_id=context.channel_id or "",
        )
