import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from bot.store import Store, normalize_database_url
from bot.store.database import SqliteDatabase
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, open_database
from tests.store.jobs import T0, upload
from tests.support.databases import sqlite_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///ocrbot.db", "sqlite:///ocrbot.db"),
        ("sqlite:////var/lib/ocrbot/ocrbot.db", "sqlite:////var/lib/ocrbot/ocrbot.db"),
        # What the URLs said while the store used aiosqlite: the same file.
        ("sqlite+aiosqlite:///ocrbot.db", "sqlite:///ocrbot.db"),
        ("postgresql://bot:pw@db:5432/ocrbot", "postgresql+asyncpg://bot:pw@db:5432/ocrbot"),
        ("postgres://bot@db/ocrbot?schema=bot", "postgresql+asyncpg://bot@db/ocrbot?schema=bot"),
        ("postgresql+asyncpg://bot@db/ocrbot", "postgresql+asyncpg://bot@db/ocrbot"),
    ],
)
def test_urls_point_at_the_drivers_the_store_uses(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


async def test_a_url_of_the_aiosqlite_days_opens_the_same_file(tmp_path: Path) -> None:
    old = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'ocrbot.db'}")
    try:
        assert await old.enqueue_upload(upload("F1"), now=T0) is not None
    finally:
        await old.close()
    store = await Store.open(sqlite_url(tmp_path), migrate=False)
    try:
        assert await store.find_upload("T1", "F1") is not None
    finally:
        await store.close()


@pytest.mark.parametrize(
    "url",
    ["mysql://root:hunter2@db/ocrbot", "postgresql+psycopg2://bot:hunter2@db/ocrbot", "hunter2"],
)
def test_unsupported_urls_are_refused_without_repeating_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="not supported") as refused:
        normalize_database_url(url)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
async def test_in_memory_sqlite_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        await Store.open(url)


def _pragmas(connection: Connection) -> tuple[object, object]:
    journal_mode = connection.execute(text("PRAGMA journal_mode")).scalar()
    return journal_mode, connection.execute(text("PRAGMA busy_timeout")).scalar()


async def test_sqlite_connections_use_wal_and_wait_for_other_writers(tmp_path: Path) -> None:
    database = open_database(sqlite_url(tmp_path))
    try:
        journal_mode, busy_timeout = await database.transaction(_pragmas)
    finally:
        await database.close()
    assert journal_mode == "wal"
    assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS


async def test_every_sqlite_transaction_holds_the_write_lock_from_its_begin(
    tmp_path: Path,
) -> None:
    database = open_database(sqlite_url(tmp_path))
    # Another writer, tried from inside the database's transaction, on the database's thread.
    other = sqlite3.connect(
        tmp_path / "ocrbot.db", timeout=0, isolation_level=None, check_same_thread=False
    )

    def read_while_another_writes(connection: Connection) -> None:
        connection.execute(text("SELECT 1"))  # a read: a plain BEGIN takes no lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")

    try:
        await database.transaction(read_while_another_writes)
        other.execute("BEGIN IMMEDIATE")  # free again once it ended
        other.execute("ROLLBACK")
    finally:
        other.close()
        await database.close()


async def test_a_begin_the_database_refuses_is_sqlalchemys_error(tmp_path: Path) -> None:
    database = open_database(sqlite_url(tmp_path))
    assert isinstance(database, SqliteDatabase)
    try:
        # On the test's thread, beside the connection the database keeps (not opened).
        with database._engine.connect() as connection:
            # A transaction the driver began behind SQLAlchemy's back: SQLite refuses a second.
            connection.connection.driver_connection.execute("BEGIN")
            with pytest.raises(OperationalError, match="within a transaction"):
                connection.begin()
    finally:
        await database.close()
