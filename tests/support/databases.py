"""Database fixtures: a SQLite file, or a fresh schema on the local PostgreSQL server.

`database_url` runs a test once per database; `postgres_url` gives PostgreSQL
alone (multi-process tests); `store` is an open, migrated Store on
`database_url`. PostgreSQL cases fail, never skip, when the server cannot be
reached: CI must run them. TEST_POSTGRES_URL points them at another server.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.store import JobState, Store
from fakes.slack import TEAM_ID

POSTGRES_SERVER_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@asynccontextmanager
async def fresh_postgres_schema() -> AsyncIterator[str]:
    """A store URL for a new, empty schema, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        admin = await asyncpg.connect(POSTGRES_SERVER_URL, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_SERVER_URL} is unreachable ({error!r}). "
            "The PostgreSQL store tests need it: start the server or set TEST_POSTGRES_URL.",
            pytrace=False,
        )
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        url = make_url(POSTGRES_SERVER_URL).update_query_dict({"schema": schema})
        yield url.render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'ocrbot.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        async with fresh_postgres_schema() as url:
            yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


async def upload_state(database_url: str, file: dict[str, Any]) -> JobState:
    """Where the job for an upload of `file` stands, read from the (migrated) database."""
    store = await Store.open(database_url, migrate=False)
    try:
        job = await store.find_upload(TEAM_ID, str(file["id"]))
        assert job is not None
        return job.state
    finally:
        await store.close()
