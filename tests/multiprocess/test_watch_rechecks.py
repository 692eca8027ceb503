"""Two bot processes on one PostgreSQL database and a watchlist of 200 businesses: each
business re-checked exactly once per WATCH_INTERVAL, however the processes share them.

The watches are added while both processes run, the way `/bizstatus watch` adds them:
each falls due at its own offset within the interval. With an interval of a few seconds
the test sees two whole intervals, puts every watch off until no re-check is under way
(stopping a process mid-lookup would cut its request to NHN short), stops the processes
and reads every re-check from the status history.
"""

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.services.watchlist import scheduled_check
from bot.store import Store
from bot.store.engine import open_database
from bot.store.tables import status_checks, watches
from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import STATUS, NhnFake
from fakes.slack import TEAM_ID, FakeSlack
from tests.support.helpers import eventually
from tests.support.numbers import valid_business_numbers

pytestmark = pytest.mark.slow

STARTUP_TOKENS = 1  # the start-up check's (bot/startup.py)

CHANNEL = "C_PURCHASING"
WATCHES = 200
INTERVAL = timedelta(seconds=8)  # whole seconds: offsets within it are whole seconds
ROUNDS = 2  # whole intervals to watch


def bot_env(slack: FakeSlack, nhn: NhnFake, database_url: str, secret: str) -> dict[str, str]:
    return {
        **fakes_env(slack, nhn, database_url, secret),
        "WATCH_INTERVAL": f"{INTERVAL.total_seconds():.0f}s",
        "WATCH_POLL_INTERVAL": "0.2s",
        # Small passes, each a few lookups long: both processes find due watches unclaimed.
        "WATCH_BATCH": "10",
        "STATUS_RATE_PER_S": "200",  # per process: high enough to keep no due watch waiting
    }


def lookups(fake_nhn: NhnFake) -> Counter[str]:
    """How often NHN was asked for each number's status."""
    return Counter(
        str(request.body["businessNumber"])
        for request in fake_nhn.requests_to(STATUS)
        if request.body is not None
    )


@asynccontextmanager
async def running(*bots: BotProcess) -> AsyncIterator[None]:
    """Start the bots side by side (each takes seconds to come up), stop them all after."""
    try:
        started = await asyncio.gather(
            *(asyncio.to_thread(bot.start) for bot in bots), return_exceptions=True
        )
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield
    finally:
        for bot in bots:
            bot.stop()


async def seed_watches(database_url: str, numbers: list[str], now: datetime) -> dict[str, datetime]:
    """Watch every number as `/bizstatus watch` would; each number's first due time."""
    first_checks = {
        number: scheduled_check(TEAM_ID, number, after=now, interval=INTERVAL) for number in numbers
    }
    store = await Store.open(database_url)
    try:
        added = await store.watches.add_many(
            TEAM_ID, first_checks, channel_id=CHANNEL, created_by="U0BUYER", now=now
        )
    finally:
        await store.close()
    assert added == len(numbers)
    return first_checks


async def put_off_every_watch(database_url: str, timeout_s: float) -> None:
    """Make every watch due only tomorrow, waiting until no process holds one.

    A held watch is being looked up; its check, when recorded, makes it due again
    within the interval, so put it off once more after that. A claim in progress
    locks its rows, and the UPDATE waits for it and then sees them held.
    """
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    put_off = sa.update(watches).values(next_check_at=tomorrow).returning(watches.c.claimed_by)
    database = open_database(database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            held = await database.transaction(
                lambda connection: [by for by in connection.execute(put_off).scalars() if by]
            )
            if not held:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(held)} watches still held after {timeout_s} s")
            await asyncio.sleep(0.1)
    finally:
        await database.close()


async def checks_recorded(database_url: str) -> dict[str, list[datetime]]:
    """Every status check in the store's history, per number, in order."""
    query = sa.select(status_checks.c.business_number, status_checks.c.checked_at)
    database = open_database(database_url)
    try:
        rows = await database.transaction(lambda connection: connection.execute(query).all())
    finally:
        await database.close()
    checks: defaultdict[str, list[datetime]] = defaultdict(list)
    for number, checked_at in rows:
        checks[number].append(checked_at)
    return {number: sorted(times) for number, times in checks.items()}


async def test_two_processes_recheck_each_of_200_watches_once_per_interval(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    env = bot_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret)
    numbers = valid_business_numbers(WATCHES)
    first = BotProcess(env, tmp_path / "a.log")
    second = BotProcess(env, tmp_path / "b.log")
    async with running(first, second):
        first_due = await seed_watches(postgres_url, numbers, datetime.now(UTC))
        # The last watch falls due a whole interval after seeding, and again one later.
        await eventually(
            lambda: len(seen := lookups(fake_nhn)) == WATCHES and min(seen.values()) >= ROUNDS,
            timeout_s=ROUNDS * INTERVAL.total_seconds() + 10,
        )
        await put_off_every_watch(postgres_url, timeout_s=10)
    checks = await checks_recorded(postgres_url)

    # Every lookup NHN answered is in the history, and only those.
    assert {number: len(times) for number, times in checks.items()} == lookups(fake_nhn)
    # Each check belongs to the interval since its watch's first due time it fell in:
    # one check in each interval, from the first on, none twice and none skipped.
    rounds = {
        number: [(at - first_due[number]) // INTERVAL for at in checks[number]]
        for number in numbers
    }
    wrong = {
        number: seen
        for number, seen in rounds.items()
        if seen != list(range(len(seen))) or len(seen) < ROUNDS
    }
    assert wrong == {}
    # Each process has its own NHN token for its work (and issued one more checking its
    # keys at start-up, bot/startup.py): both took a share of the re-checks.
    assert fake_nhn.tokens_issued == 2 * (1 + STARTUP_TOKENS)
    share = Counter(
        request.headers["x-nhn-authorization"] for request in fake_nhn.requests_to(STATUS)
    )
    assert len(share) == 2
    assert min(share.values()) > 0
    assert "Traceback" not in first.output() + second.output()
