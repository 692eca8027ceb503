"""The Home tab's buttons: Re-check and Unwatch, one pair per watched business."""

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import HOME_RECHECK, HOME_UNWATCH

if TYPE_CHECKING:
    from bot.app import Services


def _per_watch(action_id: str) -> re.Pattern[str]:
    """The Home tab suffixes each action_id with the watch's number (see bot.blocks.ids)."""
    return re.compile(rf"^{re.escape(action_id)}\.")


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(_per_watch(HOME_RECHECK))
    async def home_recheck(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.recheck(context.team_id or "", body["user"]["id"], action["value"])

    @app.action(_per_watch(HOME_UNWATCH))
    async def home_unwatch(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.unwatch(context.team_id or "", body["user"]["id"], action["value"])
