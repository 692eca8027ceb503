"""The "Watch" button under a certificate reply or a status result, and "Watch anyway" for a
number whose check digit differs: add the business to the workspace's watchlist, and tell
only the person who clicked."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.blocks.ids import WATCH_ANYWAY, WATCH_BUSINESS, matching

if TYPE_CHECKING:
    from bot.app import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(WATCH_BUSINESS))
    async def watch_business(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        user_id = body["user"]["id"]
        message = await services.watchlist.watch(
            context.team_id or "",
            action["value"],
            label=None,
            user_id=user_id,
            # Posting to a person's id reaches them directly, for a click outside a channel.
            channel_id=context.channel_id or user_id,
        )
        await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())

    @app.action(matching(WATCH_ANYWAY))
    async def watch_anyway(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        user_id = body["user"]["id"]
        message = await services.watchlist.watch_anyway(
            context.team_id or "",
            str(action.get("value") or ""),
            user_id=user_id,
            channel_id=context.channel_id or user_id,
        )
        await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
