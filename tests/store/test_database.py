"""A transaction is one call: committed when its function returns, rolled back when it
raises or its caller stops waiting; SQLite's run on one thread the database ends on close."""

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store import Store
from bot.store.database import Database
from bot.store.engine import open_database
from bot.store.tables import seen_requests
from tests.store.jobs import T0
from tests.support.databases import sqlite_url

SIGNATURE = "a" * 64
WAIT_S = 10  # how long a test's work waits to be let go before the test fails


def _remember(connection: Connection) -> None:
    connection.execute(sa.insert(seen_requests).values(signature=SIGNATURE, expires_at=T0))


def _remembered(connection: Connection) -> int:
    return int(
        connection.execute(sa.select(sa.func.count()).select_from(seen_requests)).scalar_one()
    )


@pytest.fixture
async def database(store: Store) -> Database:
    """The migrated store's database."""
    return store._database


async def test_work_that_raises_is_rolled_back_and_its_error_raised(database: Database) -> None:
    def remember_then_fail(connection: Connection) -> None:
        _remember(connection)
        raise LookupError("changed its mind")

    with pytest.raises(LookupError, match="changed its mind"):
        await database.transaction(remember_then_fail)
    assert await database.transaction(_remembered) == 0


async def test_work_that_returns_is_committed(database: Database) -> None:
    await database.transaction(_remember)
    assert await database.transaction(_remembered) == 1


def _sqlite_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("ocrbot-sqlite")]


async def test_sqlite_transactions_run_on_one_thread_which_close_ends(tmp_path: Path) -> None:
    database = open_database(sqlite_url(tmp_path))
    before = set(_sqlite_threads())
    ran_on = await asyncio.gather(
        *(database.transaction(lambda _: threading.current_thread()) for _ in range(20))
    )
    [thread] = set(_sqlite_threads()) - before
    assert set(ran_on) == {thread}
    assert thread is not threading.current_thread()

    await database.close()
    assert not thread.is_alive()
    await database.close()  # closing again changes nothing

    # Used again after closing, as after SQLAlchemy's dispose: on a new thread, closed again.
    assert await database.transaction(lambda _: threading.current_thread()) is not thread
    await database.close()
    assert set(_sqlite_threads()) == before


async def _blocked_transaction(
    database: Database, work: Callable[[Connection], None]
) -> tuple["asyncio.Task[None]", threading.Event]:
    """`work` in a transaction that then waits, until the returned event is set."""
    started, proceed = threading.Event(), threading.Event()

    def work_then_wait(connection: Connection) -> None:
        work(connection)
        started.set()
        if not proceed.wait(WAIT_S):
            raise TimeoutError("never let go")

    task = asyncio.create_task(database.transaction(work_then_wait))
    assert await asyncio.get_running_loop().run_in_executor(None, started.wait, WAIT_S)
    return task, proceed


async def test_a_sqlite_transaction_whose_caller_is_cancelled_is_rolled_back(
    tmp_path: Path,
) -> None:
    store = await Store.open(sqlite_url(tmp_path))
    database = store._database
    try:
        task, proceed = await _blocked_transaction(database, _remember)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        proceed.set()
        assert await database.transaction(_remembered) == 0  # runs after the cancelled one
    finally:
        await store.close()


async def test_a_sqlite_transaction_cancelled_before_it_starts_never_runs(
    tmp_path: Path,
) -> None:
    store = await Store.open(sqlite_url(tmp_path))
    database = store._database
    try:
        first, proceed = await _blocked_transaction(database, lambda _: None)
        ran = threading.Event()

        def remember(connection: Connection) -> None:
            ran.set()
            _remember(connection)

        queued = asyncio.create_task(database.transaction(remember))
        await asyncio.sleep(0)  # handed over, behind the first
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        proceed.set()
        await first
        assert await database.transaction(_remembered) == 0
        assert not ran.is_set()
    finally:
        await store.close()
