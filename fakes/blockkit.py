"""Slack's message and Block Kit limits, checked the way the Web API checks them.

The one Block Kit checker: the fake Slack refuses with it what real Slack refuses, and
tests call `limit_violations` on blocks the bot built. Only limits Slack documents (or that
the bot is known to approach) are checked, so a problem here means real Slack would refuse
the same message. The numbers are written out here, not imported from bot.blocks.limits,
so a wrong constant there cannot hide a real violation; the bot's own, tighter bounds are
tested against bot.blocks.limits itself. Details follow Slack's `response_metadata.messages`
style: "[ERROR] ... [json-pointer:/blocks/0]".
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
# Slack publishes no exact figure; messages fail with msg_blocks_too_long near 13k
# characters of blocks (FACTS.md). The bot keeps under its own 12k (bot.blocks.limits).
MAX_BLOCKS_JSON_CHARS = 13_000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID_LENGTH = 255
MAX_URL_LENGTH = 3000
MAX_ALT_TEXT = 2000

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why Slack would refuse a request: the `error` code and the detail messages."""

    error: str
    details: tuple[str, ...] = ()

    def answer(self) -> dict[str, Any]:
        """The Web API body Slack sends for this rejection."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.details:
            body["response_metadata"] = {"messages": list(self.details)}
        return body


def message_rejection(
    params: Mapping[str, Any], *, max_blocks: int = MAX_MESSAGE_BLOCKS
) -> Rejection | None:
    """Check a chat.postMessage-like body (text, blocks, attachments); None if Slack takes it."""
    blocks = params.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        return Rejection(
            "invalid_blocks_format", ("[ERROR] must be an array [json-pointer:/blocks]",)
        )
    if not params.get("text") and not blocks and not params.get("attachments"):
        return Rejection("no_text")
    if not blocks:
        return None
    problems = block_problems(blocks, pointer="/blocks", max_blocks=max_blocks)
    if problems:
        return Rejection("invalid_blocks", tuple(problems))
    if blocks_json_length(blocks) > MAX_BLOCKS_JSON_CHARS:
        return Rejection("msg_blocks_too_long")
    return None


def view_rejection(view: object) -> Rejection | None:
    """Check a Home tab view for views.publish; None when Slack accepts it."""
    if not isinstance(view, dict):
        return Rejection("invalid_arguments", ("[ERROR] must be an object [json-pointer:/view]",))
    if view.get("type") != "home":
        return Rejection("invalid_arguments", ("[ERROR] must be 'home' [json-pointer:/view/type]",))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return Rejection(
            "invalid_arguments", ("[ERROR] must be an array [json-pointer:/view/blocks]",)
        )
    # Input blocks are allowed in a Home tab without a submit button: they dispatch
    # their actions instead (the submit rule is a modal's, below).
    problems = _view_problems(view, blocks)
    if problems:
        return Rejection("invalid_arguments", tuple(problems))
    return None


MAX_MODAL_TITLE = 24  # title, submit and close
MAX_PRIVATE_METADATA = 3000
MAX_LABEL_TEXT = 2000
MAX_INPUT_VALUE = 3000
INPUT_ELEMENT_TYPES = frozenset(
    {
        "plain_text_input",
        "datepicker",
        "static_select",
        "multi_static_select",
        "checkboxes",
        "radio_buttons",
        "number_input",
        "email_text_input",
        "url_text_input",
    }
)


def modal_rejection(view: object) -> Rejection | None:
    """Check a modal for views.open; None when Slack accepts it."""
    if not isinstance(view, dict):
        return Rejection("invalid_arguments", ("[ERROR] must be an object [json-pointer:/view]",))
    if view.get("type") != "modal":
        return Rejection(
            "invalid_arguments", ("[ERROR] must be 'modal' [json-pointer:/view/type]",)
        )
    problems = _text_problems(view.get("title"), MAX_MODAL_TITLE, "/view/title", plain_only=True)
    for name in ("submit", "close"):
        if view.get(name) is not None:
            problems += _text_problems(
                view[name], MAX_MODAL_TITLE, f"/view/{name}", plain_only=True
            )
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return Rejection(
            "invalid_arguments", ("[ERROR] must be an array [json-pointer:/view/blocks]",)
        )
    problems += _view_problems(view, blocks)
    has_inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if has_inputs and view.get("submit") is None:
        problems.append(_error("submit is required when a view has input blocks", "/view/submit"))
    if problems:
        return Rejection("invalid_arguments", tuple(problems))
    return None


def _view_problems(view: dict[str, Any], blocks: list[Any]) -> list[str]:
    """What a Home tab and a modal share: their blocks, inputs among them, and metadata."""
    problems = block_problems(blocks, pointer="/view/blocks", max_blocks=MAX_VIEW_BLOCKS)
    for index, block in enumerate(blocks):
        if isinstance(block, dict) and block.get("type") == "input":
            problems += _input_problems(block, f"/view/blocks/{index}")
    problems += _too_long(
        view.get("private_metadata"), MAX_PRIVATE_METADATA, "/view/private_metadata"
    )
    problems += _too_long(view.get("callback_id"), MAX_ID_LENGTH, "/view/callback_id")
    return problems


def _input_problems(block: dict[str, Any], pointer: str) -> list[str]:
    problems = _text_problems(
        block.get("label"), MAX_LABEL_TEXT, f"{pointer}/label", plain_only=True
    )
    if block.get("hint") is not None:
        problems += _text_problems(
            block["hint"], MAX_LABEL_TEXT, f"{pointer}/hint", plain_only=True
        )
    element = block.get("element")
    if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENT_TYPES:
        return [*problems, _error("failed to match all allowed schemas", f"{pointer}/element")]
    problems += _too_long(element.get("action_id"), MAX_ID_LENGTH, f"{pointer}/element/action_id")
    initial, max_length = element.get("initial_value"), element.get("max_length")
    problems += _too_long(initial, MAX_INPUT_VALUE, f"{pointer}/element/initial_value")
    if isinstance(max_length, int):
        problems += _too_long(initial, max_length, f"{pointer}/element/initial_value")
        if not 0 < max_length <= MAX_INPUT_VALUE:
            problems.append(_error("must be 1 to 3000", f"{pointer}/element/max_length"))
    if "optional" in block and not isinstance(block["optional"], bool):
        problems.append(_error("must be a boolean", f"{pointer}/optional"))
    return problems


def limit_violations(blocks: list[Any], *, view: bool = False) -> list[str]:
    """Every limit the blocks of a message (or, with `view`, of a Home tab or modal) break,
    as Slack words it; [] when Slack would take them."""
    if view:
        return block_problems(blocks, pointer="/view/blocks", max_blocks=MAX_VIEW_BLOCKS)
    problems = block_problems(blocks, pointer="/blocks", max_blocks=MAX_MESSAGE_BLOCKS)
    size = blocks_json_length(blocks)
    if size > MAX_BLOCKS_JSON_CHARS:
        problems.append(
            f"msg_blocks_too_long: {size} characters, more than {MAX_BLOCKS_JSON_CHARS}"
        )
    return problems


def blocks_json_length(blocks: list[Any]) -> int:
    """Characters (not bytes, so Korean text counts once per letter) of the compact JSON."""
    return len(json.dumps(blocks, ensure_ascii=False, separators=(",", ":")))


def block_problems(blocks: list[Any], *, pointer: str, max_blocks: int) -> list[str]:
    """Every limit the blocks break, as Slack words it; empty when they are valid."""
    if len(blocks) > max_blocks:
        return [_error(f"no more than {max_blocks} items allowed", pointer)]
    problems: list[str] = []
    block_ids: set[object] = set()
    for index, block in enumerate(blocks):
        at = f"{pointer}/{index}"
        problems.extend(_block_problems(block, at))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None and block_id in block_ids:
            problems.append(_error(f"duplicate block_id: {block_id}", f"{at}/block_id"))
        block_ids.add(block_id)
    return problems


def _error(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


def _too_long(value: object, limit: int, pointer: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [_error(f"must be less than {limit + 1} characters", pointer)]
    return []


def _block_problems(block: object, pointer: str) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
        kind = block.get("type") if isinstance(block, dict) else block
        return [_error(f"unsupported type: {kind}", f"{pointer}/type")]
    problems = _too_long(block.get("block_id"), MAX_ID_LENGTH, f"{pointer}/block_id")
    match block["type"]:
        case "section":
            problems += _section_problems(block, pointer)
        case "header":
            problems += _text_problems(
                block.get("text"), MAX_HEADER_TEXT, f"{pointer}/text", plain_only=True
            )
        case "context":
            problems += _elements_problems(block, MAX_CONTEXT_ELEMENTS, pointer)
            for index, element in enumerate(block.get("elements") or []):
                if not isinstance(element, dict) or element.get("type") != "image":
                    at = f"{pointer}/elements/{index}"
                    problems += _text_problems(element, MAX_SECTION_TEXT, at)
        case "actions":
            problems += _elements_problems(block, MAX_ACTIONS_ELEMENTS, pointer)
            action_ids: set[object] = set()
            for index, element in enumerate(block.get("elements") or []):
                at = f"{pointer}/elements/{index}"
                problems += _element_problems(element, at)
                action_id = element.get("action_id") if isinstance(element, dict) else None
                if action_id is not None and action_id in action_ids:
                    problems.append(_error(f"duplicate action_id: {action_id}", f"{at}/action_id"))
                action_ids.add(action_id)
        case "image":
            problems += _image_problems(block, pointer)
    return problems


def _section_problems(block: dict[str, Any], pointer: str) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        return [_error("must provide either text or fields", pointer)]
    problems: list[str] = []
    if text is not None:
        problems += _text_problems(text, MAX_SECTION_TEXT, f"{pointer}/text")
    if fields is not None:
        if not isinstance(fields, list):
            return [*problems, _error("must be an array", f"{pointer}/fields")]
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(
                _error(f"no more than {MAX_SECTION_FIELDS} items allowed", f"{pointer}/fields")
            )
        for index, field in enumerate(fields):
            problems += _text_problems(field, MAX_FIELD_TEXT, f"{pointer}/fields/{index}")
    if block.get("accessory") is not None:
        problems += _element_problems(block["accessory"], f"{pointer}/accessory")
    return problems


def _text_problems(
    text: object, limit: int, pointer: str, *, plain_only: bool = False
) -> list[str]:
    allowed = {"plain_text"} if plain_only else TEXT_OBJECT_TYPES
    if not isinstance(text, dict) or text.get("type") not in allowed:
        return [_error("failed to match all allowed schemas", pointer)]
    value = text.get("text")
    if not isinstance(value, str) or not value:
        return [_error("must be more than 0 characters", f"{pointer}/text")]
    return _too_long(value, limit, f"{pointer}/text")


def _elements_problems(block: dict[str, Any], limit: int, pointer: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [_error("must provide at least 1 item", f"{pointer}/elements")]
    if len(elements) > limit:
        return [_error(f"no more than {limit} items allowed", f"{pointer}/elements")]
    return []


def _element_problems(element: object, pointer: str) -> list[str]:
    if not isinstance(element, dict):
        return [_error("must be an object", pointer)]
    problems = _too_long(element.get("action_id"), MAX_ID_LENGTH, f"{pointer}/action_id")
    if element.get("type") == "button":
        problems += _text_problems(
            element.get("text"), MAX_BUTTON_TEXT, f"{pointer}/text", plain_only=True
        )
        problems += _too_long(element.get("value"), MAX_BUTTON_VALUE, f"{pointer}/value")
        problems += _too_long(element.get("url"), MAX_URL_LENGTH, f"{pointer}/url")
    return problems


def _image_problems(block: dict[str, Any], pointer: str) -> list[str]:
    problems: list[str] = []
    if not block.get("image_url") and not block.get("slack_file"):
        problems.append(_error("must provide either image_url or slack_file", pointer))
    alt_text = block.get("alt_text")
    if not isinstance(alt_text, str) or not alt_text:
        problems.append(_error("must be more than 0 characters", f"{pointer}/alt_text"))
    problems += _too_long(alt_text, MAX_ALT_TEXT, f"{pointer}/alt_text")
    problems += _too_long(block.get("image_url"), MAX_URL_LENGTH, f"{pointer}/image_url")
    return problems
