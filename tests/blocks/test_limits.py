import copy
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.elements import actions, button, context, divider, fields, header, section
from bot.blocks.limits import (
    BLOCKS_JSON_CHARS,
    MAX_BLOCKS,
    MAX_VIEW_BLOCKS,
    SHRUNK_TEXT_CHARS,
    VIEW_JSON_CHARS,
    fit,
    json_chars,
)
from bot.i18n import Language
from fakes.blockkit import limit_violations

Block = dict[str, Any]


def _more_notice(blocks: list[Block]) -> str | None:
    notices = [block for block in blocks if block.get("block_id") == ids.MORE_BLOCK]
    return notices[0]["elements"][0]["text"] if notices else None


def test_blocks_within_limits_come_back_equal_and_the_input_untouched() -> None:
    blocks = [header("제목"), section("본문"), fields(["*a*\n1", "*b*\n2"]), divider()]
    before = copy.deepcopy(blocks)
    fitted = fit(blocks, Language.KO)
    assert fitted == before
    assert blocks == before
    fitted[1]["text"]["text"] = "changed"
    assert blocks == before


@pytest.mark.parametrize(
    ("block", "path", "limit"),
    [
        (header("가" * 400), ("text", "text"), 150),
        (section("a" * 5000), ("text", "text"), 3000),
        (fields(["b" * 2500]), ("fields", 0, "text"), 2000),
        (context("c" * 4000), ("elements", 0, "text"), 3000),
    ],
)
def test_long_text_is_cut_with_an_ellipsis(block: Block, path: tuple[Any, ...], limit: int) -> None:
    [fitted] = fit([block], Language.KO)
    text: Any = fitted
    for key in path:
        text = text[key]
    assert len(text) == limit
    assert text.endswith("…")


def test_context_keeps_ten_elements() -> None:
    [fitted] = fit([context(*(f"e{n}" for n in range(12)))], Language.KO)
    assert [element["text"] for element in fitted["elements"]] == [f"e{n}" for n in range(10)]


def test_button_text_is_cut_and_buttons_with_oversized_values_are_dropped() -> None:
    block = actions(
        "b",
        button("가" * 100, action_id="long_text", value="1"),
        button("ok", action_id="long_value", value="9" * 2001),
    )
    [fitted] = fit([block], Language.KO)
    assert [element["action_id"] for element in fitted["elements"]] == ["long_text"]
    assert len(fitted["elements"][0]["text"]["text"]) == 75


def test_an_actions_block_left_without_buttons_disappears() -> None:
    block = actions("b", button("ok", action_id="x", value="9" * 3000))
    assert fit([section("본문"), block], Language.KO) == [section("본문")]


def test_more_than_ten_fields_continue_in_further_sections() -> None:
    block = fields([f"*{n}*\nvalue" for n in range(60)])
    block["block_id"] = "readings"
    fitted = fit([block], Language.KO)
    assert [len(part["fields"]) for part in fitted] == [10] * 6
    assert [part.get("block_id") for part in fitted] == [
        "readings",
        "readings.2",
        "readings.3",
        "readings.4",
        "readings.5",
        "readings.6",
    ]
    shown = [field["text"] for part in fitted for field in part["fields"]]
    assert shown == [f"*{n}*\nvalue" for n in range(60)]
    assert limit_violations(fitted) == []


def test_too_many_blocks_end_with_one_notice_counting_what_is_hidden() -> None:
    blocks = [section(f"line {n}") for n in range(80)]
    fitted = fit(blocks, Language.EN)
    assert len(fitted) == MAX_BLOCKS
    assert fitted[:49] == blocks[:49]
    assert _more_notice(fitted) == (
        "… and 31 more not shown: the message would be too long for Slack."
    )
    assert limit_violations(fitted) == []


def test_hidden_fields_are_counted_one_by_one_and_dividers_not_at_all() -> None:
    blocks = [section(f"line {n}") for n in range(48)] + [
        divider(),
        fields(["a", "b", "c"]),
        section("last"),
    ]
    fitted = fit(blocks, Language.KO)
    assert _more_notice(fitted) == "… 외 4개 항목은 메시지 길이 제한으로 표시하지 못했습니다."


def test_a_closing_actions_block_is_kept_after_the_notice() -> None:
    buttons = actions("b", button("다시 조회", action_id="recheck", value="2208162517"))
    fitted = fit([*(section(f"line {n}") for n in range(80)), buttons], Language.KO)
    assert len(fitted) == MAX_BLOCKS
    assert fitted[-1] == buttons
    assert fitted[-2]["block_id"] == ids.MORE_BLOCK
    assert fitted[-3] == section("line 47")


def test_blocks_too_long_together_are_shrunk_before_anything_is_dropped() -> None:
    block = fields([f"*{n}*\n" + "가" * 1000 for n in range(30)])
    fitted = fit([block], Language.KO)
    assert json_chars(fitted) <= BLOCKS_JSON_CHARS
    shown = [field["text"] for part in fitted for field in part["fields"]]
    assert len(shown) == 30
    assert all(text.startswith(f"*{n}*\n가가가") for n, text in enumerate(shown))
    assert len({len(text) for text in shown}) == 1  # one cap for all: every field keeps as much
    assert len(shown[0]) < 1000
    assert _more_notice(fitted) is None


def test_sixty_very_long_fields_stay_within_every_limit() -> None:
    blocks = [header("사업자등록증"), fields(["x" * 10_000 for _ in range(60)])]
    fitted = fit(blocks, Language.KO)
    assert limit_violations(fitted) == []
    assert fitted[0] == header("사업자등록증")
    assert all(len(field["text"]) <= SHRUNK_TEXT_CHARS for field in fitted[1]["fields"])
    assert _more_notice(fitted) is not None


def test_buttons_too_big_for_any_message_give_way_to_the_text() -> None:
    huge = actions("b", *(button(f"b{n}", action_id=f"a{n}", value="7" * 1900) for n in range(25)))
    fitted = fit([section("본문"), huge], Language.KO)
    assert fitted == [section("본문")]


def test_a_view_takes_a_hundred_blocks_and_more_json_than_a_message() -> None:
    blocks = [section(f"{n} " + "가" * 300) for n in range(99)]
    assert json_chars(blocks) > BLOCKS_JSON_CHARS
    assert json_chars(blocks) < VIEW_JSON_CHARS
    assert fit(blocks, Language.KO, view=True) == blocks
    as_message = fit(blocks, Language.KO)
    assert len(as_message) <= MAX_BLOCKS
    assert _more_notice(as_message) is not None


def test_a_view_over_its_bounds_keeps_its_closing_buttons_after_the_notice() -> None:
    pager = actions("pager", button("Next", action_id="next", value="2"))
    blocks = [section("x" * 2000) for _ in range(120)] + [pager]
    fitted = fit(blocks, Language.EN, view=True)
    assert len(fitted) <= MAX_VIEW_BLOCKS
    assert json_chars(fitted) <= VIEW_JSON_CHARS
    assert fitted[-1] == pager
    assert _more_notice(fitted) is not None
    assert limit_violations(fitted, view=True) == []
