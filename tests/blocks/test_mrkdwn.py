from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.blocks.mrkdwn import (
    clean,
    date,
    escape,
    link,
    literal,
    mention,
    plain,
    truncate,
)
from tests.blocks.inert import INVISIBLE


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil.example|국민은행>", "&lt;https://evil.example|국민은행&gt;"),
        ("&lt;", "&amp;lt;"),
        ("A & B", "A &amp; B"),
        ("*bold* `code`", "*bold* `code`"),  # formatting is literal()'s job
        ("줄\n바꿈", "줄\n바꿈"),
    ],
)
def test_escape_replaces_exactly_ampersand_and_angle_brackets(text: str, escaped: str) -> None:
    assert escape(text) == escaped


@pytest.mark.parametrize(
    "char",
    [
        *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f",
        *"\u200b\u200c\u200d\u2060\ufeff",
    ],
)
def test_invisible_characters_are_removed_everywhere(char: str) -> None:
    text = f"국민{char}은행"
    assert clean(text) == escape(text) == plain(text, 10) == literal(text, 10) == "국민은행"


def test_control_characters_are_removed_but_whitespace_kept_by_escape() -> None:
    assert escape("a\x00b\x1b[31mc\td\ne") == "ab[31mc\td\ne"


def test_a_right_to_left_override_cannot_reorder_a_number() -> None:
    assert literal("220-81-\u202e71526", 50) == "220-81-71526"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("*굵게*", "＊굵게＊"),
        ("_기울임_", "＿기울임＿"),
        ("~취소선~", "～취소선～"),
        ("`코드`", "｀코드｀"),
        ("```블록```", "｀｀｀블록｀｀｀"),
        ("> 인용", "＞ 인용"),
        ("a > b", "a &gt; b"),
        ("첫 줄\n> 둘째 줄\t셋째", "첫 줄 &gt; 둘째 줄 셋째"),
        ("  (주)예시  ", "(주)예시"),
        ("<!here>", "&lt;!here&gt;"),
        ("\u200b", ""),
    ],
)
def test_literal_makes_one_inert_line(text: str, shown: str) -> None:
    assert literal(text, 100) == shown


def test_literal_cuts_after_escaping() -> None:
    shown = literal("<" * 100, 12)
    assert shown == "&lt;&lt;" + "…"


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("abcdef", 6, "abcdef"),
        ("abcdefg", 6, "abcde…"),
        ("ab &amp; cd", 5, "ab …"),
        ("ab &amp; cd", 8, "ab …"),
        ("ab &amp; cd", 10, "ab &amp; …"),
        ("ab &lt;", 6, "ab …"),
        ("x & y", 4, "x …"),  # in escaped text every & starts an entity
        ("확인 <@U024BE7LH> 님", 10, "확인 …"),
        ("at <!date^1^{time}|09:00> ok", 20, "at …"),
        ("가" * 3000, 2000, "가" * 1999 + "…"),
    ],
)
def test_truncate_never_cuts_an_entity_or_a_token(text: str, limit: int, cut: str) -> None:
    assert truncate(text, limit) == cut
    assert len(truncate(text, limit)) <= limit


def test_truncate_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        truncate("abc", 0)


def test_plain_removes_invisibles_but_leaves_markup_alone() -> None:
    assert plain("<b>*x*</b>\u200b", 100) == "<b>*x*</b>"
    assert plain("가" * 200, 150) == "가" * 149 + "…"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("5555555555554444.jpg", "•••• •••• •••• 4444.jpg"),
        ("카드 5555 5555 5555 4444.png", "카드 •••• •••• •••• 4444.png"),
        ("card-3714-496353-98431.jpeg", "card-•••• •••••• •8431.jpeg"),
        ("5555_5555.5555 4444.jpg", "•••• •••• •••• 4444.jpg"),
        ("５５５５５５５５５５５５４４４４.png", "•••• •••• •••• 4444.png"),
        ("IMG_20240501.jpg", "IMG_20240501.jpg"),  # a date is not a card number
        ("scan 2024 v2.png", "scan 2024 v2.png"),
        ("사업자등록증.pdf", "사업자등록증.pdf"),
    ],
)
def test_plain_and_literal_show_a_card_number_in_a_name_by_its_last_four_only(
    name: str, masked: str
) -> None:
    assert plain(name, 100) == masked
    assert literal(name, 100) == masked.replace("_", "＿")


def test_a_card_number_is_masked_before_the_cut_that_would_hide_it() -> None:
    for limit in range(5, 30):
        for shown in (
            plain("카드 4556 0767 6001 6584", limit),
            literal("4556-0767-6001-6584", limit),
        ):
            assert "0767" not in shown
            assert "6001" not in shown


def test_escape_masks_a_card_number_in_a_message() -> None:
    assert (
        escape("card 4556 0767 6001 6584 <refused>") == "card •••• •••• •••• 6584 &lt;refused&gt;"
    )


@pytest.mark.parametrize(
    ("user_id", "shown"),
    [
        ("U024BE7LH", "<@U024BE7LH>"),
        ("W123ABC", "<@W123ABC>"),
        ("u024be7lh", "u024be7lh"),
        ("U1> <!channel", "U1&gt; &lt;!channel"),
        ("B123", "B123"),
        ("", ""),
    ],
)
def test_mention_only_for_a_real_looking_user_id(user_id: str, shown: str) -> None:
    assert mention(user_id) == shown


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.slack.com/archives/C1/p1",
        "javascript:alert(1)",
        "https://acme.slack.com/a|<!channel>",
        "https://acme.slack.com/a>b",
        "https://acme.slack.com/a b",
        "https:///nohost",
        "",
    ],
)
def test_link_refuses_urls_that_could_break_out(url: str) -> None:
    assert link(url, "원본") is None


def test_link_builds_the_token_with_an_inert_label() -> None:
    assert (
        link("https://acme.slack.com/archives/C1/p17", "*원본* <!here>")
        == "<https://acme.slack.com/archives/C1/p17|＊원본＊ &lt;!here&gt;>"
    )


def test_date_renders_for_each_reader_with_a_korean_time_fallback() -> None:
    moment = datetime(2024, 12, 31, 15, 30, tzinfo=UTC)
    assert date(moment) == "<!date^1735659000^{date_short_pretty} {time}|2025-01-01 00:30 KST>"
    same = moment.astimezone(timezone(timedelta(hours=-5)))
    assert date(same) == date(moment)
    assert date(moment.replace(tzinfo=None)) == date(moment)


def test_invisible_pattern_of_the_tests_matches_the_brief() -> None:
    assert INVISIBLE.search("\u2066")
    assert not INVISIBLE.search("가a1 ")
