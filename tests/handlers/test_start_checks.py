"""`ocrbot run` opens its store while the start-up checks wait on the network, and serves
Slack only once they have passed; a failed check leaves nothing open."""

import asyncio
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from bot.runtime import BotRuntime
from bot.startup import StartupFailed
from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from tests.handlers.conftest import bot_settings
from tests.support.helpers import eventually


def _migrated(database: Path) -> bool:
    if not database.exists():
        return False
    with sqlite3.connect(database) as connection:
        return bool(
            connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchall()
        )


async def test_the_store_opens_during_the_checks_and_slack_is_served_after_them(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    database = tmp_path / "bot.db"
    settings = bot_settings(fake_slack, fake_nhn, database, slack_signing_secret)
    checking, passed = asyncio.Event(), asyncio.Event()

    async def checks() -> None:
        checking.set()
        await passed.wait()

    runtime = BotRuntime(settings, http=True, host="127.0.0.1", port=0, checks=checks)
    starting = asyncio.create_task(runtime.__aenter__())
    try:
        await checking.wait()
        await eventually(lambda: _migrated(database))  # while the checks still wait
        assert runtime.url == ""  # and nothing listens yet

        passed.set()
        await starting
        async with httpx.AsyncClient() as http:
            assert (await http.get(runtime.url + "/ready")).json()["ok"] is True
    finally:
        await runtime.__aexit__(None, None, None)


async def test_a_failed_check_stops_the_start_and_closes_the_opened_store(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    database = tmp_path / "bot.db"
    settings = bot_settings(fake_slack, fake_nhn, database, slack_signing_secret)
    threads_before = threading.active_count()

    async def checks() -> None:
        await eventually(lambda: _migrated(database))  # fails once the store is open
        raise StartupFailed("The bot cannot start:\n - SLACK_BOT_TOKEN was refused")

    runtime = BotRuntime(settings, http=True, host="127.0.0.1", port=0, checks=checks)
    with pytest.raises(StartupFailed, match="SLACK_BOT_TOKEN"):
        async with runtime:
            pytest.fail("the bot started although a check failed")

    assert runtime.url == ""
    # The store's connection threads end with it.
    await eventually(lambda: threading.active_count() <= threads_before)
