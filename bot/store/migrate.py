"""Schema migrations (Alembic), configured in code so they work from an installed package.

Every start checks the schema; Alembic's machinery (some 0.3 s and 10 MB to import) is
loaded only when the stored revision is not the newest one.
"""

import asyncio
import re
import weakref
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.store.database import Database
from bot.store.engine import check_reachable, open_database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)

# Any constant shared by every ocrbot process: PostgreSQL advisory lock key
# that serialises processes migrating the same database at start-up.
_MIGRATION_LOCK_KEY = 0x6F63_7262_6F74  # "ocrbot"

# Alembic keeps the running migration in module globals (alembic.context,
# alembic.op): two upgrades at once on one event loop, even of different databases,
# would mix them up (PostgreSQL's interleave on the loop, SQLite's run on each
# database's own thread).
_alembic_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def alembic_config(connection: Connection) -> "Config":
    """Alembic configuration running on `connection` (see migrations/env.py)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Revision files are modules in a package: keep their names valid identifiers.
    config.set_main_option("file_template", "rev_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


async def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema (`ocrbot db upgrade`)."""
    database = open_database(database_url)
    try:
        await run_migrations(database)
    finally:
        await database.close()


async def run_migrations(database: Database) -> None:
    """Upgrade to head in one transaction; safe when several processes start at once.

    PostgreSQL: a transaction-level advisory lock makes the others wait, then
    find the schema current. SQLite: the transaction begins IMMEDIATE, which
    serialises writers the same way. Raises DatabaseUnreachable when the database cannot
    be reached or opened.
    """
    await check_reachable(database)
    head = head_revision()
    if head is not None and await stored_revision(database) == head:
        return
    # Imported before the transaction begins: on SQLite it holds the write lock, and the
    # import takes long enough for another process's connect to give up waiting.
    from alembic import command  # noqa: F401

    alembic_lock = _alembic_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with alembic_lock:
        await database.transaction(_upgrade_to_head)


@cache
def head_revision() -> str | None:
    """The newest revision among the migration files, read from their `revision` and
    `down_revision` lines; None unless exactly one is no other's parent (then Alembic
    decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("rev_*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def stored_revision(database: Database) -> str | None:
    """The revision Alembic recorded in the database; None if it recorded none (a new
    database) or more than one."""

    def read(connection: Connection) -> list[str]:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())

    try:
        revisions = await database.transaction(read)
    except SQLAlchemyError:  # no version table yet
        return None
    return revisions[0] if len(revisions) == 1 else None


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    command.upgrade(alembic_config(connection), "head")
