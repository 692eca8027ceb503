from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import Message, ids
from bot.blocks.home import (
    HOME_PAGE,
    RECENT_CHANGES,
    SEARCH_CHARS,
    home_view,
    page_number,
    search_text,
    shown_view,
)
from bot.domain import bizno
from bot.errors import Refused, Service, Unavailable
from bot.i18n import Language
from bot.store.watches import StatusChange, Watch, WatchPage
from fakes.blockkit import limit_violations, view_rejection
from tests.blocks.inert import HOSTILE, LONG, assert_inert

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
OPEN_NUMBER, CLOSED_NUMBER, NEW_NUMBER = "2208162517", "1248100998", "1010000002"


def watch(
    number: str,
    *,
    label: str | None = None,
    status: str | None = "01",
    watch_id: int = 1,
) -> Watch:
    return Watch(
        id=watch_id,
        team_id="T1",
        business_number=number,
        label=label,
        channel_id="C1",
        created_by="U1",
        created_at=T0,
        last_status_code=status,
        last_checked_at=None if status is None else T0 + timedelta(hours=1),
        next_check_at=T0 + timedelta(days=1),
    )


def page_of(watches: list[Watch], *, offset: int = 0, total: int | None = None) -> WatchPage:
    """A page as the store gives it: the watches on it, counts over all that matched."""
    shown = [w.last_status_code for w in watches]
    return WatchPage(
        watches,
        offset=offset,
        total=len(watches) if total is None else total,
        closed=shown.count("06"),
        inactive=shown.count("05"),
        changed=0,
    )


def change(number: str, old: str, new: str, *, hours: int = 0) -> StatusChange:
    return StatusChange(
        team_id="T1",
        business_number=number,
        old_status_code=old,
        new_status_code=new,
        changed_at=T0 + timedelta(hours=hours),
    )


def numbers(count: int) -> list[str]:
    """`count` distinct valid business numbers."""
    found: list[str] = []
    candidate = 100_000_000
    while len(found) < count:
        candidate += 1
        found.extend(
            f"{candidate}{check}" for check in range(10) if bizno.checksum_ok(f"{candidate}{check}")
        )
    return found[:count]


def section_texts(view: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def assert_valid_view(view: dict[str, Any]) -> None:
    assert view_rejection(view) is None
    assert limit_violations(view["blocks"], view=True) == []


def test_an_empty_watchlist_explains_how_to_watch() -> None:
    view = home_view(page_of([]), [], Language.KO)
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "📋 감시 중인 거래처 (0)"
    explanation, no_changes = section_texts(view)
    assert explanation.startswith("아직 감시 중인 거래처가 없습니다.\n")
    assert "`/bizstatus watch 220-81-62517 거래처이름`" in explanation
    assert no_changes == "아직 바뀐 상태가 없습니다."
    assert buttons(view) == []
    assert_valid_view(view)


def test_an_empty_watchlist_in_english() -> None:
    view = home_view(page_of([]), [], Language.EN)
    assert "`/bizstatus watch 220-81-62517 Supplier name`" in section_texts(view)[0]
    assert section_texts(view)[1] == "No status has changed yet."


def test_each_watch_shows_number_label_status_and_time_of_last_check() -> None:
    watches = [
        watch(OPEN_NUMBER, label="ACME 상사", watch_id=1),
        watch(CLOSED_NUMBER, status="06", watch_id=2),
        watch(NEW_NUMBER, status=None, watch_id=3),
    ]
    view = home_view(page_of(watches), [], Language.KO)
    assert view["blocks"][0]["text"]["text"] == "📋 감시 중인 거래처 (3)"
    _, _, acme, closed, new = section_texts(view)
    checked = "조회 <!date^1772413200^{date_short_pretty} {time}|2026-03-02 10:00 KST>"
    assert acme == f"*220-81-62517*   ACME 상사\n🟢 계속사업자(일반과세자) · {checked}"
    assert closed == f"*124-81-00998*\n*🔴 폐업자* · {checked}"
    assert new == (
        "*101-00-00002*\n⏳ 아직 조회 전 · 첫 조회 "
        "<!date^1772496000^{date_short_pretty} {time}|2026-03-03 09:00 KST>"
    )
    assert_valid_view(view)


def test_each_watch_has_re_check_and_unwatch_buttons_carrying_its_number() -> None:
    view = home_view(
        page_of([watch(OPEN_NUMBER), watch(CLOSED_NUMBER, watch_id=2)]), [], Language.EN
    )
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    assert [a["block_id"] for a in actions] == [
        f"{ids.HOME_WATCH_BLOCK}.{OPEN_NUMBER}",
        f"{ids.HOME_WATCH_BLOCK}.{CLOSED_NUMBER}",
    ]
    recheck, unwatch = actions[0]["elements"]
    assert recheck["action_id"] == f"{ids.HOME_RECHECK}.{OPEN_NUMBER}"
    assert recheck["value"] == OPEN_NUMBER
    assert recheck["text"]["text"] == "Re-check"
    assert unwatch["action_id"] == f"{ids.HOME_UNWATCH}.{OPEN_NUMBER}"
    assert unwatch["value"] == OPEN_NUMBER
    assert unwatch["text"]["text"] == "Unwatch"
    assert unwatch["style"] == "danger"
    assert [b["action_id"] for b in actions[1]["elements"]] == [
        f"{ids.HOME_RECHECK}.{CLOSED_NUMBER}",
        f"{ids.HOME_UNWATCH}.{CLOSED_NUMBER}",
    ]


@pytest.mark.parametrize(
    ("lang", "title", "text", "confirm", "deny"),
    [
        (
            Language.KO,
            "감시를 중단할까요?",
            "220-81-62517 (ACME)의 상태를 더 이상 확인하지 않으며, 바뀌어도 알리지 않습니다.",
            "감시 중단",
            "취소",
        ),
        (
            Language.EN,
            "Stop watching?",
            "220-81-62517 (ACME) will no longer be checked, and no change will be announced.",
            "Unwatch",
            "Cancel",
        ),
    ],
)
def test_unwatching_asks_for_confirmation(
    lang: Language, title: str, text: str, confirm: str, deny: str
) -> None:
    view = home_view(page_of([watch(OPEN_NUMBER, label="ACME")]), [], lang)
    dialog = buttons(view)[1]["confirm"]
    assert dialog["title"] == {"type": "plain_text", "text": title, "emoji": True}
    assert dialog["text"]["text"] == text
    assert dialog["confirm"]["text"] == confirm
    assert dialog["deny"]["text"] == deny
    assert dialog["style"] == "danger"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            Language.KO,
            "⚠️ *220-81-62517* 다시 조회하지 못했습니다.\n"
            "OCR 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
        ),
        (
            Language.EN,
            "⚠️ *220-81-62517* could not be re-checked.\n"
            "The OCR service is temporarily unavailable. Please try again later.",
        ),
    ],
)
def test_a_failed_re_check_is_explained_at_the_top(lang: Language, expected: str) -> None:
    failure = (OPEN_NUMBER, Unavailable("business/status answered 503", service=Service.NHN))
    view = home_view(page_of([watch(OPEN_NUMBER)]), [], lang, failed_recheck=failure)
    assert section_texts(view)[0] == expected
    assert view["blocks"][0]["type"] == "header"
    assert_valid_view(view)


def test_a_failure_message_is_escaped_and_a_full_page_stays_within_limits() -> None:
    # Slack's own error code is quoted in the explanation: server text, to be escaped.
    error = Refused("files.info failed", service=Service.SLACK, code="<!channel>")
    many = [watch(number, watch_id=n) for n, number in enumerate(numbers(HOME_PAGE))]
    view = home_view(page_of(many, total=60), [], Language.KO, failed_recheck=(OPEN_NUMBER, error))
    assert "(&lt;!channel&gt;)" in section_texts(view)[0]
    assert "<!channel>" not in section_texts(view)[0]
    # Every watch of the page with its two buttons, and Next.
    assert len([b for b in buttons(view) if b["value"].isdigit() and len(b["value"]) == 10]) == (
        2 * HOME_PAGE
    )
    assert_valid_view(view)


def test_recent_changes_show_old_and_new_status_with_the_label() -> None:
    changes = [
        change(CLOSED_NUMBER, "01", "06", hours=5),
        change(OPEN_NUMBER, "05", "01", hours=3),
    ]
    closed = watch(CLOSED_NUMBER, label="부산 지점", status="06")
    view = home_view(page_of([closed]), changes, Language.KO)
    [listed] = [text for text in section_texts(view) if text.startswith("•")]
    assert listed == (
        "• *124-81-00998* 부산 지점: 🟢 계속사업자(일반과세자) → *🔴 폐업자* · "
        "<!date^1772427600^{date_short_pretty} {time}|2026-03-02 14:00 KST>\n"
        "• *220-81-62517*: 🟡 휴업자 → 🟢 계속사업자(일반과세자) · "
        "<!date^1772420400^{date_short_pretty} {time}|2026-03-02 12:00 KST>"
    )
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers[-1] == "🔔 최근 상태 변경"


def test_only_the_latest_changes_are_listed() -> None:
    changes = [change(OPEN_NUMBER, "01", "05", hours=-n) for n in range(RECENT_CHANGES + 5)]
    view = home_view(page_of([]), changes, Language.EN)
    [listed] = [text for text in section_texts(view) if text.startswith("•")]
    assert listed.count("\n") == RECENT_CHANGES - 1


def test_one_page_shows_no_pager_buttons() -> None:
    many = [watch(number, label="거래처 " * 20, watch_id=n) for n, number in enumerate(numbers(5))]
    view = home_view(page_of(many), [], Language.KO)
    assert [b for b in buttons(view) if b["action_id"].startswith(ids.HOME_PAGE)] == []
    assert "1/1쪽 · 1–5번째 (전체 5곳)" in str(view)
    assert shown_view(view["private_metadata"]) == (1, "")
    assert_valid_view(view)


@pytest.mark.parametrize(
    ("offset", "previous", "next_page"), [(0, None, 2), (20, 1, 3), (40, 2, None)]
)
def test_the_pager_offers_the_pages_around_the_one_shown(
    offset: int, previous: int | None, next_page: int | None
) -> None:
    many = [watch(number, watch_id=n) for n, number in enumerate(numbers(HOME_PAGE))]
    view = home_view(page_of(many, offset=offset, total=55), [], Language.EN)
    pager = {b["value"] for b in buttons(view) if b["action_id"].startswith(ids.HOME_PAGE)}
    assert pager == {str(n) for n in (previous, next_page) if n is not None}
    page = offset // HOME_PAGE + 1
    assert shown_view(view["private_metadata"]) == (page, "")
    assert f"Page {page} of 3 · {offset + 1}–{offset + HOME_PAGE} of 55" in str(view)
    assert_valid_view(view)


def test_a_page_of_the_longest_hostile_labels_fits_a_view_whole() -> None:
    many = [
        watch(number, label="<&>" * 40, status="06", watch_id=n)
        for n, number in enumerate(numbers(HOME_PAGE))
    ]
    changes = [change(many[n].business_number, "01", "06", hours=n) for n in range(10)]
    view = home_view(page_of(many, offset=20, total=1000), changes, Language.KO)
    values = [b["value"] for b in buttons(view)]
    assert values[:-2:2] == [w.business_number for w in many]  # nothing fitted away
    assert values[-2:] == ["1", "3"]
    assert ids.MORE_BLOCK not in str(view)
    assert_valid_view(view)


@pytest.mark.parametrize(
    ("value", "page"), [("2", 2), ("0", 1), ("-3", 1), ("1e3", 1), ("２", 1), ("12345", 1)]
)
def test_a_forged_page_value_reads_as_a_page_or_the_first(value: str, page: int) -> None:
    assert page_number(value) == page


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("label", [HOSTILE, LONG, "<@U123>", "&lt;", "\u202e", "*"])
def test_hostile_labels_render_inert_and_within_limits(lang: Language, label: str) -> None:
    watches = [watch(OPEN_NUMBER, label=label), watch(CLOSED_NUMBER, label=label, status="05")]
    changes = [change(OPEN_NUMBER, "01", "05")]
    view = home_view(page_of(watches), changes, lang)
    assert_valid_view(view)
    # The message checks hold for a view too (it has fewer than 50 blocks here).
    assert_inert(Message(text="home", blocks=view["blocks"]))
    for dialog in (b["confirm"] for b in buttons(view) if "confirm" in b):
        assert 0 < len(dialog["text"]["text"]) <= 300
        assert "\u202e" not in dialog["text"]["text"]


def filter_blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b["type"] == "input"]


@pytest.mark.parametrize("lang", list(Language))
def test_a_watchlist_has_a_filter_box_dispatched_on_enter(lang: Language) -> None:
    view = home_view(page_of([watch(OPEN_NUMBER)]), [], lang)
    [box] = filter_blocks(view)
    assert box["dispatch_action"] is True
    assert (
        box["label"]["text"]
        == {"ko": "번호나 이름으로 찾기", "en": "Filter by number or name"}[lang.value]
    )
    element = box["element"]
    assert (element["type"], element["action_id"]) == ("plain_text_input", ids.HOME_SEARCH)
    assert element["max_length"] == SEARCH_CHARS
    assert "initial_value" not in element
    assert ids.HOME_CLEAR_SEARCH not in [b["action_id"] for b in buttons(view)]
    assert "/bizstatus list" not in str(view)  # the box searches; export is still named
    assert "/bizstatus export" in str(view)
    assert_valid_view(view)


def test_nothing_watched_has_no_filter_box() -> None:
    assert filter_blocks(home_view(page_of([]), [], Language.KO)) == []


def test_a_filtered_page_counts_matches_against_all_and_offers_clear() -> None:
    page = page_of([watch(OPEN_NUMBER, label="한빛")], total=1)
    view = home_view(page, [], Language.EN, search="한빛", watched=1000)
    assert "🔎 '한빛': 1 of 1000 match" in str(view)
    assert "📋 Watched businesses (1000)" in str(view)
    assert filter_blocks(view)[0]["element"]["initial_value"] == "한빛"
    assert filter_blocks(view)[0]["block_id"] == f"{ids.HOME_SEARCH_BLOCK}.filtered"
    assert buttons(view)[0]["action_id"] == ids.HOME_CLEAR_SEARCH
    assert shown_view(view["private_metadata"]) == (1, "한빛")
    assert_valid_view(view)


def test_a_filter_matching_nothing_says_so() -> None:
    view = home_view(page_of([], total=0), [], Language.KO, search="<!here>", watched=3)
    assert "🔎 '&lt;!here&gt;'에 맞는 거래처가 없습니다 (전체 3곳)." in section_or_context(view)
    assert "<!here>" not in section_or_context(view)
    assert_valid_view(view)


def section_or_context(view: dict[str, Any]) -> str:
    return " ".join(
        str(element.get("text"))
        for block in view["blocks"]
        for element in [block.get("text") or {}, *block.get("elements", [])]
        if isinstance(element, dict) and element.get("type") == "mrkdwn"
    )


def test_a_full_filtered_page_of_the_longest_hostile_labels_fits_a_view_whole() -> None:
    many = [
        watch(number, label="<&>" * 40, status="06", watch_id=n)
        for n, number in enumerate(numbers(HOME_PAGE))
    ]
    changes = [change(many[n].business_number, "01", "06", hours=n) for n in range(10)]
    search = search_text("<&>" * 40)
    view = home_view(
        page_of(many, offset=20, total=900), changes, Language.KO, search=search, watched=1000
    )
    values = [b["value"] for b in buttons(view)]
    assert values[1 : HOME_PAGE * 2 : 2] == [w.business_number for w in many]  # none fitted away
    assert ids.MORE_BLOCK not in str(view)
    assert_valid_view(view)


@pytest.mark.parametrize(
    ("metadata", "shown"),
    [
        ('{"page": 2, "search": " 한빛  상사 "}', (2, "한빛 상사")),
        ('{"page": 2, "search": "' + "x" * 100 + '"}', (2, "x" * SEARCH_CHARS)),
        ('{"page": true, "search": null}', (1, "")),
        ("true", (1, "")),
        ('"2"', (1, "")),
        ("7", (7, "")),
        ("{", (1, "")),
        ("x" * 100_000, (1, "")),
    ],
)
def test_a_forged_private_metadata_reads_as_a_page_and_a_bounded_filter_or_none(
    metadata: str, shown: tuple[int, str]
) -> None:
    assert shown_view(metadata) == shown


def test_the_bot_reads_back_the_longest_metadata_it_writes() -> None:
    search = search_text('\x01"' * SEARCH_CHARS)
    view = home_view(page_of([watch(OPEN_NUMBER)]), [], Language.KO, search=search, watched=5)
    assert shown_view(view["private_metadata"]) == (1, search)
