"""The database the store works on: each transaction is a synchronous function of a
SQLAlchemy Connection, run in one call.

SQLite's driver blocks, so it runs on a thread, and each trip between the event loop and
that thread wakes both. Through aiosqlite a transaction made one trip per step (a cursor,
the statement, its rows, closing it, BEGIN, COMMIT): 5 to 7. Handed over whole, it makes
one there and one back, whatever it runs. PostgreSQL's driver is asyncio's own: there the
function runs on the loop, each statement awaiting the server.
"""

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import URL, Connection, Dialect, Engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")


class Database(ABC):
    """Where the store's transactions run. `transaction(work)` begins one, calls `work` with
    its connection, and commits; it rolls back if `work` raises (the error is raised) or the
    caller is cancelled before the commit."""

    def __init__(self, url: URL, dialect: Dialect) -> None:
        self.url = url
        self.dialect = dialect

    @abstractmethod
    async def transaction(self, work: Callable[[Connection], T]) -> T: ...

    @abstractmethod
    async def connect(self) -> None:
        """Open a connection, and run nothing on it: raises what keeps the database from
        being used (see `bot.store.engine.check_reachable`)."""

    @abstractmethod
    async def close(self) -> None:
        """Close the connections (a later transaction opens them again, as after SQLAlchemy's
        `Engine.dispose`)."""


class SqliteDatabase(Database):
    """SQLite through the standard library's driver, on one connection that one thread of
    this process opens and uses: SQLite runs one write at a time (every transaction begins
    IMMEDIATE, see `bot.store.engine`), so a second connection in the same process would
    only wait for the first."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine.url, engine.dialect)
        self._engine = engine
        # Started on first use, ended by `close`: no thread outlives the database's use.
        self._thread: ThreadPoolExecutor | None = None
        self._connection: Connection | None = None  # used on that thread only

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        abandoned = threading.Event()
        running = asyncio.get_running_loop().run_in_executor(
            self._started(), self._run, work, abandoned
        )
        try:
            return await running
        except asyncio.CancelledError:
            # Work not started yet never starts; work running is rolled back unless it is
            # already committing, as when a task was cancelled on the async driver.
            abandoned.set()
            raise

    async def connect(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._started(), self._connected)

    async def close(self) -> None:
        thread = self._thread
        if thread is None:
            return  # not used since it was made or last closed: nothing is open
        await asyncio.get_running_loop().run_in_executor(thread, self._disconnect)
        # Transactions handed over meanwhile run first; the thread then ends, and a later
        # transaction starts another. One thread at a time uses the connection.
        thread.shutdown()
        if self._thread is thread:
            self._thread = None
            # What a transaction handed over meanwhile opened again: its thread has ended.
            self._disconnect()

    def _started(self) -> ThreadPoolExecutor:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocrbot-sqlite")
        return self._thread

    def _run(self, work: Callable[[Connection], T], abandoned: threading.Event) -> T:
        if abandoned.is_set():
            raise _Abandoned  # before BEGIN, which may wait out another process's lock
        connection = self._connected()
        with connection.begin():
            result = work(connection)
            if abandoned.is_set():
                raise _Abandoned
        return result

    def _connected(self) -> Connection:
        # Kept open between transactions: a checkout from the pool and its reset on return
        # cost some 60 µs a transaction, most of what a short one costs itself. An
        # invalidated connection reconnects on its next use.
        if self._connection is None:
            self._connection = self._engine.connect()
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()


class _Abandoned(Exception):
    """Raised to roll back a transaction whose caller no longer waits for it."""


class PostgresqlDatabase(Database):
    """PostgreSQL through asyncpg: `work` runs on the event loop (SQLAlchemy's `run_sync`),
    each statement awaiting the server. Pooled connections, as several tasks may each
    hold a transaction open while waiting for the server."""

    def __init__(self, engine: "AsyncEngine") -> None:
        super().__init__(engine.url, engine.dialect)
        self._engine = engine

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        async with self._engine.begin() as connection:
            return await connection.run_sync(work)

    async def connect(self) -> None:
        async with self._engine.connect():
            pass

    async def close(self) -> None:
        await self._engine.dispose()
