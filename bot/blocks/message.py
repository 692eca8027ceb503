"""A message ready for chat.postMessage, chat.postEphemeral, respond() or chat.update."""

from dataclasses import dataclass
from typing import Any

from bot.blocks.elements import Block
from bot.blocks.limits import FALLBACK_CHARS, fit
from bot.blocks.mrkdwn import escape, truncate
from bot.i18n import Language


@dataclass(frozen=True)
class Message:
    """`text` is the notification and screen-reader fallback: plain and escaped."""

    text: str
    blocks: list[dict[str, Any]]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def compose(fallback: str, blocks: list[Block], lang: Language) -> Message:
    """The one way builders make a Message.

    `fallback` is plain text as written, external parts unescaped: it is
    escaped here, once, and cut to FALLBACK_CHARS. The blocks are fitted.
    """
    return Message(text=truncate(escape(fallback), FALLBACK_CHARS), blocks=fit(blocks, lang))
