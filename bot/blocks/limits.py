"""Block Kit's limits, and `fit`, which keeps any message within them.

Slack rejects a whole message when one part is over a limit (`invalid_blocks`)
or when the blocks are too long together (`msg_blocks_too_long`, near 13,000
characters of JSON; Slack publishes no exact figure). A reply that is rejected
never arrives, so every builder's blocks go through `fit` before they are sent.
"""

import copy
import json
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.elements import Block, context
from bot.blocks.mrkdwn import plain, truncate
from bot.i18n import Language, Text

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # Home tab and modals
TEXT_CHARS = 3000  # any text object, a section's text included
SECTION_TEXT_CHARS = TEXT_CHARS
SECTION_FIELDS = 10
FIELD_CHARS = 2000
HEADER_CHARS = 150
BUTTON_TEXT_CHARS = 75
ACTION_VALUE_CHARS = 2000
ID_CHARS = 255  # block_id and action_id
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
# A safe bound under msg_blocks_too_long, measured as compact JSON.
BLOCKS_JSON_CHARS = 12_000
# Slack publishes no size for a view's blocks. The bot's own bound, well above what a
# Home tab page needs (a page of 20 watches with the longest labels escaped, and ten
# changes, is near 24,000) and a fraction of what views.publish takes in practice.
VIEW_JSON_CHARS = 48_000
# The message's `text`: a notification, not a document.
FALLBACK_CHARS = 3000

# When the blocks are too long together, long texts are cut to this before
# whole blocks are dropped: every field keeps its beginning.
SHRUNK_TEXT_CHARS = 300

_MORE = Text(
    ko="… 외 {count}개 항목은 메시지 길이 제한으로 표시하지 못했습니다.",
    en="… and {count} more not shown: the message would be too long for Slack.",
)


@dataclass(frozen=True, slots=True)
class _Bounds:
    blocks: int
    json_chars: int

    def hold(self, blocks: list[Block]) -> bool:
        return len(blocks) <= self.blocks and json_chars(blocks) <= self.json_chars


_MESSAGE = _Bounds(MAX_BLOCKS, BLOCKS_JSON_CHARS)
_VIEW = _Bounds(MAX_VIEW_BLOCKS, VIEW_JSON_CHARS)


def json_chars(blocks: list[Block]) -> int:
    """The size Slack's msg_blocks_too_long is about, as compact JSON characters."""
    return len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))


def fit(blocks: list[Block], lang: Language, *, view: bool = False) -> list[Block]:
    """A copy of `blocks` within every limit above: a message's, or with `view` a Home
    tab's (MAX_VIEW_BLOCKS, VIEW_JSON_CHARS).

        Text too long for its place is cut with …; a section with more than ten
        fields continues in further sections; buttons whose value is too long are
        dropped (a cut value would be wrong). When the blocks are still too long
        together, every text is capped at one length (the largest that fits, but no
    less than SHRUNK_TEXT_CHARS), and then the
        tail is replaced by one "… and N more" context block (N counts fields and
        blocks hidden). A closing actions block is kept: its buttons are the next step.
    """
    bounds = _VIEW if view else _MESSAGE
    fitted = [part for block in blocks for part in _each_within_limits(copy.deepcopy(block))]
    _shrink_long_texts(fitted, bounds)
    return _drop_tail(fitted, lang, bounds)


def _each_within_limits(block: Block) -> list[Block]:
    kind = block.get("type")
    if kind == "header":
        block["text"]["text"] = plain(block["text"]["text"], HEADER_CHARS)
    elif kind == "section":
        return _section_within_limits(block)
    elif kind == "context":
        block["elements"] = block["elements"][:CONTEXT_ELEMENTS]
        for element in block["elements"]:
            if "text" in element:
                element["text"] = truncate(element["text"], TEXT_CHARS)
    elif kind == "actions":
        block["elements"] = [
            element
            for element in block["elements"]
            if len(element.get("value", "")) <= ACTION_VALUE_CHARS
        ][:ACTIONS_ELEMENTS]
        if not block["elements"]:
            return []
        for element in block["elements"]:
            if "text" in element:
                element["text"]["text"] = plain(element["text"]["text"], BUTTON_TEXT_CHARS)
    return [block]


def _section_within_limits(block: Block) -> list[Block]:
    if "text" in block:
        block["text"]["text"] = truncate(block["text"]["text"], SECTION_TEXT_CHARS)
    all_fields = block.pop("fields", None)
    if not all_fields:
        return [block]
    for field in all_fields:
        field["text"] = truncate(field["text"], FIELD_CHARS)
    chunks = [
        all_fields[start : start + SECTION_FIELDS]
        for start in range(0, len(all_fields), SECTION_FIELDS)
    ]
    block["fields"] = chunks[0]
    more: list[Block] = [{"type": "section", "fields": chunk} for chunk in chunks[1:]]
    if "block_id" in block:
        for number, extra in enumerate(more, start=2):
            extra["block_id"] = f"{block['block_id']}.{number}"
    return [block, *more]


def _texts(block: Block) -> list[dict[str, Any]]:
    """The text objects of a block whose text may be shortened (not buttons)."""
    kind = block.get("type")
    if kind in ("header", "section"):
        texts: list[dict[str, Any]] = [block["text"]] if "text" in block else []
        section_fields: list[dict[str, Any]] = block.get("fields", [])
        return texts + section_fields
    if kind == "context":
        elements: list[dict[str, Any]] = block["elements"]
        return [element for element in elements if "text" in element]
    return []


def _shrink_long_texts(blocks: list[Block], bounds: _Bounds) -> None:
    """Cap every text at the largest length that fits, but never below SHRUNK_TEXT_CHARS."""
    if json_chars(blocks) <= bounds.json_chars:
        return
    texts = [text for block in blocks for text in _texts(block)]
    originals = [text["text"] for text in texts]

    def cap_at(limit: int) -> None:
        for text, original in zip(texts, originals, strict=True):
            text["text"] = truncate(original, limit)

    low, high = SHRUNK_TEXT_CHARS, max(map(len, originals), default=SHRUNK_TEXT_CHARS)
    while low < high:  # binary search for the largest cap that fits
        middle = (low + high + 1) // 2
        cap_at(middle)
        if json_chars(blocks) <= bounds.json_chars:
            low = middle
        else:
            high = middle - 1
    cap_at(low)


def _hidden_items(block: Block) -> int:
    if block.get("type") == "divider":
        return 0
    return len(block.get("fields", ())) or 1


def _drop_tail(blocks: list[Block], lang: Language, bounds: _Bounds) -> list[Block]:
    closing_actions = bool(blocks) and blocks[-1].get("type") == "actions"
    body, tail = (blocks[:-1], blocks[-1:]) if closing_actions else (blocks, [])
    hidden = 0

    def assembled() -> list[Block]:
        notice = [_more_notice(hidden, lang)] if hidden else []
        return body + notice + tail

    while not bounds.hold(assembled()):
        if len(body) > 1:
            hidden += _hidden_items(body.pop())
        elif tail:
            tail = []  # buttons too big to fit next to anything: the text matters more
        else:
            break
    return assembled()


def _more_notice(count: int, lang: Language) -> Block:
    notice = context(_MORE.format(count=count)(lang))
    notice["block_id"] = ids.MORE_BLOCK
    return notice
