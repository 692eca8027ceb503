"""Stopping the bot: the job worker ends at once; a watchlist pass under way, and Slack
listeners that have already answered Slack, may finish within the grace."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime import BotRuntime
from bot.store import Store
from fakes.nhn import STATUS, NhnFake, Reply
from fakes.slack import TEAM_ID, FakeSlack
from tests.handlers.conftest import (
    ALERTS_CHANNEL,
    RunningBot,
    bolt_listeners_running,
    bot_settings,
    running_bot,
)
from tests.support.helpers import eventually


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


def audit_rows(database: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute("SELECT action, subject, outcome FROM audit_log"))


async def test_a_command_answered_before_the_stop_still_lands_its_audit_row(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    database = tmp_path / "bot.db"
    settings = bot_settings(fake_slack, fake_nhn, database, slack_signing_secret)
    fake_nhn.script(STATUS, Reply.delay(0.5))  # the lookup runs on after Slack's ack
    url = fake_slack.response_url()

    async with running_bot(settings, slack_signing_secret, fake_slack) as send:
        acknowledged = await send.command("220-81-62517", response_url=url)
        assert acknowledged.status_code == 200
        await eventually(lambda: len(bolt_listeners_running()) == 1)
        [listener] = bolt_listeners_running()  # mid-work when the stop comes

    assert listener.done()
    assert not listener.cancelled()
    [answer] = fake_slack.responses(url)
    assert "220-81-62517" in answer["text"]
    assert audit_rows(database) == [("status_lookup", "2208162517", "01")]


async def test_a_command_acknowledged_but_not_yet_dispatched_at_the_stop_is_still_done(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    """The receiver answers Slack before Bolt sees the request: the stop that follows at
    once still dispatches it, and lets its listener finish, within the grace."""
    database = tmp_path / "bot.db"
    settings = bot_settings(fake_slack, fake_nhn, database, slack_signing_secret)
    url = fake_slack.response_url()

    async with running_bot(settings, slack_signing_secret, fake_slack) as send:
        acknowledged = await send.command("220-81-62517", response_url=url)
        assert acknowledged.status_code == 200

    [answer] = fake_slack.responses(url)
    assert "220-81-62517" in answer["text"]
    assert audit_rows(database) == [("status_lookup", "2208162517", "01")]


async def test_a_listener_outlasting_the_grace_is_cancelled_and_the_bot_stops_in_time(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(
        fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret, shutdown_grace_s=0.5
    )
    fake_nhn.script(STATUS, Reply.delay(30))
    loop = asyncio.get_running_loop()

    async with running_bot(settings, slack_signing_secret, fake_slack) as send:
        acknowledged = await send.command("220-81-62517", response_url=fake_slack.response_url())
        assert acknowledged.status_code == 200
        await eventually(lambda: len(bolt_listeners_running()) == 1)
        [listener] = bolt_listeners_running()
        stopping = loop.time()

    assert loop.time() - stopping < 0.5 + 1.0  # the grace, and a little for the rest
    assert listener.cancelled()
