"""A Block Kit limits checker for tests: what Slack would refuse, and the bot's safe bounds.

The numbers are written out here rather than imported from bot.blocks.limits,
so a wrong constant there cannot hide a real violation.
"""

import json
from typing import Any

_MESSAGE_BLOCKS = 50
_VIEW_BLOCKS = 100
_BLOCKS_JSON_CHARS = 12_000  # the bot's bound, under Slack's ~13k msg_blocks_too_long
_TEXT_CHARS = 3000
_SECTION_FIELDS = 10
_FIELD_CHARS = 2000
_HEADER_CHARS = 150
_BUTTON_TEXT_CHARS = 75
_ACTION_VALUE_CHARS = 2000
_ID_CHARS = 255
_ACTIONS_ELEMENTS = 25
_CONTEXT_ELEMENTS = 10
_BLOCK_TYPES = {"actions", "context", "divider", "header", "image", "rich_text", "section"}


def limit_violations(blocks: list[dict[str, Any]], *, view: bool = False) -> list[str]:
    """Every limit the blocks break, each as "where: what"; [] when Slack would take them."""
    problems: list[str] = []
    limit = _VIEW_BLOCKS if view else _MESSAGE_BLOCKS
    if not blocks:
        problems.append("blocks: empty")
    if len(blocks) > limit:
        problems.append(f"blocks: {len(blocks)} blocks, more than {limit}")
    size = len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))
    if not view and size > _BLOCKS_JSON_CHARS:
        problems.append(f"blocks: {size} characters of JSON, more than {_BLOCKS_JSON_CHARS}")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        block_id = block.get("block_id")
        if block_id is not None:
            problems += _id_problems(block_id, f"{where}.block_id", block_ids)
        problems += _block_problems(block, where, action_ids)
    return problems


def _id_problems(value: object, where: str, seen: set[str]) -> list[str]:
    if not isinstance(value, str) or not value:
        return [f"{where}: not a non-empty string"]
    problems = []
    if len(value) > _ID_CHARS:
        problems.append(f"{where}: {len(value)} characters, more than {_ID_CHARS}")
    if value in seen:
        problems.append(f"{where}: {value!r} used twice")
    seen.add(value)
    return problems


def _text_problems(text: object, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: not a text object"]
    if plain_only and text["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    content = text.get("text")
    if not isinstance(content, str) or not content:
        return [f"{where}: empty text"]
    if len(content) > limit:
        return [f"{where}: {len(content)} characters, more than {limit}"]
    return []


def _block_problems(block: dict[str, Any], where: str, action_ids: set[str]) -> list[str]:
    kind = block.get("type")
    if kind not in _BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    if kind == "header":
        return _text_problems(block.get("text"), f"{where}.text", _HEADER_CHARS, plain_only=True)
    if kind == "section":
        return _section_problems(block, where)
    if kind == "context":
        elements = block.get("elements") or []
        problems = [] if elements else [f"{where}.elements: empty"]
        if len(elements) > _CONTEXT_ELEMENTS:
            problems.append(f"{where}.elements: {len(elements)}, more than {_CONTEXT_ELEMENTS}")
        for number, element in enumerate(elements):
            if element.get("type") != "image":
                problems += _text_problems(element, f"{where}.elements[{number}]", _TEXT_CHARS)
        return problems
    if kind == "actions":
        return _actions_problems(block, where, action_ids)
    return []


def _section_problems(block: dict[str, Any], where: str) -> list[str]:
    problems = []
    if "text" not in block and "fields" not in block:
        problems.append(f"{where}: a section needs text or fields")
    if "text" in block:
        problems += _text_problems(block["text"], f"{where}.text", _TEXT_CHARS)
    if "fields" in block:
        section_fields = block["fields"]
        if not section_fields:
            problems.append(f"{where}.fields: empty")
        if len(section_fields) > _SECTION_FIELDS:
            problems.append(f"{where}.fields: {len(section_fields)}, more than {_SECTION_FIELDS}")
        for number, field in enumerate(section_fields):
            problems += _text_problems(field, f"{where}.fields[{number}]", _FIELD_CHARS)
    return problems


def _actions_problems(block: dict[str, Any], where: str, action_ids: set[str]) -> list[str]:
    elements = block.get("elements") or []
    problems = [] if elements else [f"{where}.elements: empty"]
    if len(elements) > _ACTIONS_ELEMENTS:
        problems.append(f"{where}.elements: {len(elements)}, more than {_ACTIONS_ELEMENTS}")
    for number, element in enumerate(elements):
        at = f"{where}.elements[{number}]"
        problems += _id_problems(element.get("action_id"), f"{at}.action_id", action_ids)
        if element.get("type") == "button":
            problems += _text_problems(
                element.get("text"), f"{at}.text", _BUTTON_TEXT_CHARS, plain_only=True
            )
            value = element.get("value", "")
            if len(value) > _ACTION_VALUE_CHARS:
                problems.append(f"{at}.value: {len(value)} characters, more than 2000")
    return problems
