"""The correction dialog's submission: inline errors at once, else the check in the thread."""

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.blocks.ids import CORRECT_DETAILS_VIEW
from bot.services.corrections import Submission

if TYPE_CHECKING:
    from bot.services.container import Services


def register(app: AsyncApp, services: "Services") -> None:
    @app.view(CORRECT_DETAILS_VIEW)
    async def details_corrected(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        read = services.corrections.read(view, user_id=body["user"]["id"])
        if isinstance(read, dict):
            await ack(response_action="errors", errors=read)
            return
        await ack()  # closes the dialog; the answer goes to the thread
        if isinstance(read, Submission):
            await services.corrections.check(read, team_id=context.team_id or "")
