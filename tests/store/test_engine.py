from pathlib import Path

import pytest
from sqlalchemy import text

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
