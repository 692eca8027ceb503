"""The database locked or slow while an upload arrives: answered or told, never lost."""

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import JobState, engine
from fakes.slack import TEAM_ID
from tests.handlers.conftest import RunningBot
from tests.handlers.test_upload_failures import CHANNEL, DONE, FAILED, certificate_upload
from tests.support.helpers import eventually, shown

NUMBER = "220-81-62517"  # what the fake NHN reads on every certificate
# A short busy timeout, so that a lock can outlast it without the test waiting 15 s.
SHORT_BUSY_TIMEOUT_MS = 300


@pytest.fixture
def busy_timeout_ms() -> int:
    return engine.SQLITE_BUSY_TIMEOUT_MS


@pytest.fixture
def bot_overrides(monkeypatch: pytest.MonkeyPatch, busy_timeout_ms: int) -> dict[str, Any]:
    # Read when the bot's connections open, which is after this fixture.
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", busy_timeout_ms)
    return {}


@contextlib.asynccontextmanager
async def database_locked(database: Path) -> AsyncIterator[None]:
    """Another writer holding the database, as a stuck process or a long migration would:
    the bot's transactions wait for it, up to their busy timeout.

    The lock is taken without blocking the event loop, which the bot shares with the test:
    a transaction the bot has begun (just started, say) ends first, as it would beside a
    real other process, instead of waiting on a loop this call would hold.
    """
    connection = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        for _ in range(500):
            try:
                connection.execute("BEGIN EXCLUSIVE")
                break
            except sqlite3.OperationalError:
                await asyncio.sleep(0.01)
        else:
            raise AssertionError("the bot kept the database locked for 5 s")
        yield
    finally:
        connection.close()  # rolls back, and the lock is free


async def test_an_upload_during_a_short_lock_is_answered_once_it_lifts(bot: RunningBot) -> None:
    event = certificate_upload(bot)

    async with database_locked(bot.database):
        await bot.send.event(event)
        await asyncio.sleep(1.5)  # the outage itself, well within the 15 s busy timeout
        assert bot.slack.calls_to("chat.postMessage") == []
        assert bot.nhn.calls("business") == 0

    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert NUMBER in shown(reply)
    await bot.settle()
    assert bot.nhn.calls("business") == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_an_upload_recorded_while_a_slow_claim_holds_the_slots_is_not_held_back(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker pass slowed by the database holds every slot while it claims, and looks
    # for jobs due before the upload was recorded: the upload must not wait a poll (60 s).
    store = bot.runtime.services.store
    claim_jobs = store.claim_jobs
    claiming, recorded = asyncio.Event(), asyncio.Event()

    async def slow_claim_jobs(*args: Any, **kwargs: Any) -> list[Any]:
        claiming.set()
        await recorded.wait()
        return await claim_jobs(*args, **kwargs)

    monkeypatch.setattr(store, "claim_jobs", slow_claim_jobs)
    await eventually(lambda: _wake_worker(bot) and claiming.is_set())
    event = certificate_upload(bot)

    await bot.send.event(event)
    await eventually(lambda: _recorded(bot, event))
    recorded.set()

    [reply] = await bot.wait_for("chat.postMessage")
    assert NUMBER in shown(reply)
    assert bot.nhn.calls("business") == 1


@pytest.mark.parametrize("busy_timeout_ms", [SHORT_BUSY_TIMEOUT_MS])
async def test_an_upload_that_cannot_be_recorded_is_told_and_the_bot_recovers(
    bot: RunningBot,
) -> None:
    event = certificate_upload(bot)
    file_id = event["files"][0]["id"]

    async with database_locked(bot.database):
        await bot.send.event(event)
        # Told while the database is still down: the reply needs no database.
        [reply] = await bot.wait_for("chat.postMessage")
        await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])

    assert reply.params["thread_ts"] == event["ts"]
    said = shown(reply)
    assert "데이터베이스가 응답하지 않아" in said
    assert "Error" not in said
    assert bot.nhn.calls("business") == 0
    # Nothing was recorded, so a later delivery of the same file is taken in afresh.
    assert await bot.runtime.services.store.find_upload(TEAM_ID, file_id) is None

    again = certificate_upload(bot)  # the uploader shares the file again
    await bot.send.event(again)

    await bot.wait_for("chat.postMessage", 2)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, again["ts"]) == [DONE])
    answer = bot.slack.calls_to("chat.postMessage")[1]
    assert answer.params["thread_ts"] == again["ts"]
    assert NUMBER in shown(answer)
    assert bot.nhn.calls("business") == 1
    job = await bot.runtime.services.store.find_upload(TEAM_ID, again["files"][0]["id"])
    assert job is not None
    assert job.state is JobState.DONE


def _recorded(bot: RunningBot, event: dict[str, Any]) -> bool:
    """Whether the upload's job is in the database (read apart from the bot's own pool)."""
    with contextlib.closing(sqlite3.connect(bot.database)) as connection:
        row = connection.execute(
            "SELECT 1 FROM upload_jobs WHERE file_id = ?", (event["files"][0]["id"],)
        ).fetchone()
    return row is not None


def _wake_worker(bot: RunningBot) -> bool:
    """Have the worker look for jobs now, as when a slot frees, rather than at its next poll."""
    bot.runtime.services.jobs._slot_freed.set()
    return True
