from typing import Any

import pytest

from bot.blocks import elements
from fakes.blockkit import (
    Rejection,
    limit_violations,
    message_rejection,
    modal_rejection,
    view_rejection,
)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def fields(count: int, length: int = 10) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "f" * length} for _ in range(count)],
    }


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


@pytest.mark.parametrize(
    "blocks",
    [
        [section("x")] * 50,
        [section("x" * 3000)],
        [fields(10, length=1200)],
        [fields(1, length=2000)],
        [header("h" * 150)],
        [{"type": "divider"}, {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}]}],
        # 4,000 Hangul letters are 4,000 characters, not 12,000 bytes or 24,000 escapes.
        [section("가" * 3000), section("나" * 1000)],
    ],
    ids=["50-blocks", "section-3000", "10-fields", "field-2000", "header-150", "others", "korean"],
)
def test_messages_at_the_limits_pass(blocks: list[dict[str, Any]]) -> None:
    assert message_rejection({"text": "fallback", "blocks": blocks}) is None


@pytest.mark.parametrize(
    ("blocks", "detail"),
    [
        ([section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        ([section("x" * 3001)], "less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        ([fields(11)], "no more than 10 items allowed [json-pointer:/blocks/0/fields]"),
        (
            [fields(2, length=2001)],
            "less than 2001 characters [json-pointer:/blocks/0/fields/1/text]",
        ),
        ([header("h" * 151)], "less than 151 characters [json-pointer:/blocks/0/text/text]"),
        (
            [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}],
            "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        ),
        ([section("")], "more than 0 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "section"}], "must provide either text or fields [json-pointer:/blocks/0]"),
        ([{"type": "sectoin"}], "unsupported type: sectoin [json-pointer:/blocks/0/type]"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "b" * 76},
                            "value": "v",
                        }
                    ],
                }
            ],
            "less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
    ],
)
def test_blocks_breaking_a_limit_are_invalid(blocks: list[dict[str, Any]], detail: str) -> None:
    rejection = message_rejection({"text": "fallback", "blocks": blocks})

    assert rejection is not None
    assert rejection.error == "invalid_blocks"
    assert [d for d in rejection.details if d.endswith(detail)], rejection.details


def test_blocks_too_long_together_are_rejected_as_slack_does() -> None:
    blocks = [section("x" * 2900)] * 5  # each section is valid; the message is ~14.6k

    assert message_rejection({"text": "t", "blocks": blocks}) == Rejection("msg_blocks_too_long")


@pytest.mark.parametrize("params", [{}, {"text": ""}, {"blocks": []}])
def test_a_message_needs_text_or_blocks(params: dict[str, Any]) -> None:
    assert message_rejection(params) == Rejection("no_text")


def test_blocks_that_are_not_a_list_are_a_format_error() -> None:
    rejection = message_rejection({"text": "t", "blocks": "[{not json"})

    assert rejection is not None
    assert rejection.error == "invalid_blocks_format"


def test_home_tab_views_take_100_blocks_but_not_101() -> None:
    assert view_rejection({"type": "home", "blocks": [section("x")] * 100}) is None
    rejection = view_rejection({"type": "home", "blocks": [section("x")] * 101})

    assert rejection is not None
    assert rejection.error == "invalid_arguments"
    assert rejection.details[0].endswith("[json-pointer:/view/blocks]")


def text_input(**element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "Filter"},
        "element": {"type": "plain_text_input", "action_id": "filter", **element},
    }


def test_a_home_tab_takes_input_blocks_without_submit_but_a_modal_does_not() -> None:
    # Slack: input blocks are available in modals, messages and Home tabs; submit is a
    # modal's button, required there when it has inputs, and a Home tab has none.
    assert view_rejection({"type": "home", "blocks": [text_input()]}) is None
    title = {"type": "plain_text", "text": "Fix"}
    rejection = modal_rejection({"type": "modal", "title": title, "blocks": [text_input()]})

    assert rejection is not None
    assert rejection.details == (
        "[ERROR] submit is required when a view has input blocks [json-pointer:/view/submit]",
    )
    submit = {"type": "plain_text", "text": "Save"}
    modal = {"type": "modal", "title": title, "submit": submit, "blocks": [text_input()]}
    assert modal_rejection(modal) is None


def test_a_home_tab_input_and_metadata_are_checked_like_a_modals() -> None:
    too_long = text_input(max_length=10, initial_value="x" * 11)
    rejection = view_rejection(
        {"type": "home", "private_metadata": "m" * 3001, "blocks": [too_long]}
    )

    assert rejection is not None
    assert rejection.details == (
        "[ERROR] must be less than 11 characters "
        "[json-pointer:/view/blocks/0/element/initial_value]",
        "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]",
    )


def test_a_rejection_answers_like_the_web_api() -> None:
    rejection = Rejection("invalid_blocks", ("[ERROR] x [json-pointer:/blocks]",))

    assert rejection.answer() == {
        "ok": False,
        "error": "invalid_blocks",
        "response_metadata": {"messages": ["[ERROR] x [json-pointer:/blocks]"]},
    }
    assert Rejection("no_text").answer() == {"ok": False, "error": "no_text"}


# limit_violations: the checker the tests run on blocks the bot built. It must catch what
# Slack refuses, or those tests prove nothing.


def test_blocks_the_bot_builds_at_every_limit_pass() -> None:
    blocks = [
        elements.header("h" * 150),
        elements.section("s" * 3000),
        elements.fields(["f" * 2000, "g"] + ["f"] * 8),
        elements.context(*["c"] * 10),
        elements.actions(
            "a",
            *(elements.button("b" * 75, action_id=f"x{n}", value="v") for n in range(10)),
        ),
    ]
    assert limit_violations(blocks) == []


def test_twenty_five_buttons_pass_and_twenty_six_do_not() -> None:
    def buttons(count: int) -> dict[str, Any]:
        return elements.actions(
            "a", *(elements.button("b", action_id=f"x{n}", value="v") for n in range(count))
        )

    assert limit_violations([buttons(25)]) == []
    assert limit_violations([buttons(26)]) == [
        "[ERROR] no more than 25 items allowed [json-pointer:/blocks/0/elements]"
    ]


def test_fifty_blocks_pass_in_a_message_and_a_hundred_in_a_view() -> None:
    assert limit_violations([elements.section("x")] * 50) == []
    assert limit_violations([elements.section("x")] * 100, view=True) == []


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([elements.section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        # Each section is valid; together they are ~15.6k characters, over Slack's ~13k.
        ([elements.section("x" * 2500)] * 6, "msg_blocks_too_long: 15"),
        ([elements.header("h" * 151)], "less than 151 characters [json-pointer:/blocks/0/text"),
        (
            [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        ),
        ([elements.section("s" * 3001)], "less than 3001 characters [json-pointer:/blocks/0/"),
        ([elements.section("")], "more than 0 characters [json-pointer:/blocks/0/text/text]"),
        ([{"type": "section"}], "must provide either text or fields [json-pointer:/blocks/0]"),
        ([elements.fields(["f"] * 11)], "no more than 10 items allowed [json-pointer:/blocks/0/f"),
        ([elements.fields(["f" * 2001])], "less than 2001 characters [json-pointer:/blocks/0/fi"),
        ([elements.context(*["c"] * 11)], "no more than 10 items allowed [json-pointer:/blocks/0"),
        ([elements.context("c" * 3001)], "less than 3001 characters [json-pointer:/blocks/0/el"),
        ([{"type": "context", "elements": []}], "at least 1 item [json-pointer:/blocks/0/elements"),
        (
            [elements.actions("a", elements.button("b" * 76, action_id="x", value="v"))],
            "less than 76 characters",
        ),
        (
            [elements.actions("a", elements.button("b", action_id="x", value="v" * 2001))],
            "less than 2001 characters",
        ),
        (
            [elements.actions("a", elements.button("b", action_id="x" * 256, value="v"))],
            "less than 256 characters",
        ),
        (
            [
                elements.actions(
                    "a",
                    elements.button("b", action_id="x", value="1"),
                    elements.button("c", action_id="x", value="2"),
                )
            ],
            "duplicate action_id: x [json-pointer:/blocks/0/elements/1/action_id]",
        ),
        (
            [elements.section("a", block_id="same"), elements.section("b", block_id="same")],
            "duplicate block_id: same [json-pointer:/blocks/1/block_id]",
        ),
        ([{"type": "sectoin"}], "unsupported type: sectoin [json-pointer:/blocks/0/type]"),
    ],
)
def test_each_broken_limit_is_reported(blocks: list[dict[str, Any]], problem: str) -> None:
    found = limit_violations(blocks)
    assert any(problem in each for each in found), found


def test_a_view_may_have_more_than_fifty_blocks_but_not_more_than_a_hundred() -> None:
    assert limit_violations([elements.section("x")] * 101, view=True) == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


def test_the_fake_refuses_what_the_checker_reports() -> None:
    blocks = [elements.section("a", block_id="same"), elements.section("b", block_id="same")]
    rejection = message_rejection({"text": "t", "blocks": blocks})

    assert rejection is not None
    assert list(rejection.details) == limit_violations(blocks)
