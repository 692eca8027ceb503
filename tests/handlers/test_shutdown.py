"""Stopping the bot: the job worker ends at once, a watchlist pass under way may finish."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime import BotRuntime
from bot.store import Store
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot, bot_settings, eventually
from tests.support.nhn import STATUS, NhnFake
from tests.support.slack import TEAM_ID, FakeSlack


async def test_the_worker_stops_when_cancelled_as_a_job_frees_its_slot(bot: RunningBot) -> None:
    jobs = bot.runtime.services.jobs
    waiting = asyncio.create_task(jobs.wait_for_slot(60))
    await asyncio.sleep(0)

    # A job finishing in the same turn of the loop as the shutdown's cancel: the worker
    # must still stop, or the runtime's exit waits a whole poll interval, again and again.
    jobs._slot_freed.set()
    waiting.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(waiting), 5)


async def test_a_watchlist_pass_under_way_ends_before_the_bot_stops(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    database = tmp_path / "bot.db"
    settings = bot_settings(
        fake_slack, fake_nhn, database, slack_signing_secret, status_rate_per_s=50
    )
    numbers = ["2208162517", "1248100998", "1010110101"]
    now = datetime.now(UTC)
    store = await Store.open(settings.database_url)
    try:
        for number in numbers:
            await store.watches.add(
                TEAM_ID,
                number,
                label=None,
                channel_id=ALERTS_CHANNEL,
                created_by="U_WATCHER",
                now=now,
                first_check_at=now - timedelta(minutes=1),
            )
    finally:
        await store.close()
    fake_nhn.latency_s = 1.0  # each lookup is still under way when the stop comes

    async with BotRuntime(settings, http=True, host="127.0.0.1", port=0):
        await eventually(lambda: len(fake_nhn.requests_to(STATUS)) >= 1)

    # The lookups NHN answered (and billed) are recorded, and no watch is left claimed.
    assert sorted(r.body["businessNumber"] for r in fake_nhn.requests_to(STATUS) if r.body) == (
        sorted(numbers)
    )
    with sqlite3.connect(database) as connection:
        recorded = {
            row[0] for row in connection.execute("SELECT business_number FROM status_checks")
        }
        claimed = connection.execute(
            "SELECT count(*) FROM watches WHERE claimed_by IS NOT NULL"
        ).fetchone()[0]
    assert recorded == set(numbers)
    assert claimed == 0
