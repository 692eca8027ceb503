import json
from datetime import UTC, datetime

import pytest

from bot.blocks import ids
from bot.blocks.status import (
    StatusEntry,
    badge,
    share_value,
    shared_numbers,
    shared_status_results,
    status_results,
    watch_button,
)
from bot.domain import bizno
from bot.domain.bizno import InvalidBusinessNumber
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import Service, Unavailable
from bot.i18n import Language
from fakes.blockkit import limit_violations
from tests.blocks.inert import HOSTILE, LONG, assert_inert, rendered

CHECKED_AT = datetime(2024, 5, 1, 5, 3, tzinfo=UTC)


def check(number: str, status: BusinessStatus) -> StatusCheck:
    return StatusCheck(number=number, status=status, checked_at=CHECKED_AT)


def entries() -> list[StatusEntry]:
    return [
        ("220-81-62517", check("2208162517", BusinessStatus.VAT_GENERAL)),
        ("1248100998", check("1248100998", BusinessStatus.CLOSED)),
        ("２２０８１６２５１７", Unavailable("business/status answered 503", service=Service.NHN)),
        ("123-45-67890", InvalidBusinessNumber("checksum")),
    ]


def section_texts(blocks: list[dict]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


@pytest.mark.parametrize(
    ("status", "ko", "en"),
    [
        (BusinessStatus.VAT_GENERAL, "🟢 계속사업자(일반과세자)", "🟢 Open (VAT general)"),
        (
            BusinessStatus.NON_PROFIT,
            "🟢 계속사업자(비영리법인·국가기관)",
            "🟢 Open (non-profit or public body)",
        ),
        (BusinessStatus.INACTIVE, "🟡 휴업자", "🟡 Inactive (temporarily closed)"),
        (BusinessStatus.CLOSED, "🔴 폐업자", "🔴 Closed"),
        (
            BusinessStatus.NOT_IN_BUSINESS,
            "⚪ 등록되지 않은 사업자(확인 불가)",
            "⚪ Not registered (unknown)",
        ),
        (BusinessStatus.OTHER, "⚪ 기타(확인 불가)", "⚪ Other (unknown)"),
    ],
)
def test_badge_is_emoji_and_label(status: BusinessStatus, ko: str, en: str) -> None:
    assert badge(status, Language.KO) == ko
    assert badge(status, Language.EN) == en


def test_results_list_every_entry_in_input_order_in_korean() -> None:
    message = status_results(entries(), Language.KO, shareable=False)
    title, first, second, third, fourth = section_texts(message.blocks)
    assert title == "*사업자 상태 조회* (4건)"
    assert first.startswith("*220-81-62517*   🟢 계속사업자(일반과세자)\n조회 <!date^1714539780^")
    assert second.startswith("*124-81-00998*   *🔴 폐업자*\n⚠️ 폐업한 사업자입니다.")
    assert third == (
        "*220-81-62517*   ⚠️ 조회하지 못함\n"
        "OCR 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요."
    )
    assert fourth == (
        "*123-45-67890*   ⚠️ 검증번호 불일치\n"
        "마지막 자리(검증번호)가 맞지 않습니다: 흔히 쓰는 검증 규칙과 다릅니다. "
        "오타가 없는지 확인하세요.\n"
        "흔히 쓰는 검증번호 규칙은 국세청의 공식 규칙이 아니어서, 실제 번호 중에도 맞지 않는 "
        "것이 있습니다. 입력한 번호가 맞다면 그래도 조회할 수 있습니다(조회 1회)."
    )
    assert message.text == (
        "사업자 상태 조회 결과\n220-81-62517: 계속사업자(일반과세자)\n⚠️ 124-81-00998: 폐업자\n"
        "２２０８１６２５１７: 조회하지 못함\n123-45-67890: 검증번호 불일치"
    )
    assert "accessory" not in message.blocks[4]  # not shareable: no buttons at all
    assert_inert(message)


def test_results_in_english() -> None:
    message = status_results(entries(), Language.EN, shareable=True)
    title, first, second, third, fourth = section_texts(message.blocks)
    assert title == "*Business status* (4)"
    assert first.startswith("*220-81-62517*   🟢 Open (VAT general)\nChecked <!date^")
    assert second.startswith("*124-81-00998*   *🔴 Closed*\n⚠️ This business is closed.")
    assert third.endswith(
        "Lookup failed\nThe OCR service is temporarily unavailable. Please try again later."
    )
    assert fourth.startswith(
        "*123-45-67890*   ⚠️ Check digit differs\nThe last digit does not match: it differs "
        "from the usual check-digit rule. Check for a typo.\nThe usual check-digit rule is not "
        "an official one"
    )
    anyway = message.blocks[4]["accessory"]
    assert (anyway["action_id"], anyway["value"]) == ("look_up_anyway.1234567890", "1234567890")
    assert anyway["text"]["text"] == "Look it up anyway"
    assert message.blocks[-1]["elements"][0]["text"]["text"] == "Share to channel"
    assert message.text.startswith("Business status\n220-81-62517: Open (VAT general)")
    assert_inert(message)


def test_an_impossible_number_is_invalid_with_nothing_to_look_up() -> None:
    message = status_results(
        [("000-00-00000", InvalidBusinessNumber("office", part="000"))],
        Language.EN,
        shareable=True,
    )
    _, only = section_texts(message.blocks)
    assert only.startswith("*000-00-00000*   ❌ Invalid number\nThe first three digits (000)")
    assert "accessory" not in message.blocks[1]
    assert all(block["type"] != "actions" for block in message.blocks)


def test_a_number_looked_up_anyway_keeps_its_warning_and_watches_anyway() -> None:
    message = status_results(
        [("306-82-00417", check("3068200417", BusinessStatus.VAT_GENERAL))],
        Language.EN,
        shareable=True,
    )
    _, only = section_texts(message.blocks)
    assert "This number's check digit differs from the usual rule." in only
    watch = message.blocks[1]["accessory"]
    assert watch["action_id"] == "watch_anyway.3068200417"
    assert json.loads(watch["value"]) == ["3068200417", ""]
    assert limit_violations(message.blocks) == []


def test_inactive_stands_out_with_advice() -> None:
    message = status_results(
        [("2208162517", check("2208162517", BusinessStatus.INACTIVE))], Language.KO, shareable=False
    )
    assert "*🟡 휴업자*\n⚠️ 휴업 중인 사업자입니다." in section_texts(message.blocks)[1]


def test_the_share_button_carries_the_checked_numbers_only() -> None:
    message = status_results(entries(), Language.KO, shareable=True)
    *_, note, buttons = message.blocks
    assert note["elements"][0]["text"].startswith("🔒 나에게만 보이는 결과입니다.")
    assert buttons["block_id"] == ids.STATUS_ACTIONS_BLOCK
    [share] = buttons["elements"]
    assert share["action_id"] == ids.SHARE_STATUS
    assert share["text"]["text"] == "채널에 공유"
    # No status and no time: whoever clicks could change them (see shared_numbers).
    assert json.loads(share["value"]) == ["2208162517", "1248100998"]


def test_no_share_button_unless_shareable_or_with_nothing_checked() -> None:
    private = status_results(entries(), Language.KO, shareable=False)
    nothing = status_results(
        [("123", InvalidBusinessNumber("length", count=3))], Language.KO, shareable=True
    )
    for message in (private, nothing):
        assert all(block["type"] != "actions" for block in message.blocks)
        assert ids.SHARE_STATUS not in rendered(message)


def test_share_value_round_trips_to_the_same_numbers() -> None:
    assert shared_numbers(share_value(entries())) == ["2208162517", "1248100998"]


def test_a_value_from_before_numbers_only_gives_its_numbers_and_drops_the_rest() -> None:
    # Buttons posted earlier carry [digits, status code, time]: only the digits count.
    old = '[["2208162517","06","2024-05-01T05:03:00+00:00"],["1248100998","01","yesterday"]]'
    assert shared_numbers(old) == ["2208162517", "1248100998"]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not json",
        "{}",
        '{"2208162517": "06"}',
        "[1]",
        "[[]]",
        '["0000000000"]',  # no tax office's number
        '["2208162517", "<!channel>"]',
        '[[2208162517, "01", "2024-05-01T05:03:00+00:00"]]',
        '"2208162517"',
        "[" * 1000 + "]" * 1000,
    ],
)
def test_a_forged_share_value_gives_nothing(value: str) -> None:
    assert shared_numbers(value) == []


@pytest.mark.parametrize("lang", list(Language))
def test_shared_copy_names_who_shared_and_has_no_button(lang: Language) -> None:
    message = shared_status_results(entries(), lang, shared_by="U024BE7LH")
    intro = message.blocks[0]["elements"][0]["text"]
    assert (
        intro
        == {
            Language.KO: "<@U024BE7LH>님이 공유한 사업자 상태 조회 결과입니다.",
            Language.EN: "Business status shared by <@U024BE7LH>.",
        }[lang]
    )
    assert all(block["type"] != "actions" for block in message.blocks)
    assert len(section_texts(message.blocks)) == 5
    assert_inert(message)


def test_a_forged_sharer_id_is_shown_inert() -> None:
    message = shared_status_results(entries(), Language.KO, shared_by="<!channel>")
    assert message.blocks[0]["elements"][0]["text"].startswith("&lt;!channel&gt;님이")
    assert_inert(message)


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("raw", [HOSTILE, LONG, "<@U123>", "&lt;", "\u202e71526-18-022"])
def test_hostile_input_renders_inert_and_within_limits(lang: Language, raw: str) -> None:
    hostile_entries: list[StatusEntry] = [
        (raw, InvalidBusinessNumber("characters")),
        (raw, Unavailable("down", service=Service.NHN)),
        ("2208162517", check("2208162517", BusinessStatus.CLOSED)),
    ]
    for message in (
        status_results(hostile_entries, lang, shareable=True),
        shared_status_results(hostile_entries, lang, shared_by=raw),
    ):
        assert_inert(message)
        assert "&amp;lt;" in rendered(message) or "&lt;" not in raw


def test_ten_numbers_fit_easily() -> None:
    many = [("2208162517", check("2208162517", BusinessStatus.CLOSED))] * 10
    message = status_results(many, Language.KO, shareable=True)
    assert len(section_texts(message.blocks)) == 11
    assert_inert(message)


def test_the_watch_button_carries_the_ten_digits() -> None:
    button = watch_button("220-81-62517", Language.KO)
    assert (button["action_id"], button["value"]) == (ids.WATCH_BUSINESS, "2208162517")
    with pytest.raises(InvalidBusinessNumber):
        watch_button("000-00-00000", Language.KO)


def test_beside_a_number_looked_up_anyway_the_watch_button_watches_anyway() -> None:
    button = watch_button("306-82-00417", Language.KO)
    assert button["action_id"] == ids.WATCH_ANYWAY
    assert json.loads(button["value"]) == ["3068200417", ""]


def test_each_checked_number_has_its_own_watch_button() -> None:
    entries: list[StatusEntry] = [
        (
            raw,
            StatusCheck(
                number=bizno.validate(raw),
                status=BusinessStatus.VAT_GENERAL,
                checked_at=datetime(2026, 11, 23, tzinfo=UTC),
            ),
        )
        for raw in ("220-81-62517", "124-81-00998", "2208162517")
    ]
    message = status_results(entries, Language.EN, shareable=True)
    watch = [b["accessory"] for b in message.blocks if "accessory" in b]
    assert [b["value"] for b in watch] == ["2208162517", "1248100998"]
    assert all(ids.matching(ids.WATCH_BUSINESS).match(b["action_id"]) for b in watch)
    assert len({b["action_id"] for b in watch}) == 2
    assert limit_violations(message.blocks) == []
    shared = status_results(entries, Language.EN, shareable=False)
    assert not any("accessory" in b for b in shared.blocks)
