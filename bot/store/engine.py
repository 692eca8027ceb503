"""Database URLs and async engines: SQLite through aiosqlite, PostgreSQL through asyncpg.

A PostgreSQL URL may carry `?schema=<name>` (a lowercase schema name): the
store then keeps its tables, and Alembic its version table, in that schema by
setting the connection's `search_path`.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_ASYNC_SCHEMES = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}

# How long a SQLite connection waits for another writer (another process too)
# before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalize_database_url(url: str) -> str:
    """Point a database URL at the async driver the store uses.

    >>> normalize_database_url("sqlite:///ocrbot.db")
    'sqlite+aiosqlite:///ocrbot.db'
    >>> normalize_database_url("postgres://bot@db/ocrbot")
    'postgresql+asyncpg://bot@db/ocrbot'
    """
    scheme, separator, rest = url.partition("://")
    driver = _ASYNC_SCHEMES.get(scheme.lower()) if separator else None
    if driver is None:
        # Only the scheme is quoted: the rest of the URL may hold a password.
        raise ValueError(
            f"DATABASE_URL scheme {scheme if separator else '(none)'!r} is not supported; "
            "use sqlite:///path/to/file.db or postgresql://user:password@host/database"
        )
    return f"{driver}://{rest}"


def create_engine(database_url: str) -> AsyncEngine:
    """An engine for the URL, set up for several processes sharing one database."""
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return _postgresql_engine(url)


def _sqlite_engine(url: URL) -> AsyncEngine:
    if url.database in (None, "", ":memory:"):
        raise ValueError(
            "the store needs a SQLite file (e.g. sqlite:///ocrbot.db): "
            "an in-memory database is not shared between connections"
        )
    engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN would start reads outside a
        # transaction; SQLAlchemy emits BEGIN itself (below) instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets readers go on while one process writes.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Take the write lock at BEGIN: a transaction that read first and then
        # wants to write could otherwise fail at once instead of waiting, and
        # claims (select, then update) stay atomic across processes.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgresql_engine(url: URL) -> AsyncEngine:
    connect_args: dict[str, Any] = {}
    schema = url.query.get("schema")
    if schema is not None:
        if not isinstance(schema, str):
            raise ValueError("give the schema query parameter once")
        connect_args["server_settings"] = {"search_path": schema}
        url = url.difference_update_query(["schema"])
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)
