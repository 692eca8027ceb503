"""The Home tab's buttons: Re-check and Unwatch, one pair per watched business."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import HOME_RECHECK, HOME_UNWATCH, matching

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(HOME_RECHECK))
    async def home_recheck(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.recheck(context.team_id or "", body["user"]["id"], action["value"])

    @app.action(matching(HOME_UNWATCH))
    async def home_unwatch(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.unwatch(context.team_id or "", body["user"]["id"], action["value"])
