"""Block Kit objects as plain dicts, built the same way everywhere.

Text here is already safe: builders pass external text through
`mrkdwn.literal` first. Lengths are enforced once, by `limits.fit`.
"""

from typing import Any, Literal

from bot.blocks.mrkdwn import literal

Block = dict[str, Any]

# How much of one external value (OCR value, user input) a message shows.
VALUE_CHARS = 500
# File names, OCR keys, raw inputs: short labels.
NAME_CHARS = 100
# Shown where an external text is empty once invisible characters are removed.
EMPTY = "—"


def file_line(file_name: str) -> str:
    """How every message names the upload: cut short, and never with a card number in it."""
    return f"📄 {literal(file_name, NAME_CHARS) or EMPTY}"


def mrkdwn_text(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn URLs or #names inside values into links.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def confirm(
    title: str,
    text: str,
    *,
    yes: str,
    no: str,
    style: Literal["primary", "danger"] | None = None,
) -> dict[str, Any]:
    """A button's confirmation dialog; Slack shows it before the click is sent."""
    dialog: dict[str, Any] = {
        "title": plain_text(title),
        "text": plain_text(text),
        "confirm": plain_text(yes),
        "deny": plain_text(no),
    }
    if style is not None:
        dialog["style"] = style
    return dialog


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text)}


def section(text: str, *, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn_text(text)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(texts: list[str]) -> Block:
    """One section of fields (two columns); `limits.fit` splits it past ten."""
    return {"type": "section", "fields": [mrkdwn_text(text) for text in texts]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(text) for text in texts]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str, *, action_id: str, value: str, style: Literal["primary", "danger"] | None = None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(text),
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def actions(block_id: str, *buttons: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(buttons)}
