"""The buttons that say what an upload is when the bot could not tell."""

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.blocks import Message
from bot.blocks.ids import CHOOSE_KIND_BUSINESS, CHOOSE_KIND_CARD, CHOOSE_KIND_IGNORE
from bot.domain.upload_kind import UploadKind

if TYPE_CHECKING:
    from bot.services.container import Services

# ASCII digits that fit the job id column ("²".isdigit() holds, and int() refuses it).
_JOB_ID = re.compile(r"[0-9]{1,9}")

_KINDS: dict[str, UploadKind | None] = {
    CHOOSE_KIND_BUSINESS: "business",
    CHOOSE_KIND_CARD: "card",
    CHOOSE_KIND_IGNORE: None,
}


def register(app: AsyncApp, services: "Services") -> None:
    @app.action(re.compile("^(" + "|".join(map(re.escape, _KINDS)) + ")$"))
    async def choose_kind(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        value = str(action.get("value") or "")
        if not _JOB_ID.fullmatch(value):  # only the bot's own prompt carries a job id here
            return

        async def replace_prompt(message: Message) -> None:
            await respond(replace_original=True, **message.as_kwargs())

        await services.uploads.on_kind_chosen(
            int(value),
            _KINDS[action["action_id"]],
            # Where the click was, from the signed request: the value only names the job.
            team_id=context.team_id or "",
            channel_id=(body.get("container") or {}).get("channel_id") or context.channel_id,
            user_id=body["user"]["id"],
            replace_prompt=replace_prompt,
        )
