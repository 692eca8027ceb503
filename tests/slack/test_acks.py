"""What the receiver answers at once (bot.slack.acks) must be what the listeners would
have answered: every listener for an event, a command or a block action acknowledges with
nothing, so its answer is the empty 200 Slack already has."""

import ast
from pathlib import Path
from typing import Any

import pytest

from bot.slack.acks import answered_empty_at_once

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# The Bolt registration (app.<kind>) of each kind of request, and a body of that kind.
KINDS: dict[str, dict[str, Any]] = {
    "event": {"type": "event_callback", "event": {"type": "message"}},
    "command": {"command": "/bizstatus", "text": ""},
    "action": {"type": "block_actions", "actions": []},
    "view": {"type": "view_submission", "view": {}},
}


def listeners() -> list[tuple[str, str, list[ast.Call]]]:
    """Each listener in handlers/: its kind, its name, and its calls to `ack`."""
    found = []
    for path in sorted(HANDLERS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and isinstance(decorator.func.value, ast.Name)
                    and decorator.func.value.id == "app"
                ):
                    acks = [
                        call
                        for call in ast.walk(node)
                        if isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id == "ack"
                    ]
                    found.append((decorator.func.attr, node.name, acks))
    return found


def test_the_listeners_are_found() -> None:
    kinds = {kind for kind, _, _ in listeners()}
    assert kinds == set(KINDS)  # a new kind of listener must be placed in KINDS


@pytest.mark.parametrize(("kind", "name", "acks"), listeners(), ids=lambda v: str(v)[:30])
def test_a_kind_answered_at_once_is_acknowledged_with_nothing(
    kind: str, name: str, acks: list[ast.Call]
) -> None:
    # (An event listener calls no `ack`: Bolt acknowledges events with nothing itself.)
    if answered_empty_at_once(KINDS[kind]):
        assert all(not call.args and not call.keywords for call in acks), name


def test_a_view_submission_waits_for_its_listener() -> None:
    [(_, _, acks)] = [listener for listener in listeners() if listener[0] == "view"]
    assert any(call.keywords for call in acks)  # its inline errors reach Slack
    assert not answered_empty_at_once(KINDS["view"])
