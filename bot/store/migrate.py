"""Schema migrations (Alembic), configured in code so they work from an installed package."""

import asyncio
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import check_reachable, create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Any constant shared by every ocrbot process: PostgreSQL advisory lock key
# that serialises processes migrating the same database at start-up.
_MIGRATION_LOCK_KEY = 0x6F63_7262_6F74  # "ocrbot"

# Alembic keeps the running migration in module globals (alembic.context,
# alembic.op): two upgrades interleaving on one event loop, even of different
# databases, would mix them up.
_alembic_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def alembic_config(connection: Connection) -> Config:
    """Alembic configuration running on `connection` (see migrations/env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Revision files are modules in a package: keep their names valid identifiers.
    config.set_main_option("file_template", "rev_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


async def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema (`ocrbot db upgrade`)."""
    engine = create_engine(database_url)
    try:
        await run_migrations(engine)
    finally:
        await engine.dispose()


async def run_migrations(engine: AsyncEngine) -> None:
    """Upgrade to head in one transaction; safe when several processes start at once.

    PostgreSQL: a transaction-level advisory lock makes the others wait, then
    find the schema current. SQLite: the transaction begins IMMEDIATE, which
    serialises writers the same way. Raises DatabaseUnreachable when the database cannot
    be reached or opened.
    """
    await check_reachable(engine)
    alembic_lock = _alembic_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with alembic_lock, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(_upgrade_to_head)


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
