"""The App Home tab: the watchlist on opening it, and its Re-check and Unwatch buttons."""

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks.home import shown_view
from bot.store import Store
from bot.store.audit import AuditEntry
from bot.store.watches import FirstCheck
from fakes.blockkit import limit_violations
from fakes.nhn import STATUS, Reply
from fakes.slack import TEAM_ID
from fakes.slack_requests import new_ts
from tests.blocks.inert import HOSTILE
from tests.handlers.conftest import RunningBot
from tests.support.helpers import shown
from tests.support.numbers import valid_business_numbers

OPEN, CLOSING, OTHER = "2208162517", "1248100998", "1018112341"
VIEWER = "U0VIEWER"
WATCHER = "U0WATCHER"
CHANNEL = "C_PURCHASING"


def store_of(bot: RunningBot) -> Store:
    return bot.runtime.services.store


async def watch(bot: RunningBot, number: str, *, label: str | None = None) -> None:
    now = datetime.now(UTC)
    added = await store_of(bot).watches.add(
        TEAM_ID,
        number,
        label=label,
        channel_id=CHANNEL,
        created_by=WATCHER,
        now=now,
        first_check_at=now + timedelta(hours=12),
    )
    assert added is not None


async def open_home(bot: RunningBot, *, user: str = VIEWER, tab: str = "home") -> None:
    response = await bot.send.event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": tab,
            "event_ts": new_ts(),
        }
    )
    assert response.status_code == 200


async def published(bot: RunningBot, count: int = 1, *, user: str = VIEWER) -> dict[str, Any]:
    """The Home view of `user` once the bot has published `count` times in all."""
    await bot.wait_for("views.publish", count)
    view = bot.slack.home_view(user)
    assert view is not None
    return view


def mrkdwn_texts(view: dict[str, Any]) -> list[str]:
    """The texts Slack parses as mrkdwn (a confirm dialog's plain_text is shown as is)."""
    found = []
    for block in view["blocks"]:
        for text in [block.get("text"), *block.get("elements", []), *block.get("fields", [])]:
            if isinstance(text, dict) and text.get("type") == "mrkdwn":
                found.append(str(text["text"]))
    return found


def home_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def click(
    bot: RunningBot, action_id: str, value: str, *, user: str = VIEWER, metadata: str | None = None
) -> None:
    """Click a button in the Home tab `user` sees: the payload comes from a view (whose
    private_metadata a forger may have replaced with `metadata`)."""
    payload = bot.send.block_action(
        action_id, value, user=user, channel="D0HOME", message_ts=new_ts(), block_id="home"
    )
    await act_in_view(bot, payload, user=user, metadata=metadata)


async def type_filter(bot: RunningBot, text: str | None, *, user: str = VIEWER) -> None:
    """Type `text` in the Home tab's filter and press Enter (None: an emptied input)."""
    payload = bot.send.block_action(
        "home_search", "", user=user, channel="D0HOME", message_ts=new_ts(), block_id="home"
    )
    payload["actions"] = [
        {
            "type": "plain_text_input",
            "action_id": "home_search",
            "block_id": "home_search_box",
            "value": text,
            "action_ts": new_ts(),
        }
    ]
    await act_in_view(bot, payload, user=user, metadata=None)


async def act_in_view(
    bot: RunningBot, payload: dict[str, Any], *, user: str, metadata: str | None
) -> None:
    view = bot.slack.home_view(user)
    assert view is not None
    for message_only in ("channel", "message", "response_url"):
        del payload[message_only]
    payload["container"] = {"type": "view", "view_id": view["id"]}
    # The fake serves one workspace; a view belongs to the workspace it was opened in.
    payload["view"] = {
        **view,
        "team_id": bot.send.team_id,
        "app_installed_team_id": bot.send.team_id,
    }
    if metadata is not None:
        payload["view"]["private_metadata"] = metadata
    response = await bot.send.action(payload)
    assert response.status_code == 200


def shown_numbers(view: dict[str, Any]) -> list[str]:
    """The watched numbers on the page, in order (each has a Re-check button)."""
    return [b["value"] for a, b in home_buttons(view).items() if a.startswith("home_recheck.")]


def filter_input(view: dict[str, Any]) -> dict[str, Any]:
    [block] = [b for b in view["blocks"] if b["type"] == "input"]
    return dict(block)


async def audit(bot: RunningBot) -> list[AuditEntry]:
    return await store_of(bot).audit.recent(TEAM_ID, limit=10)


async def test_an_empty_watchlist_explains_how_to_watch(bot: RunningBot) -> None:
    await open_home(bot)

    view = await published(bot)
    [call] = bot.slack.calls_to("views.publish")
    assert call.params["user_id"] == VIEWER
    assert view["type"] == "home"
    assert "`/bizstatus watch 220-81-62517" in shown(view)
    assert home_buttons(view) == {}
    assert limit_violations(view["blocks"], view=True) == []


async def test_a_refused_publish_is_logged_and_the_next_opening_works(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.slack.fail_next("views.publish", error="not_enabled", status=200, retry_after=None)

    with caplog.at_level(logging.ERROR, logger="bot.services.home"):
        await open_home(bot)
        await bot.wait_for("views.publish")
        await bot.settle(0.2)
    assert bot.slack.home_view(VIEWER) is None
    assert (
        f"Could not publish the Home tab for user {VIEWER} in team {TEAM_ID}: not_enabled"
        in caplog.messages
    )

    await open_home(bot)
    await published(bot, 2)


async def test_the_messages_tab_publishes_nothing(bot: RunningBot) -> None:
    await open_home(bot, tab="messages")
    await bot.settle()
    assert bot.slack.calls_to("views.publish") == []


async def test_the_watchlist_shows_each_business_with_status_and_buttons(bot: RunningBot) -> None:
    await watch(bot, OPEN, label="ACME 상사")
    await watch(bot, CLOSING, label="부산 지점")
    await store_of(bot).statuses.record(OPEN, "01", provider="nhn", checked_at=datetime.now(UTC))

    await open_home(bot)

    view = await published(bot)
    text = shown(view)
    assert "📋 감시 중인 거래처 (2)" in text
    assert "*220-81-62517*   ACME 상사\\n🟢 계속사업자(일반과세자) · 조회 <!date^" in text
    assert "*124-81-00998*   부산 지점\\n⏳ 아직 조회 전" in text
    assert set(home_buttons(view)) == {
        f"home_recheck.{OPEN}",
        f"home_unwatch.{OPEN}",
        f"home_recheck.{CLOSING}",
        f"home_unwatch.{CLOSING}",
    }
    assert "confirm" in home_buttons(view)[f"home_unwatch.{OPEN}"]
    assert bot.nhn.calls(STATUS) == 0  # opening the tab looks nothing up


async def test_scheduled_checks_show_as_the_status_and_the_recent_changes(bot: RunningBot) -> None:
    await watch(bot, OPEN, label="ACME")
    store = store_of(bot)
    start = datetime.now(UTC)
    for code, seconds in (("01", 1), ("06", 3)):
        [due] = await store.watches.claim_due(
            "test-scheduler", now=start + timedelta(days=1), lease=timedelta(minutes=5), limit=1
        )
        assert await store.watches.record_check(
            due,
            "test-scheduler",
            status_code=code,
            checked_at=start + timedelta(seconds=seconds),
            next_check_at=start + timedelta(hours=12),
        )
    # A lookup older than the last scheduled check does not hide its result, also when
    # a watch never checked makes the tab read the history from before it.
    await watch(bot, CLOSING)
    await store.statuses.record(OPEN, "01", provider="nhn", checked_at=start + timedelta(seconds=2))

    await open_home(bot)

    view = await published(bot)
    text = shown(view)
    assert "*220-81-62517*   ACME\\n*🔴 폐업자* · 조회 <!date^" in text
    [changes] = [
        b["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("•")
    ]
    assert changes.startswith("• *220-81-62517* ACME: 🟢 계속사업자(일반과세자) → *🔴 폐업자* · ")


async def test_another_workspaces_watches_are_not_shown(bot: RunningBot) -> None:
    await watch(bot, OPEN)
    bot.send.team_id = "T0OTHER"

    await open_home(bot)

    view = await published(bot)
    assert "📋 감시 중인 거래처 (0)" in shown(view)
    assert home_buttons(view) == {}


async def test_re_check_looks_up_afresh_and_shows_the_new_status(bot: RunningBot) -> None:
    await watch(bot, OPEN, label="ACME")
    await store_of(bot).statuses.record(
        OPEN, "01", provider="nhn", checked_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    await open_home(bot)
    await published(bot)
    bot.nhn.statuses[OPEN] = "06"  # closed since: the cached answer would say open

    await click(bot, f"home_recheck.{OPEN}", OPEN)

    view = await published(bot, 2)
    assert "*🔴 폐업자*" in shown(view)
    assert bot.nhn.calls(STATUS) == 1
    [entry] = await audit(bot)
    assert (entry.user_id, entry.action, entry.subject, entry.outcome) == (
        VIEWER,
        "recheck",
        OPEN,
        "06",
    )


async def test_a_failed_re_check_is_explained_in_the_tab(bot: RunningBot) -> None:
    await watch(bot, OPEN)
    await open_home(bot)
    await published(bot)
    bot.nhn.script(STATUS, *[Reply.error(5000503)] * 10)

    await click(bot, f"home_recheck.{OPEN}", OPEN)

    view = await published(bot, 2)
    first = view["blocks"][1]["text"]["text"]
    assert first.startswith("⚠️ *220-81-62517* 다시 조회하지 못했습니다.\n")
    [entry] = await audit(bot)
    assert entry.action == "recheck"
    assert entry.outcome.startswith("failed: ")


async def test_a_number_watched_anyway_can_be_re_checked(bot: RunningBot) -> None:
    real = "3068200417"  # a real number that fails the usual check digit
    await watch(bot, real)
    await open_home(bot)
    assert "306-82-00417" in shown(await published(bot))

    await click(bot, f"home_recheck.{real}", real)

    view = await published(bot, 2)
    assert "306-82-00417" in shown(view)
    assert bot.nhn.calls(STATUS) == 1


@pytest.mark.parametrize("value", [OTHER, "2208162518", "<!channel>", ""])
async def test_re_check_of_a_number_not_watched_looks_nothing_up(
    bot: RunningBot, value: str
) -> None:
    await watch(bot, OPEN)
    await open_home(bot)
    await published(bot)

    await click(bot, f"home_recheck.{OPEN}", value)

    await published(bot, 2)
    assert bot.nhn.calls(STATUS) == 0
    assert await audit(bot) == []


async def test_unwatch_removes_the_watch_and_republishes(bot: RunningBot) -> None:
    await watch(bot, OPEN, label="ACME")
    await watch(bot, CLOSING)
    await open_home(bot)
    await published(bot)

    await click(bot, f"home_unwatch.{OPEN}", OPEN)

    view = await published(bot, 2)
    assert "220-81-62517" not in shown(view)
    assert "124-81-00998" in shown(view)
    assert [w.business_number for w in await store_of(bot).watches.list(TEAM_ID)] == [CLOSING]
    [entry] = await audit(bot)
    assert (entry.user_id, entry.action, entry.subject, entry.outcome) == (
        VIEWER,
        "unwatch",
        OPEN,
        "removed",
    )


async def test_unwatch_only_touches_the_clickers_workspace(bot: RunningBot) -> None:
    await watch(bot, OPEN)
    bot.send.team_id = "T0OTHER"
    await open_home(bot)
    await published(bot)

    await click(bot, f"home_unwatch.{OPEN}", OPEN)

    await published(bot, 2)
    assert [w.business_number for w in await store_of(bot).watches.list(TEAM_ID)] == [OPEN]


async def test_each_viewer_gets_their_own_view(bot: RunningBot) -> None:
    await watch(bot, OPEN)
    await open_home(bot, user="U0FIRST")
    await published(bot, user="U0FIRST")
    await open_home(bot, user="U0SECOND")

    await published(bot, 2, user="U0SECOND")
    assert [c.params["user_id"] for c in bot.slack.calls_to("views.publish")] == [
        "U0FIRST",
        "U0SECOND",
    ]


async def test_a_thousand_watches_page_closed_ones_first_within_slacks_limits(
    bot: RunningBot,
) -> None:
    numbers = valid_business_numbers(1000)
    now = datetime.now(UTC)
    store = store_of(bot)
    await store.watches.add_many(
        TEAM_ID, dict.fromkeys(numbers, now), channel_id=CHANNEL, created_by=WATCHER, now=now
    )
    watches = await store.watches.list(TEAM_ID)
    closed = {w.business_number for w in watches[7::50]}  # 20 closed, spread over the list
    await store.watches.record_first_checks(
        [FirstCheck(w.id, "06" if w.business_number in closed else "01", now, now) for w in watches]
    )
    await watch(bot, OPEN, label=HOSTILE)

    await open_home(bot)
    view = await published(bot)
    assert shown_view(view["private_metadata"]) == (1, "")
    assert "1/51쪽 · 1–20번째 (전체 1001곳)" in shown(view)
    assert "🔴 폐업 20" in shown(view)
    first = [b["value"] for b in home_buttons(view).values() if len(b["value"]) == 10][::2]
    assert set(first) == closed  # the whole first page is the closed ones
    seen = set(first)
    for page in range(2, 52):
        await click(bot, f"home_page.{page}", str(page))
        view = await published(bot, page)
        assert shown_view(view["private_metadata"]) == (page, "")
        assert len(view["blocks"]) <= 100
        assert limit_violations(view["blocks"], view=True) == []
        assert "<!channel>" not in json.dumps(mrkdwn_texts(view), ensure_ascii=False)
        seen |= {b["value"] for b in home_buttons(view).values() if len(b["value"]) == 10}
    assert seen == {*numbers, OPEN}  # every watch reachable, page by page
    assert "&lt;!channel&gt;" in json.dumps(mrkdwn_texts(view), ensure_ascii=False)
    assert set(home_buttons(view)) >= {"home_page.50"}
    assert "home_page.52" not in home_buttons(view)


@pytest.mark.parametrize(("value", "page"), [("999", 3), ("-1", 1), ("x", 1), ("0", 1)])
async def test_a_forged_page_shows_the_first_or_the_last_page(
    bot: RunningBot, value: str, page: int
) -> None:
    now = datetime.now(UTC)
    await store_of(bot).watches.add_many(
        TEAM_ID,
        dict.fromkeys(valid_business_numbers(45), now),
        channel_id=CHANNEL,
        created_by=WATCHER,
        now=now,
    )
    await open_home(bot)
    await published(bot)

    await click(bot, "home_page.2", value)

    view = await published(bot, 2)
    assert shown_view(view["private_metadata"]) == (page, "")
    assert len([b for b in home_buttons(view) if b.startswith("home_recheck")]) == (
        5 if page == 3 else 20
    )


async def test_unwatch_on_a_later_page_shows_that_page_again(bot: RunningBot) -> None:
    now = datetime.now(UTC)
    numbers = valid_business_numbers(45)
    await store_of(bot).watches.add_many(
        TEAM_ID, dict.fromkeys(numbers, now), channel_id=CHANNEL, created_by=WATCHER, now=now
    )
    await open_home(bot)
    await published(bot)
    await click(bot, "home_page.2", "2")
    await published(bot, 2)

    await click(bot, f"home_unwatch.{numbers[25]}", numbers[25])

    view = await published(bot, 3)
    assert shown_view(view["private_metadata"]) == (2, "")
    shown_numbers = [b["value"] for b in home_buttons(view).values() if len(b["value"]) == 10]
    assert shown_numbers[::2] == numbers[20:25] + numbers[26:41]


async def add_watches(bot: RunningBot, numbers: list[str]) -> None:
    now = datetime.now(UTC)
    await store_of(bot).watches.add_many(
        TEAM_ID, dict.fromkeys(numbers, now), channel_id=CHANNEL, created_by=WATCHER, now=now
    )


async def test_typing_a_label_or_number_fragment_filters_a_thousand_watches(
    bot: RunningBot,
) -> None:
    numbers = valid_business_numbers(1000)
    await add_watches(bot, numbers)
    await watch(bot, OPEN, label="한빛상사")
    await watch(bot, CLOSING, label="(주)한빛유통")
    await watch(bot, OTHER, label="ACME")
    await open_home(bot)
    view = await published(bot)
    assert filter_input(view)["dispatch_action"] is True
    assert filter_input(view)["element"]["dispatch_action_config"] == {
        "trigger_actions_on": ["on_enter_pressed"]
    }

    await type_filter(bot, "  한빛 ")

    view = await published(bot, 2)
    assert shown_numbers(view) == [OPEN, CLOSING]
    assert "🔎 '한빛': 전체 1003곳 중 2곳" in shown(view)
    assert "📋 감시 중인 거래처 (1003)" in shown(view)
    assert shown_view(view["private_metadata"]) == (1, "한빛")
    assert filter_input(view)["element"]["initial_value"] == "한빛"
    assert "home_clear_search" in home_buttons(view)
    assert limit_violations(view["blocks"], view=True) == []

    fragment = "111-9"  # typed with a dash; its digits are searched
    expected = [n for n in [*numbers, OPEN, CLOSING, OTHER] if "1119" in n]
    assert 1 < len(expected) <= 20  # one page of several
    await type_filter(bot, fragment)

    view = await published(bot, 3)
    assert sorted(shown_numbers(view)) == sorted(expected)
    assert f"전체 1003곳 중 {len(expected)}곳" in shown(view)
    assert shown_view(view["private_metadata"]) == (1, fragment)

    await type_filter(bot, "220-81-62")

    view = await published(bot, 4)
    assert shown_numbers(view) == [OPEN]

    await type_filter(bot, "acme")  # labels match whatever the case

    view = await published(bot, 5)
    assert shown_numbers(view) == [OTHER]


async def test_paging_and_unwatching_within_a_filter_keep_it(bot: RunningBot) -> None:
    await add_watches(bot, valid_business_numbers(40))
    labelled = valid_business_numbers(70)[45:70]
    for n, number in enumerate(labelled):
        await watch(bot, number, label=f"한빛 {n}")
    await open_home(bot)
    await published(bot)
    await type_filter(bot, "한빛")
    first = await published(bot, 2)
    assert shown_numbers(first) == labelled[:20]
    assert "1/2쪽" in shown(first)

    await click(bot, "home_page.2", "2")

    view = await published(bot, 3)
    assert shown_numbers(view) == labelled[20:]
    assert shown_view(view["private_metadata"]) == (2, "한빛")
    assert "전체 65곳 중 25곳" in shown(view)

    await click(bot, f"home_unwatch.{labelled[21]}", labelled[21])

    view = await published(bot, 4)
    assert shown_numbers(view) == [labelled[20], *labelled[22:]]
    assert shown_view(view["private_metadata"]) == (2, "한빛")

    await click(bot, "home_page.1", "1")

    view = await published(bot, 5)
    assert shown_numbers(view) == labelled[:20]
    assert shown_view(view["private_metadata"]) == (1, "한빛")


@pytest.mark.parametrize("how", ["clear button", "empty input"])
async def test_clearing_the_filter_shows_everything(bot: RunningBot, how: str) -> None:
    await watch(bot, OPEN, label="한빛상사")
    await watch(bot, CLOSING, label="ACME")
    await open_home(bot)
    unfiltered = await published(bot)
    await type_filter(bot, "없는 이름")
    view = await published(bot, 2)
    assert shown_numbers(view) == []
    assert "🔎 '없는 이름'에 맞는 거래처가 없습니다 (전체 2곳)." in shown(view)

    if how == "clear button":
        await click(bot, "home_clear_search", "clear")
    else:
        await type_filter(bot, None)

    view = await published(bot, 3)
    assert shown_numbers(view) == [OPEN, CLOSING]
    assert shown_view(view["private_metadata"]) == (1, "")
    assert "home_clear_search" not in home_buttons(view)
    assert "🔎" not in shown(view)
    # A block_id other than the filtered one's, so Slack empties the box it kept.
    assert filter_input(view) == filter_input(unfiltered)
    assert filter_input(view)["block_id"] != filter_input(first_filtered(bot))["block_id"]
    assert "initial_value" not in filter_input(view)["element"]


def first_filtered(bot: RunningBot) -> dict[str, Any]:
    [_, filtered, *_] = [call.params["view"] for call in bot.slack.calls_to("views.publish")]
    return dict(json.loads(filtered) if isinstance(filtered, str) else filtered)


@pytest.mark.parametrize(
    "search",
    [HOSTILE, "<!channel>", "4556 7375 8689 9855", "4556737586899855 한빛", "9" * 500],
)
async def test_a_hostile_search_is_escaped_masked_and_bounded(bot: RunningBot, search: str) -> None:
    await watch(bot, OPEN, label="한빛 <!channel>")
    await open_home(bot)
    await published(bot)

    await type_filter(bot, search)

    view = await published(bot, 2)
    sent = json.dumps(bot.slack.calls_to("views.publish")[-1].params, ensure_ascii=False)
    for card in ("4556 7375 8689 9855", "4556737586899855"):
        assert card not in sent
    texts = json.dumps(mrkdwn_texts(view), ensure_ascii=False)
    for mention in ("<!channel", "<!here", "<@U123", "<#C123", "<https://evil"):
        assert mention not in texts
    _, kept = shown_view(view["private_metadata"])
    assert 0 < len(kept) <= 40
    assert len(filter_input(view)["element"].get("initial_value", "")) <= 40
    assert "🔎" in shown(view)
    assert limit_violations(view["blocks"], view=True) == []
    if search == "<!channel>":
        assert "&lt;!channel&gt;" in texts
        assert shown_numbers(view) == [OPEN]  # the label holds it: searched as typed
    if "4556" in search:
        assert "•••• •••• •••• 9855" in sent


@pytest.mark.parametrize(
    ("metadata", "page", "search"),
    [
        ('{"page": 2, "search": "한빛"}', 2, "한빛"),
        ('{"page": 2, "search": "' + "한" * 5000 + '"}', 1, ""),
        ('{"page": "2", "search": 7}', 2, ""),
        ('{"page": 99999, "search": ["한빛"]}', 1, ""),
        ("[2, 3]", 1, ""),
        ("{not json", 1, ""),
        ("2", 2, ""),  # a view published before the filter
        ("", 1, ""),
    ],
)
async def test_a_forged_private_metadata_is_read_defensively(
    bot: RunningBot, metadata: str, page: int, search: str
) -> None:
    await add_watches(bot, valid_business_numbers(30))
    labelled = valid_business_numbers(60)[35:60]
    for number in labelled:
        await watch(bot, number, label="한빛")
    await open_home(bot)
    await published(bot)

    await click(bot, f"home_recheck.{OPEN}", OPEN, metadata=metadata)

    view = await published(bot, 2)
    assert shown_view(view["private_metadata"]) == (page, search)
    assert "🔎" in shown(view) if search else "🔎" not in shown(view)
    assert limit_violations(view["blocks"], view=True) == []
