"""The "Re-check status" button: a fresh lookup, shown to the person who clicked."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.blocks.ids import RECHECK_STATUS

if TYPE_CHECKING:
    from bot.app import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(RECHECK_STATUS)
    async def recheck_status(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        message = await services.bizstatus.recheck(
            action["value"], team_id=context.team_id or "", user_id=body["user"]["id"]
        )
        await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
