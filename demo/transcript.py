"""Slack messages as a person would read them in a terminal.

>>> print(readable({"text": "fallback", "blocks": [
...     {"type": "header", "text": {"type": "plain_text", "text": "Result"}},
...     {"type": "section", "text": {"type": "mrkdwn",
...      "text": "*Open* &lt;ok&gt; <!date^1796307889^{date_short}|2026-12-03>"},
...      "fields": [{"type": "mrkdwn", "text": "a"}, {"type": "mrkdwn", "text": "b"}]},
...     {"type": "divider"},
...     {"type": "context", "elements": [{"type": "mrkdwn", "text": "note"}]},
...     {"type": "actions", "elements": [
...         {"type": "button", "text": {"type": "plain_text", "text": "Watch"}}]},
... ]}))
Result
*Open* <ok> 2026-12-03
  a
  b
────
  note
  [Watch]
"""

import html
import re
from typing import Any

# Slack's own markup (<!date^…|fallback>, <@U…|name>, <https://…|label>): what it shows.
_SLACK_TOKEN = re.compile(r"<[^<>|]+\|([^<>]*)>")


def readable(message: dict[str, Any]) -> str:
    """The message's blocks as lines of text, or its text when it has no blocks."""
    blocks = message.get("blocks") or []
    if not blocks:
        return html.unescape(str(message.get("text", "")))
    return "\n".join(line for block in blocks for line in _block_lines(block))


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "divider":
        return ["────"]
    if kind in ("header", "section"):
        lines = [_text(block["text"])] if "text" in block else []
        return lines + [f"  {_text(field)}" for field in block.get("fields", [])]
    if kind == "context":
        return ["  " + "  ".join(_element(e) for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + "  ".join(_element(e) for e in block.get("elements", []))]
    if kind == "rich_text":
        return [_rich_text(block)]
    return []


def _element(element: dict[str, Any]) -> str:
    if element.get("type") in ("mrkdwn", "plain_text"):
        return _text(element)
    if "text" in element:  # buttons and menus
        return f"[{_text(element['text'])}]"
    return ""


def _text(text: dict[str, Any]) -> str:
    return html.unescape(_SLACK_TOKEN.sub(r"\1", str(text.get("text", ""))))


def _rich_text(block: dict[str, Any]) -> str:
    return "".join(
        str(leaf.get("text", ""))
        for section in block.get("elements", [])
        for leaf in section.get("elements", [])
    )
