"""Hostile external text, and the checks that a message renders it inert and within limits."""

import json
import re
from collections.abc import Iterator
from typing import Any

from bot.blocks import Message
from fakes.blockkit import limit_violations

# What OCR, a file name or a person could put in front of the bot.
HOSTILE = (
    "<!channel> <!here> <@U123> <#C123> <https://evil.example|국민은행> &lt; "
    "*bold* _italic_ ~strike~ `code` ```block``` \u202eevil\u202c zero\u200bwidth\ufeff"
)
LONG = "가나다라마" * 2000  # 10,000 characters
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u200b-\u200d\u2060\ufeff]")
# The only `<...>` tokens the bot writes itself.
BOT_TOKENS = re.compile(
    r"<!date\^\d+\^[^|<>]*\|[^<>]*>|<@[UW][A-Z0-9]+>|<https://[^|<>\s]+\|[^<>]*>"
)


def texts(message: Message) -> Iterator[tuple[str, str]]:
    """(type, text) of every text object in the blocks, then ("fallback", text)."""

    def walk(node: Any) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                yield node["type"], node["text"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(message.blocks)
    yield "fallback", message.text


def assert_inert(message: Message) -> None:
    """Nothing external can mention, link, format or hide; every limit holds."""
    assert limit_violations(message.blocks) == []
    assert 0 < len(message.text) <= 3000
    for kind, text in texts(message):
        assert not INVISIBLE.search(text), (kind, text)
        if kind == "plain_text":
            continue
        rest = BOT_TOKENS.sub("", text)
        assert "<" not in rest, (kind, text)
        assert ">" not in rest, (kind, text)
        if kind == "mrkdwn":
            for marked in ("*bold*", "_italic_", "~strike~", "`code`", "```"):
                assert marked not in text, (kind, text)
    for block in message.blocks:
        for text_object in _mrkdwn_objects(block):
            assert text_object.get("verbatim") is True, text_object


def _mrkdwn_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for value in node.values():
            yield from _mrkdwn_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn_objects(item)


def rendered(message: Message) -> str:
    return json.dumps(message.as_kwargs(), ensure_ascii=False)
