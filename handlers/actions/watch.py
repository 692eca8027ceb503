"""The "Watch" button under a certificate reply or a status result, and "Watch anyway" for a
number whose check digit differs: add the business to the workspace's watchlist, and tell
only the person who clicked."""

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.blocks.ids import WATCH_ANYWAY, WATCH_BUSINESS, matching

if TYPE_CHECKING:
    from bot.services.container import Services

_ANYWAY = matching(WATCH_ANYWAY)


def register(app: AsyncApp, services: "Services") -> None:
    # One listener: the two buttons differ only in how their value is read.
    @app.action(re.compile(f"{matching(WATCH_BUSINESS).pattern}|{_ANYWAY.pattern}"))
    async def watch(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        team_id = context.team_id or ""
        user_id = body["user"]["id"]
        # Posting to a person's id reaches them directly, for a click outside a channel.
        channel_id = context.channel_id or user_id
        if _ANYWAY.match(action["action_id"]):
            message = await services.watchlist.watch_anyway(
                team_id, str(action.get("value") or ""), user_id=user_id, channel_id=channel_id
            )
        else:
            message = await services.watchlist.watch(
                team_id, action["value"], label=None, user_id=user_id, channel_id=channel_id
            )
        await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
