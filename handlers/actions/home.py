"""The Home tab's buttons: Re-check and Unwatch, one pair per watched business, and
Previous and Next. The page shown is the view's private_metadata."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import HOME_PAGE, HOME_RECHECK, HOME_UNWATCH, matching

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(matching(HOME_RECHECK))
    async def home_recheck(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.recheck(
            context.team_id or "", body["user"]["id"], action["value"], _shown_page(body)
        )

    @app.action(matching(HOME_UNWATCH))
    async def home_unwatch(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.unwatch(
            context.team_id or "", body["user"]["id"], action["value"], _shown_page(body)
        )

    @app.action(matching(HOME_PAGE))
    async def home_page(
        ack: AsyncAck, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        await services.home.publish(context.team_id or "", body["user"]["id"], action["value"])


def _shown_page(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("private_metadata") or "1")
