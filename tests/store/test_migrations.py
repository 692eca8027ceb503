import asyncio
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from bot.store import Store, upgrade
from bot.store.engine import create_engine
from bot.store.migrate import MIGRATIONS_DIR, alembic_config, head_revision, stored_revision
from bot.store.tables import metadata
from tests.store.jobs import T0, upload
from tests.support.databases import sqlite_url

REPOSITORY = Path(__file__).parents[2]
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
# The migrations must create exactly the tables the store queries.
STORE_TABLES = {"alembic_version", *metadata.tables}


def _tables_and_revision(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(sa.inspect(connection).get_table_names())
    return tables, MigrationContext.configure(connection).get_current_revision()


async def _schema_state(database_url: str) -> tuple[set[str], str | None]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_tables_and_revision)
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_creates_the_tables_and_rerunning_keeps_the_data(
    database_url: str,
) -> None:
    assert HEAD is not None
    assert await _schema_state(database_url) == (set(), None)

    await upgrade(database_url)
    assert await _schema_state(database_url) == (STORE_TABLES, HEAD)

    store = await Store.open(database_url, migrate=False)
    assert await store.enqueue_upload(upload("F1"), now=T0)
    await store.close()

    await upgrade(database_url)
    reopened = await Store.open(database_url)
    try:
        assert await reopened.find_upload("T1", "F1") is not None
    finally:
        await reopened.close()
    assert await _schema_state(database_url) == (STORE_TABLES, HEAD)


# Each child imports everything, says it is ready, then migrates on "go", so
# that their migrations overlap.
_MIGRATING_PROCESS = """
import asyncio, sys
from bot.store import upgrade
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(upgrade(sys.argv[1]))
"""


async def test_processes_starting_together_migrate_once(database_url: str) -> None:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _MIGRATING_PROCESS,
            database_url,
            cwd=REPOSITORY,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for process in processes:
        assert process.stdout is not None
        assert await process.stdout.readline() == b"ready\n"
    outcomes = await asyncio.gather(*(process.communicate(b"go\n") for process in processes))
    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr.decode()
    assert await _schema_state(database_url) == (STORE_TABLES, HEAD)


async def test_upgrades_of_several_databases_in_one_process_do_not_mix(
    database_url: str, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    others = [sqlite_url(tmp_path / name) for name in ("a", "b")]
    await asyncio.gather(*(upgrade(url) for url in [database_url, database_url, *others]))
    for url in [database_url, *others]:
        assert await _schema_state(url) == (STORE_TABLES, HEAD)


async def test_open_without_migrate_leaves_the_database_alone(database_url: str) -> None:
    store = await Store.open(database_url, migrate=False)
    await store.close()
    assert await _schema_state(database_url) == (set(), None)


async def test_tables_the_store_queries_match_what_the_migrations_create(
    database_url: str,
) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert differences == []


async def test_downgrade_to_base_removes_the_tables(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
    finally:
        await engine.dispose()
    assert await _schema_state(database_url) == ({"alembic_version"}, None)


async def test_postgresql_tables_live_in_the_schema_the_url_names(postgres_url: str) -> None:
    await upgrade(postgres_url)
    schema = make_url(postgres_url).query["schema"]
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                sa.text(
                    "SELECT table_schema FROM information_schema.tables "
                    "WHERE table_name = 'upload_jobs' AND table_schema IN (:schema, 'public')"
                ),
                {"schema": schema},
            )
            schemas = found.scalars().all()
    finally:
        await engine.dispose()
    assert schemas == [schema]


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert head_revision() == HEAD


async def test_a_schema_behind_the_head_is_upgraded_on_open(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0004"))
        assert await stored_revision(engine) == "0004"
    finally:
        await engine.dispose()
    store = await Store.open(database_url)
    await store.close()
    assert await _schema_state(database_url) == (STORE_TABLES, HEAD)


# Opens the store on a current schema and says whether Alembic was imported to do it.
_OPENING_PROCESS = """
import asyncio, sys
from bot.store import Store
async def main():
    store = await Store.open(sys.argv[1])
    await store.close()
asyncio.run(main())
print("alembic" in sys.modules)
"""


async def test_a_current_schema_is_checked_without_loading_alembic(database_url: str) -> None:
    await upgrade(database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _OPENING_PROCESS,
        database_url,
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    assert stdout == b"False\n"
