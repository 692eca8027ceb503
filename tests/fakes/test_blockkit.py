from typing import Any

import pytest

from fakes.blockkit import Rejection, message_rejection, view_rejection


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


def test_a_rejection_answers_like_the_web_api() -> None:
    rejection = Rejection("invalid_blocks", ("[ERROR] x [json-pointer:/blocks]",))

    assert rejection.answer() == {
        "ok": False,
        "error": "invalid_blocks",
        "response_metadata": {"messages": ["[ERROR] x [json-pointer:/blocks]"]},
    }
    assert Rejection("no_text").answer() == {"ok": False, "error": "no_text"}
