import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.store import Store, normalize_database_url
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from tests.support.databases import sqlite_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///ocrbot.db", "sqlite+aiosqlite:///ocrbot.db"),
        ("sqlite:////var/lib/ocrbot/ocrbot.db", "sqlite+aiosqlite:////var/lib/ocrbot/ocrbot.db"),
        ("sqlite+aiosqlite:///ocrbot.db", "sqlite+aiosqlite:///ocrbot.db"),
        ("postgresql://bot:pw@db:5432/ocrbot", "postgresql+asyncpg://bot:pw@db:5432/ocrbot"),
        ("postgres://bot@db/ocrbot?schema=bot", "postgresql+asyncpg://bot@db/ocrbot?schema=bot"),
        ("postgresql+asyncpg://bot@db/ocrbot", "postgresql+asyncpg://bot@db/ocrbot"),
    ],
)
def test_urls_point_at_the_async_drivers(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


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


async def test_sqlite_connections_use_wal_and_wait_for_other_writers(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        async with engine.connect() as connection:
            journal_mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            busy_timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    finally:
        await engine.dispose()
    assert journal_mode == "wal"
    assert busy_timeout == SQLITE_BUSY_TIMEOUT_MS


async def test_every_sqlite_transaction_holds_the_write_lock_from_its_begin(
    tmp_path: Path,
) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    other = sqlite3.connect(tmp_path / "ocrbot.db", timeout=0, isolation_level=None)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))  # a read: a plain BEGIN takes no lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once it ended
        other.execute("ROLLBACK")
    finally:
        other.close()
        await engine.dispose()


async def test_a_begin_the_database_refuses_is_sqlalchemys_error(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            # A transaction the driver began behind SQLAlchemy's back: SQLite refuses a second.
            await raw.driver_connection.execute("BEGIN")
            with pytest.raises(OperationalError, match="within a transaction"):
                await connection.begin()
    finally:
        await engine.dispose()
