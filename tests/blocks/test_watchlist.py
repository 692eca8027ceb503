import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.blocks.watchlist import (
    LABEL_CHARS,
    LIST_PAGE,
    already_watched,
    not_watched,
    status_change,
    watch_added,
    watch_check_digit_differs,
    watch_list,
    watch_removed,
    watched_many,
    watchlist_csv,
)
from bot.domain.number_csv import parse_number_csv
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import Service, Unavailable
from bot.i18n import Language
from bot.store.watches import Watch, WatchPage
from fakes.blockkit import limit_violations
from tests.blocks.inert import HOSTILE, LONG, assert_inert, rendered

AT = datetime(2024, 5, 1, 5, 3, tzinfo=UTC)


def watch(
    label: str | None = "한빛테크",
    *,
    number: str = "2208162517",
    code: str | None = "01",
    channel_id: str = "C0ALERTS",
) -> Watch:
    return Watch(
        id=1,
        team_id="T1",
        business_number=number,
        label=label,
        channel_id=channel_id,
        created_by="U0BUYER",
        created_at=AT,
        last_status_code=code,
        last_checked_at=None if code is None else AT + timedelta(hours=1),
        next_check_at=AT + timedelta(hours=5),
    )


def page_of(watches: list[Watch], *, offset: int = 0, total: int | None = None) -> WatchPage:
    codes = [w.last_status_code for w in watches]
    return WatchPage(
        watches,
        offset=offset,
        total=len(watches) if total is None else total,
        closed=codes.count("06"),
        inactive=codes.count("05"),
        changed=0,
    )


def closed_check() -> StatusCheck:
    return StatusCheck("2208162517", BusinessStatus.CLOSED, AT + timedelta(days=1))


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("label", [HOSTILE, LONG, None])
def test_every_message_keeps_a_label_inert_and_within_limits(
    label: str | None, lang: Language
) -> None:
    # In a direct message: `<#C…>`, the one token of the bot's own here, is tested below.
    watched = watch(label, channel_id="D0DM")
    for message in (
        watch_added(watched, lang, interval=timedelta(hours=24)),
        already_watched(watched, lang),
        watch_list(page_of([watched]), "", lang),
        watch_list(page_of([watched]), label or "", lang),
        status_change(watched, BusinessStatus.VAT_GENERAL, closed_check(), lang),
        status_change(watched, None, closed_check(), lang),
        # The watch service trims a typed label to LABEL_CHARS before it asks this; the
        # label rides whole in the button's value, which Slack caps at 2,000 characters.
        watch_check_digit_differs("3068200417", label and label[:LABEL_CHARS], lang),
    ):
        assert_inert(message)


def test_added_names_the_channel_first_check_and_interval() -> None:
    text = rendered(watch_added(watch(), Language.EN, interval=timedelta(hours=24)))
    assert "220-81-62517 (한빛테크)" in text.replace("*", "")
    assert "<#C0ALERTS>" in text
    assert str(int((AT + timedelta(hours=5)).timestamp())) in text
    assert "every 24 h" in text
    minutes = rendered(watch_added(watch(), Language.KO, interval=timedelta(minutes=90)))
    assert "90분마다" in minutes


def test_added_shows_the_status_found_at_once_and_the_next_check() -> None:
    closed = watch(code="06")
    text = rendered(watch_added(closed, Language.EN, interval=timedelta(hours=24)))
    assert "Status now: *🔴 Closed*" in text
    assert "Hold any payment" in text  # what to do, as for any closure
    assert str(int((AT + timedelta(hours=1)).timestamp())) in text  # checked
    assert "next check" in text
    assert str(int((AT + timedelta(hours=5)).timestamp())) in text
    assert "Not checked yet" not in text


def test_added_explains_a_failed_first_lookup_and_when_it_is_tried_again() -> None:
    text = rendered(
        watch_added(
            watch(code=None),
            Language.EN,
            interval=timedelta(hours=24),
            failed=Unavailable("business/status answered 503", service=Service.NHN),
        )
    )
    assert "could not be looked up now" in text
    assert "temporarily unavailable" in text
    assert str(int((AT + timedelta(hours=5)).timestamp())) in text


@pytest.mark.parametrize("lang", list(Language))
def test_check_digit_differs_offers_watch_anyway_with_the_label(lang: Language) -> None:
    message = watch_check_digit_differs("3068200417", "재단", lang)
    [offer] = [block["accessory"] for block in message.blocks if "accessory" in block]
    assert offer["action_id"] == "watch_anyway"
    assert json.loads(offer["value"]) == ["3068200417", "재단"]
    assert "306-82-00417" in rendered(message)
    assert limit_violations(message.blocks) == []


def test_a_direct_message_is_named_as_this_conversation() -> None:
    text = rendered(watch_added(watch(channel_id="D0DM"), Language.EN, interval=timedelta(1)))
    assert "this conversation" in text
    assert "<#" not in text


def test_already_watched_says_who_and_when() -> None:
    text = rendered(already_watched(watch(), Language.EN))
    assert "already watched" in text
    assert "<@U0BUYER>" in text
    assert str(int(AT.timestamp())) in text


def test_removed_and_not_watched_show_the_number() -> None:
    assert "220-81-62517" in rendered(watch_removed("2208162517", Language.KO))
    assert "/bizstatus list" in rendered(not_watched("2208162517", Language.EN))


def test_watched_many_counts_both() -> None:
    text = rendered(watched_many(added=7, already=3, channel_id="C0ALERTS", lang=Language.EN))
    assert "7 more (3 already watched)" in text
    text = rendered(watched_many(added=7, already=0, channel_id="C0ALERTS", lang=Language.EN))
    assert "already" not in text


def test_a_page_of_the_list_shows_status_times_counts_and_the_next_command() -> None:
    watches = [watch(number=f"{n:010d}", code="06" if n % 2 else None) for n in range(LIST_PAGE)]
    message = watch_list(page_of(watches, total=65), "", Language.EN)
    assert_inert(message)
    text = rendered(message)
    assert "(65)" in text
    assert "🔴 closed 15 · 🟡 inactive 0 · 🔔 changed in the last 7 days 0" in text
    assert "🔴 Closed" in text
    assert "Not checked yet" in text
    assert "Page 1 of 3 · next: `/bizstatus list 2`" in text
    assert "previous" not in text
    assert f"000-00-000{LIST_PAGE - 1}" in text


def test_the_last_page_of_a_search_offers_the_previous_with_the_search() -> None:
    watches = [watch(number=f"{n:010d}") for n in range(5)]
    message = watch_list(
        page_of(watches, offset=LIST_PAGE, total=LIST_PAGE + 5), "한빛", Language.KO
    )
    text = rendered(message)
    assert "'한빛' 검색 결과" in text
    assert "2/2쪽 · 이전 쪽: `/bizstatus list 한빛 1`" in text
    assert "다음 쪽" not in text


@pytest.mark.parametrize("lang", list(Language))
def test_a_full_page_of_the_longest_hostile_labels_is_shown_whole(lang: Language) -> None:
    watches = [watch("<&>" * 40, number=f"{n:010d}", code="05") for n in range(LIST_PAGE)]
    message = watch_list(page_of(watches, offset=LIST_PAGE, total=1000), "<!here>", lang)
    assert_inert(message)
    assert limit_violations(message.blocks) == []
    text = rendered(message)
    assert all(f"000-00-{n:05d}" in text for n in range(LIST_PAGE))
    assert "fit_more" not in json.dumps(message.blocks)


def test_a_search_that_matches_nothing_says_so() -> None:
    text = rendered(watch_list(page_of([]), "<@U1>", Language.EN))
    assert "No watched business matches '&lt;@U1&gt;'." in text


def test_the_csv_reads_back_as_the_same_numbers_with_hostile_labels_inert() -> None:
    watches = [
        watch('=HYPERLINK("x")', number="2208162517"),
        watch(None, number="1248100998", code=None),
        watch('한빛, "본사"', number="1234567890", code="06"),  # its check digit differs
    ]
    for lang in Language:
        data = watchlist_csv(watches, lang)
        assert data.startswith(b"\xef\xbb\xbf")
        assert b"'=HYPERLINK" in data
        listed = parse_number_csv(data).anyway()
        assert listed.digits == ["2208162517", "1248100998", "1234567890"]
        assert [n.name for n in listed.numbers] == ["", "", ""]  # the label is not a 상호


def test_change_titles_say_what_happened() -> None:
    reopened = StatusCheck("2208162517", BusinessStatus.VAT_GENERAL, AT)
    inactive = StatusCheck("2208162517", BusinessStatus.INACTIVE, AT)
    simplified = StatusCheck("2208162517", BusinessStatus.VAT_SIMPLIFIED, AT)
    lang = Language.EN
    assert (
        "has closed"
        in status_change(watch(), BusinessStatus.VAT_GENERAL, closed_check(), lang).text
    )
    assert "is inactive" in status_change(watch(), None, inactive, lang).text
    assert "no longer" in status_change(watch(), BusinessStatus.CLOSED, reopened, lang).text
    changed = status_change(watch(), BusinessStatus.VAT_GENERAL, simplified, lang)
    assert "status changed" in changed.text
    assert "Open (VAT general) → 🟢 Open (VAT simplified)" in changed.text
