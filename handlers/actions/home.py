"""The Home tab's controls: Re-check and Unwatch, one pair per watched business,
Previous and Next, and the filter with its Clear button. The page and filter shown
are the view's private_metadata."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import (
    HOME_CLEAR_SEARCH,
    HOME_PAGE,
    HOME_RECHECK,
    HOME_SEARCH,
    HOME_UNWATCH,
    matching,
)

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(HOME_RECHECK))
    async def home_recheck(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.recheck(
            context.team_id or "", body["user"]["id"], action["value"], _shown(body)
        )

    @app.action(matching(HOME_UNWATCH))
    async def home_unwatch(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.unwatch(
            context.team_id or "", body["user"]["id"], action["value"], _shown(body)
        )

    @app.action(matching(HOME_PAGE))
    async def home_page(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.turn_page(
            context.team_id or "", body["user"]["id"], action["value"], _shown(body)
        )

    @app.action(HOME_SEARCH)
    async def home_search(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        # An emptied input sends no value (or null): that shows everything again.
        await services.home.search(
            context.team_id or "", body["user"]["id"], str(action.get("value") or "")
        )

    @app.action(HOME_CLEAR_SEARCH)
    async def home_clear_search(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.publish(context.team_id or "", body["user"]["id"])


def _shown(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("private_metadata") or "")
