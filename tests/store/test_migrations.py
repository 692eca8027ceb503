import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url

from bot.store import Store, upgrade
from bot.store.engine import open_database
from bot.store.migrate import MIGRATIONS_DIR, alembic_config, head_revision, stored_revision
from bot.store.tables import metadata
from tests.store.jobs import T0, upload
from tests.support.databases import sqlite_url

T = TypeVar("T")
REPOSITORY = Path(__file__).parents[2]
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
# The migrations must create exactly the tables the store queries.
STORE_TABLES = {"alembic_version", *metadata.tables}


def _tables_and_revision(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(sa.inspect(connection).get_table_names())
    return tables, MigrationContext.configure(connection).get_current_revision()


async def _on_database(database_url: str, work: Callable[[Connection], T]) -> T:
    """`work` in one transaction on the database at `database_url`."""
    database = open_database(database_url)
    try:
        return await database.transaction(work)
    finally:
        await database.close()


async def _schema_state(database_url: str) -> tuple[set[str], str | None]:
    return await _on_database(database_url, _tables_and_revision)


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
    differences = await _on_database(
        database_url,
        lambda connection: compare_metadata(MigrationContext.configure(connection), metadata),
    )
    assert differences == []


async def test_downgrade_to_base_removes_the_tables(database_url: str) -> None:
    await upgrade(database_url)
    await _on_database(
        database_url,
        lambda connection: command.downgrade(alembic_config(connection), "base"),
    )
    assert await _schema_state(database_url) == ({"alembic_version"}, None)


async def test_postgresql_tables_live_in_the_schema_the_url_names(postgres_url: str) -> None:
    await upgrade(postgres_url)
    schema = make_url(postgres_url).query["schema"]
    where = sa.text(
        "SELECT table_schema FROM information_schema.tables "
        "WHERE table_name = 'upload_jobs' AND table_schema IN (:schema, 'public')"
    )
    schemas = await _on_database(
        postgres_url,
        lambda connection: connection.execute(where, {"schema": schema}).scalars().all(),
    )
    assert schemas == [schema]


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    assert head_revision() == HEAD


async def test_a_schema_behind_the_head_is_upgraded_on_open(database_url: str) -> None:
    await upgrade(database_url)
    database = open_database(database_url)
    try:
        await database.transaction(
            lambda connection: command.downgrade(alembic_config(connection), "0004")
        )
        assert await stored_revision(database) == "0004"
    finally:
        await database.close()
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
