"""The limits checker itself: it must catch what Slack refuses, or the other tests prove nothing."""

from typing import Any

import pytest

from bot.blocks.elements import actions, button, context, fields, header, section
from tests.support.blockkit import limit_violations


def test_blocks_at_every_limit_pass() -> None:
    blocks = [
        header("h" * 150),
        section("s" * 3000),
        fields(["f" * 2000, "g"] + ["f"] * 8),
        context(*["c"] * 10),
        actions("a", *(button("b" * 75, action_id=f"x{n}", value="v") for n in range(10))),
    ]
    assert limit_violations(blocks) == []


def test_twenty_five_buttons_pass_and_twenty_six_do_not() -> None:
    def buttons(count: int) -> dict[str, Any]:
        return actions("a", *(button("b", action_id=f"x{n}", value="v") for n in range(count)))

    assert limit_violations([buttons(25)]) == []
    assert limit_violations([buttons(26)]) == ["blocks[0].elements: 26, more than 25"]


def test_fifty_blocks_pass_in_a_message_and_a_hundred_in_a_view() -> None:
    assert limit_violations([section("x")] * 50) == []
    assert limit_violations([section("x")] * 100, view=True) == []


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([], "blocks: empty"),
        ([section("x")] * 51, "blocks: 51 blocks, more than 50"),
        ([section("x" * 2500)] * 5, "characters of JSON, more than 12000"),
        ([header("h" * 151)], "blocks[0].text: 151 characters, more than 150"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "must be plain_text"),
        ([section("s" * 3001)], "blocks[0].text: 3001 characters, more than 3000"),
        ([section("")], "blocks[0].text: empty text"),
        ([{"type": "section"}], "a section needs text or fields"),
        ([fields(["f"] * 11)], "blocks[0].fields: 11, more than 10"),
        ([fields(["f" * 2001])], "blocks[0].fields[0]: 2001 characters, more than 2000"),
        ([context(*["c"] * 11)], "blocks[0].elements: 11, more than 10"),
        ([{"type": "context", "elements": []}], "blocks[0].elements: empty"),
        ([actions("a", button("b" * 76, action_id="x", value="v"))], "more than 75"),
        ([actions("a", button("b", action_id="x", value="v" * 2001))], "more than 2000"),
        ([actions("a", button("b", action_id="x" * 256, value="v"))], "more than 255"),
        (
            [
                actions(
                    "a",
                    button("b", action_id="x", value="1"),
                    button("c", action_id="x", value="2"),
                )
            ],
            "'x' used twice",
        ),
        ([section("a", block_id="same"), section("b", block_id="same")], "'same' used twice"),
        ([{"type": "sectoin"}], "unknown block type 'sectoin'"),
    ],
)
def test_each_broken_limit_is_reported(blocks: list[dict[str, Any]], problem: str) -> None:
    assert any(problem in found for found in limit_violations(blocks)), limit_violations(blocks)


def test_a_view_may_have_more_than_fifty_blocks_but_not_more_than_a_hundred() -> None:
    assert limit_violations([section("x")] * 101, view=True) == [
        "blocks: 101 blocks, more than 100"
    ]
