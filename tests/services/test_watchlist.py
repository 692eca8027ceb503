"""The watchlist service on a real store (both databases), looking statuses up in the NHN fake
and posting to the fake Slack, both over HTTP, with an injected clock."""

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.domain import bizno
from bot.ocr import OcrClient
from bot.services.audit import Auditor
from bot.services.status import StatusService
from bot.services.watchlist import RETRY_DELAY, WatchlistService, scheduled_check
from bot.slack.client import create_web_client
from bot.store import Store
from fakes.nhn import STATUS, NhnFake, Reply
from fakes.slack import FakeSlack
from tests.support.helpers import shown
from tests.support.numbers import valid_business_numbers

TEAM = "T0001"
ALERTS = "C_ALERTS"
HERE = "C_PURCHASING"
USER = "U0BUYER"
NUMBER = "2208162517"
DAY = timedelta(days=1)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_PASSES = 500  # a loop that never runs dry fails instead of hanging


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


def lookups(fake_nhn: NhnFake) -> Counter[str]:
    """How often NHN was asked for each number's status."""
    return Counter(
        str(request.body["businessNumber"])
        for request in fake_nhn.requests_to(STATUS)
        if request.body is not None
    )


ServiceFactory = Callable[..., Awaitable[WatchlistService]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_service(
    fake_slack: FakeSlack, fake_nhn: NhnFake, clock: Clock
) -> AsyncIterator[ServiceFactory]:
    """Builds a watchlist service as a process would: its own status service, over `store`."""
    async with AsyncExitStack() as stack:

        async def make(
            store: Store, *, worker_id: str = "worker-1", **overrides: Any
        ) -> WatchlistService:
            values: dict[str, Any] = {
                "slack_bot_token": fake_slack.bot_token,
                "slack_api_url": fake_slack.api_url,
                "notify_channel": ALERTS,
                "status_rate_per_s": 10_000,
            }
            settings = fake_nhn.settings(**(values | overrides))
            ocr = OcrClient(settings)
            stack.push_async_callback(ocr.aclose)
            status = StatusService.from_settings(
                settings, ocr=ocr, history=store.statuses, clock=clock
            )
            retry = FixedValueRetryIntervalCalculator(0)
            return WatchlistService(
                store=store,
                status=status,
                client=create_web_client(settings, retry_interval=retry),
                auditor=Auditor(store.audit, clock=clock),
                settings=settings,
                clock=clock,
                worker_id=worker_id,
            )

        yield make


@pytest.fixture
async def service(store: Store, make_service: ServiceFactory) -> WatchlistService:
    return await make_service(store)


def posts(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    return [call.params for call in fake_slack.calls_to("chat.postMessage")]


async def run_until_idle(service: WatchlistService, now: datetime, *, limit: int = 100) -> int:
    """Passes at `now` until nothing is due; how many watches were claimed."""
    claimed = 0
    for _ in range(MAX_PASSES):
        done = await service.recheck_due(now=now, limit=limit)
        if not done.claimed:
            return claimed
        claimed += done.claimed
    raise AssertionError(f"still claiming watches after {MAX_PASSES} passes")


async def due_time(store: Store, number: str = NUMBER) -> datetime:
    watch = await store.watches.get(TEAM, number)
    assert watch is not None
    return watch.next_check_at


# Scheduling


def test_a_watch_keeps_its_offset_in_every_interval() -> None:
    first = scheduled_check(TEAM, NUMBER, after=START, interval=DAY)
    assert START < first <= START + DAY
    assert scheduled_check(TEAM, NUMBER, after=first, interval=DAY) == first + DAY
    assert scheduled_check(TEAM, NUMBER, after=first - timedelta(seconds=1), interval=DAY) == first
    assert scheduled_check(TEAM, NUMBER, after=START + 5 * DAY, interval=DAY) - first == 5 * DAY
    # Another team watching the same number has its own offset.
    assert scheduled_check("T0002", NUMBER, after=START, interval=DAY) != first


async def test_watches_added_together_are_spread_over_the_interval(
    service: WatchlistService, store: Store
) -> None:
    numbers = valid_business_numbers(200)
    await service.watch_many(TEAM, numbers, user_id=USER, channel_id=HERE)
    due = [w.next_check_at for w in await store.watches.list(TEAM)]
    assert len(due) == 200
    # Looked up as they were added, each is next due at its own offset, half an
    # interval to an interval and a half later.
    assert all(START + DAY / 2 < moment <= START + DAY * 3 / 2 for moment in due)
    per_minute = Counter(int((moment - START).total_seconds()) // 60 for moment in due)
    assert max(per_minute.values()) <= 4
    per_hour = Counter(int((moment - START).total_seconds()) // 3600 for moment in due)
    assert len(per_hour) == 24  # every hour of the day has some


async def test_each_watch_is_checked_once_per_interval(
    service: WatchlistService, clock: Clock, fake_nhn: NhnFake
) -> None:
    numbers = valid_business_numbers(30)
    await service.watch_many(TEAM, numbers, user_id=USER, channel_id=HERE)
    assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 1))  # at once, as added
    checked_at: dict[str, list[datetime]] = {n: [] for n in numbers}
    step = timedelta(minutes=20)
    # The first scheduled check comes half an interval to an interval and a half later.
    while clock.now < START + DAY / 2 + 3 * DAY:
        clock.now += step
        before = lookups(fake_nhn)
        await run_until_idle(service, clock.now, limit=7)
        for number in lookups(fake_nhn) - before:
            checked_at[number].append(clock.now)
    for number, moments in checked_at.items():
        assert len(moments) == 3, number
        gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
        assert all(DAY - step <= gap <= DAY + step for gap in gaps), (number, gaps)


async def test_a_recent_lookup_in_the_cache_does_not_replace_the_scheduled_check(
    service: WatchlistService, store: Store, clock: Clock, fake_nhn: NhnFake
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    due = await due_time(store)
    await store.statuses.record(NUMBER, "01", provider="nhn", checked_at=due - timedelta(minutes=5))
    fake_nhn.statuses[NUMBER] = "06"
    clock.now = due
    await service.recheck_due(now=due, limit=10)
    assert lookups(fake_nhn) == Counter({NUMBER: 2})  # as added, then as scheduled
    watch = await store.watches.get(TEAM, NUMBER)
    assert watch is not None
    assert (watch.last_status_code, watch.last_checked_at) == ("06", due)


async def test_two_stores_racing_recheck_each_watch_once_per_interval(
    store: Store, database_url: str, make_service: ServiceFactory, fake_nhn: NhnFake
) -> None:
    numbers = valid_business_numbers(200)
    first = await make_service(store, worker_id="process-a")
    await first.watch_many(TEAM, numbers, user_id=USER, channel_id=HERE)
    other_store = await Store.open(database_url)
    try:
        second = await make_service(other_store, worker_id="process-b")
        services = [first, first, second, second]  # two passes at a time in each process

        async def race(now: datetime) -> list[int]:
            return await asyncio.gather(*(run_until_idle(s, now, limit=9) for s in services))

        assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 1))  # as added
        claims = await race(START + DAY * 3 / 2)
        assert sum(claims) == 200
        assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 2))
        assert all(claimed > 0 for claimed in (sum(claims[:2]), sum(claims[2:])))
        # Nothing more in this interval, however often the processes look.
        assert sum(await race(START + 2 * DAY)) == 0
        # The next interval: each once more.
        assert sum(await race(START + 3 * DAY)) == 200
        assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 3))
    finally:
        await other_store.close()


async def test_a_failed_lookup_is_retried_soon_but_not_at_once(
    service: WatchlistService, store: Store, clock: Clock, fake_nhn: NhnFake
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    clock.now = await due_time(store)
    fake_nhn.script(STATUS, Reply.error(4010001))  # not worth retrying at once
    done = await service.recheck_due(now=clock.now, limit=10)
    assert (done.claimed, done.failed) == (1, 1)
    assert await due_time(store) == clock.now + RETRY_DELAY
    retry_at = clock.now + RETRY_DELAY
    assert await run_until_idle(service, retry_at - timedelta(seconds=1)) == 0
    done = await service.recheck_due(now=retry_at, limit=10)
    assert (done.claimed, done.failed) == (1, 0)
    watch = await store.watches.get(TEAM, NUMBER)
    assert watch is not None
    assert watch.last_status_code == "01"
    assert watch.next_check_at > retry_at + DAY / 2
    assert lookups(fake_nhn) == Counter({NUMBER: 3})  # as added, failed, retried


async def test_a_watch_held_by_a_dead_process_is_taken_over_after_the_lease(
    service: WatchlistService, store: Store, fake_nhn: NhnFake
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    due = await due_time(store)
    lease = service._settings.watch_lease
    # A process claims the watch and dies before recording anything.
    assert len(await store.watches.claim_due("dead", now=due, lease=lease, limit=10)) == 1
    assert await run_until_idle(service, due + lease - timedelta(seconds=1)) == 0
    assert await run_until_idle(service, due + lease) == 1
    assert lookups(fake_nhn) == Counter({NUMBER: 2})  # as added, then by the live process


# Announcements


async def check_at_next_due(service: WatchlistService, store: Store, clock: Clock) -> None:
    clock.now = await due_time(store)
    assert (await service.recheck_due(now=clock.now, limit=10)).claimed == 1


async def test_changes_into_and_out_of_closed_are_announced_with_both_statuses(
    service: WatchlistService, store: Store, clock: Clock, fake_slack: FakeSlack, fake_nhn: NhnFake
) -> None:
    await service.watch(TEAM, NUMBER, label="한빛테크", user_id=USER, channel_id=HERE)
    await check_at_next_due(service, store, clock)
    assert posts(fake_slack) == []  # the first check of an open business is not news

    fake_nhn.statuses[NUMBER] = "06"
    await check_at_next_due(service, store, clock)
    [closed] = posts(fake_slack)
    assert closed["channel"] == ALERTS
    text = json.dumps(closed["blocks"], ensure_ascii=False)
    assert "🔴" in text
    assert "폐업" in closed["text"]
    assert "220-81-62517" in text
    assert "한빛테크" in text
    assert "계속사업자(일반과세자)" in text  # the status before

    await check_at_next_due(service, store, clock)
    assert len(posts(fake_slack)) == 1  # still closed: nothing new

    fake_nhn.statuses[NUMBER] = "01"
    await check_at_next_due(service, store, clock)
    reopened = posts(fake_slack)[-1]
    text = json.dumps(reopened["blocks"], ensure_ascii=False)
    assert "🟢" in text
    assert "폐업자" in text  # the status before

    changes = await store.watches.recent_changes(TEAM, limit=10)
    assert [(c.old_status_code, c.new_status_code) for c in changes] == [("06", "01"), ("01", "06")]


async def test_with_alerts_only_other_changes_are_recorded_silently(
    service: WatchlistService, store: Store, clock: Clock, fake_slack: FakeSlack, fake_nhn: NhnFake
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    await check_at_next_due(service, store, clock)
    fake_nhn.statuses[NUMBER] = "02"
    await check_at_next_due(service, store, clock)
    assert posts(fake_slack) == []
    [change] = await store.watches.recent_changes(TEAM, limit=10)
    assert (change.old_status_code, change.new_status_code) == ("01", "02")


@pytest.mark.parametrize("watch_notify", ["all"])
async def test_watch_notify_all_announces_every_change(
    store: Store,
    clock: Clock,
    fake_slack: FakeSlack,
    watch_notify: str,
    fake_nhn: NhnFake,
    make_service: ServiceFactory,
) -> None:
    service = await make_service(store, watch_notify=watch_notify, language="en")
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    await check_at_next_due(service, store, clock)
    await check_at_next_due(service, store, clock)
    assert posts(fake_slack) == []  # the first check, then no change
    fake_nhn.statuses[NUMBER] = "02"
    await check_at_next_due(service, store, clock)
    [post] = posts(fake_slack)
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "Open (VAT general)" in text
    assert "Open (VAT simplified)" in text


async def test_a_first_check_that_finds_an_inactive_business_is_announced(
    service: WatchlistService, store: Store, clock: Clock, fake_slack: FakeSlack, fake_nhn: NhnFake
) -> None:
    fake_nhn.statuses[NUMBER] = "05"
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    await check_at_next_due(service, store, clock)
    [post] = posts(fake_slack)
    assert "🟡" in json.dumps(post["blocks"], ensure_ascii=False)
    assert "첫 조회" in json.dumps(post["blocks"], ensure_ascii=False)
    fake_nhn.statuses[NUMBER] = "06"
    await check_at_next_due(service, store, clock)
    assert "🔴" in json.dumps(posts(fake_slack)[-1]["blocks"], ensure_ascii=False)


async def test_announcements_go_to_each_watchs_channel(
    store: Store,
    clock: Clock,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    make_service: ServiceFactory,
) -> None:
    service = await make_service(store, notify_channel=None)
    fake_nhn.statuses[NUMBER] = "06"
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    await check_at_next_due(service, store, clock)
    assert [p["channel"] for p in posts(fake_slack)] == [HERE]


async def test_a_channel_the_bot_left_does_not_stop_the_pass(
    store: Store,
    clock: Clock,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    make_service: ServiceFactory,
) -> None:
    fake_slack.add_channel(HERE, bot_is_member=False)
    service = await make_service(store, notify_channel=None)
    other = valid_business_numbers(1)[0]
    for number in (NUMBER, other):
        await service.watch(TEAM, number, label=None, user_id=USER, channel_id=HERE)
        fake_nhn.statuses[number] = "06"  # open as added, closed by the scheduled check
    clock.now = START + DAY * 3 / 2
    assert (await service.recheck_due(now=clock.now, limit=10)).claimed == 2
    assert [call.error for call in fake_slack.calls_to("chat.postMessage")] == [
        "not_in_channel"
    ] * 2
    # Both checks were recorded all the same.
    for number in (NUMBER, other):
        watch = await store.watches.get(TEAM, number)
        assert watch is not None
        assert watch.last_status_code == "06"


async def test_slack_out_of_reach_does_not_stop_the_pass(
    service: WatchlistService,
    store: Store,
    clock: Clock,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = valid_business_numbers(1)[0]
    for number in (NUMBER, other):
        await service.watch(TEAM, number, label=None, user_id=USER, channel_id=HERE)
        fake_nhn.statuses[number] = "06"  # open as added, closed by the scheduled check
    fake_slack.reset_next("chat.postMessage", times=3)  # the first post and both its retries
    clock.now = START + DAY * 3 / 2
    assert (await service.recheck_due(now=clock.now, limit=10)).claimed == 2
    errors = [call.error for call in fake_slack.calls_to("chat.postMessage")]
    assert errors == ["connection_reset"] * 3 + [None]
    assert "Could not post the status change" in caplog.text
    for number in (NUMBER, other):
        watch = await store.watches.get(TEAM, number)
        assert watch is not None
        assert watch.last_status_code == "06"


# Watch, unwatch, list


async def test_watch_confirms_and_names_the_channel_and_first_check(
    service: WatchlistService, store: Store
) -> None:
    message = await service.watch(
        TEAM, "220-81-62517", label="  한빛   테크 ", user_id=USER, channel_id=HERE
    )
    assert "220-81-62517" in shown(message)
    assert f"<#{ALERTS}>" in shown(message)
    watch = await store.watches.get(TEAM, NUMBER)
    assert watch is not None
    assert (watch.label, watch.channel_id, watch.created_by) == ("한빛 테크", ALERTS, USER)
    assert str(int(watch.next_check_at.timestamp())) in shown(message)


async def test_without_notify_channel_changes_go_where_the_command_ran(
    store: Store, fake_slack: FakeSlack, make_service: ServiceFactory
) -> None:
    service = await make_service(store, notify_channel=None)
    message = await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    assert f"<#{HERE}>" in shown(message)
    watch = await store.watches.get(TEAM, NUMBER)
    assert watch is not None
    assert watch.channel_id == HERE


async def test_a_duplicate_is_refused_politely_with_who_and_when(
    service: WatchlistService, store: Store, clock: Clock
) -> None:
    await service.watch(TEAM, NUMBER, label="first", user_id=USER, channel_id=HERE)
    clock.now += timedelta(hours=5)
    message = await service.watch(
        TEAM, "220 81 62517", label="again", user_id="U0OTHER", channel_id=HERE
    )
    text = shown(message)
    assert "이미" in text
    assert f"<@{USER}>" in text
    assert str(int(START.timestamp())) in text  # when it was added
    [watch] = await store.watches.list(TEAM)
    assert (watch.label, watch.created_by) == ("first", USER)


async def test_an_impossible_number_gets_the_domain_explanation_and_is_not_stored(
    service: WatchlistService, store: Store, fake_nhn: NhnFake
) -> None:
    message = await service.watch(TEAM, "000-00-00000", label=None, user_id=USER, channel_id=HERE)
    assert bizno.InvalidBusinessNumber("office", part="000").message.ko in shown(message)
    message = await service.unwatch(TEAM, "12345", user_id=USER)
    assert "5자리" in shown(message)
    assert await store.watches.list(TEAM) == []
    assert fake_nhn.calls(STATUS) == 0


async def test_a_number_failing_the_check_digit_is_watched_only_anyway(
    service: WatchlistService, store: Store, fake_nhn: NhnFake
) -> None:
    message = await service.watch(TEAM, "306-82-00417", label="재단", user_id=USER, channel_id=HERE)
    assert "흔히 쓰는 규칙과 맞지 않아" in shown(message)
    [offer] = [block["accessory"] for block in message.blocks if block.get("accessory") is not None]
    assert offer["action_id"] == "watch_anyway"
    assert json.loads(offer["value"]) == ["3068200417", "재단"]
    assert await store.watches.list(TEAM) == []
    assert fake_nhn.calls(STATUS) == 0  # explaining costs nothing

    message = await service.watch_anyway(TEAM, offer["value"], user_id=USER, channel_id=HERE)
    [watch] = await store.watches.list(TEAM)
    assert (watch.business_number, watch.label, watch.last_status_code) == (
        "3068200417",
        "재단",
        "01",
    )
    assert "🟢" in shown(message)
    assert "검증번호가 흔히 쓰는 규칙과 다른 번호" in shown(message)
    assert fake_nhn.calls(STATUS) == 1


@pytest.mark.parametrize(
    "forged", ["", "2208162517", '["000-00-00000", ""]', "[1, 2]", '["1234567890"]', "[[[[1]]]]"]
)
async def test_a_forged_watch_anyway_value_watches_nothing(
    service: WatchlistService, store: Store, fake_nhn: NhnFake, forged: str
) -> None:
    message = await service.watch_anyway(TEAM, forged, user_id=USER, channel_id=HERE)
    assert "⚠️" in shown(message)
    assert await store.watches.list(TEAM) == []
    assert fake_nhn.calls(STATUS) == 0


async def test_unwatch_removes_and_says_so_when_nothing_was_watched(
    service: WatchlistService, store: Store
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    assert "뺐습니다" in shown(await service.unwatch(TEAM, "220-81-62517", user_id=USER))
    assert await store.watches.list(TEAM) == []
    assert "관심 거래처가 아닙니다" in shown(await service.unwatch(TEAM, NUMBER, user_id=USER))


async def test_list_shows_number_label_last_status_and_check_time(
    service: WatchlistService, store: Store, clock: Clock, fake_nhn: NhnFake
) -> None:
    other = valid_business_numbers(1)[0]
    await service.watch(TEAM, NUMBER, label="한빛테크", user_id=USER, channel_id=HERE)
    fake_nhn.statuses[NUMBER] = "06"
    clock.now = await due_time(store)
    await service.recheck_due(now=clock.now, limit=10)
    fake_nhn.script(STATUS, Reply.error(4010001))  # the new watch's lookup fails
    await service.watch(TEAM, other, label=None, user_id=USER, channel_id=HERE)
    text = shown(await service.list(TEAM))
    assert "220-81-62517" in text
    assert "한빛테크" in text
    assert "🔴 폐업자" in text
    assert str(int(clock.now.timestamp())) in text  # when it was checked
    assert bizno.format(other) in text
    assert "조회 전" in text
    assert "(2곳)" in text


async def test_an_empty_list_says_how_to_add(service: WatchlistService) -> None:
    assert "/bizstatus watch" in shown(await service.list(TEAM))


async def test_watch_many_counts_new_and_already_watched(
    service: WatchlistService, store: Store
) -> None:
    numbers = valid_business_numbers(5)
    await service.watch(TEAM, numbers[0], label="kept", user_id=USER, channel_id=HERE)
    message = await service.watch_many(
        TEAM, [*numbers, bizno.format(numbers[1]), "123-45-67890"], user_id=USER, channel_id=HERE
    )
    assert "4곳" in shown(message)
    assert "1곳은 이미" in shown(message)
    watches = await store.watches.list(TEAM)
    assert sorted(w.business_number for w in watches) == sorted(numbers)


async def test_watching_and_rechecking_is_audited(
    service: WatchlistService, store: Store, clock: Clock
) -> None:
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    await service.watch(TEAM, NUMBER, label=None, user_id=USER, channel_id=HERE)
    clock.now = await due_time(store)
    await service.recheck_due(now=clock.now, limit=10)
    await service.unwatch(TEAM, NUMBER, user_id=USER)
    entries = await store.audit.recent(TEAM, limit=10)
    assert [(e.action, e.user_id, e.subject, e.outcome) for e in reversed(entries)] == [
        ("watch", USER, NUMBER, "added"),
        ("recheck", USER, NUMBER, "01"),  # looked up as it was added
        ("watch", USER, NUMBER, "already_watched"),
        ("recheck", None, NUMBER, "01"),
        ("unwatch", USER, NUMBER, "removed"),
    ]


# Re-check everything now (`ocrbot recheck --all`)


async def test_recheck_all_checks_every_watch_now_whatever_is_due_and_reports_changes(
    service: WatchlistService, store: Store, clock: Clock, fake_nhn: NhnFake
) -> None:
    numbers = valid_business_numbers(25)
    await service.watch_many(TEAM, numbers, user_id=USER, channel_id=HERE)
    closing, reopened = numbers[3], numbers[17]
    fake_nhn.statuses.update({closing: "06", reopened: "02"})
    clock.now = START + timedelta(minutes=5)  # nothing is due for hours
    assert (await service.recheck_due(now=clock.now, limit=100)).claimed == 0

    done = await service.recheck_all(now=clock, limit=7)  # four batches

    assert (done.claimed, done.failed) == (25, 0)
    assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 2))  # as added, and now
    assert sorted(
        (m.watch.business_number, m.watch.last_status_code, m.new.value) for m in done.changed
    ) == sorted([(closing, "01", "06"), (reopened, "01", "02")])
    for watch in await store.watches.list(TEAM):
        assert watch.last_checked_at == clock.now
        assert clock.now + DAY / 2 < watch.next_check_at <= clock.now + DAY * 3 / 2
    # Again at once: every watch once more, since --all does not ask what is due.
    assert (await service.recheck_all(now=clock, limit=100)).claimed == 25
    assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 3))


async def test_recheck_all_leaves_a_watch_another_process_holds_and_ends_when_lookups_fail(
    service: WatchlistService, store: Store, clock: Clock, fake_nhn: NhnFake
) -> None:
    numbers = valid_business_numbers(4)
    await service.watch_many(TEAM, numbers, user_id=USER, channel_id=HERE)
    lease = service._settings.job_lease
    [held] = await store.watches.claim_all("other", now=clock.now, lease=lease, limit=1, after_id=0)
    fake_nhn.script(STATUS, *[Reply.error(4010001)] * 3)

    done = await service.recheck_all(now=clock, limit=2)

    assert (done.claimed, done.failed, done.changed) == (3, 3, ())
    assert lookups(fake_nhn)[held.business_number] == 1  # only as it was added
    for watch in await store.watches.list(TEAM):
        if watch.id != held.id:
            assert watch.next_check_at == clock.now + RETRY_DELAY


async def test_recheck_all_keeps_to_the_rate_limit(
    store: Store, clock: Clock, fake_nhn: NhnFake, make_service: ServiceFactory
) -> None:
    service = await make_service(store, status_rate_per_s=20)
    numbers = valid_business_numbers(10)
    for number in numbers:
        await store.watches.add(
            TEAM,
            number,
            label=None,
            channel_id=HERE,
            created_by=USER,
            now=START,
            first_check_at=START + DAY,
        )
    started = time.monotonic()

    done = await service.recheck_all(now=clock, limit=100)

    assert done.claimed == 10
    # Ten calls at 20 a second are spaced 50 ms apart: nine gaps at least.
    assert time.monotonic() - started >= 9 * 0.05 * 0.95
    assert lookups(fake_nhn) == Counter(dict.fromkeys(numbers, 1))
