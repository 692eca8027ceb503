"""Database URLs and async engines: SQLite through aiosqlite, PostgreSQL through asyncpg.

A PostgreSQL URL may carry `?schema=<name>` (a lowercase schema name): the
store then keeps its tables, and Alembic its version table, in that schema by
setting the connection's `search_path`.
"""

import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

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
# PostgreSQL's SQLSTATE codes (Appendix A of its manual) for a login the server refuses.
_LOGIN_REFUSED = frozenset({"28000", "28P01"})  # invalid authorization, invalid password
_NO_SUCH_DATABASE = "3D000"  # invalid_catalog_name
_POSTGRESQL_PORT = 5432


class BadDatabaseUrl(ConfigError, ValueError):
    """DATABASE_URL names a database the store cannot use; the message never repeats it."""


class DatabaseUnreachable(ConfigError):
    """The database cannot be reached or opened. The message is one line naming where
    (host and port, or file) and what to check; never a password or the URL's query."""


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
        raise BadDatabaseUrl(
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
        raise BadDatabaseUrl(
            "the store needs a SQLite file (e.g. sqlite:///ocrbot.db): "
            "an in-memory database is not shared between connections"
        )
    # SQLAlchemy's default pool (5 + 10 overflow), though SQLite runs one write at a time
    # (BEGIN IMMEDIATE): measured against 3 connections on the benchmark's certificate and
    # command bursts, the CPU per upload was the same (33 ms) and 3 made the command acks'
    # tail longer in two runs of three (p99 990 and 1832 ms against 571 and 645), with
    # requests' replay checks queued behind the jobs' transactions. One connection timed
    # the command burst out.
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
        # Sent to the driver's thread in one trip, not three (a cursor, the statement, its
        # closing), as every transaction begins so; its failure is raised as SQLAlchemy's.
        adapted = connection.connection.dbapi_connection
        if adapted is None:
            raise RuntimeError("BEGIN on a connection the pool has closed")
        try:
            adapted.run_async(lambda driver: driver.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from None

    return engine


def _postgresql_engine(url: URL) -> AsyncEngine:
    connect_args: dict[str, Any] = {}
    schema = url.query.get("schema")
    if schema is not None:
        if not isinstance(schema, str):
            raise BadDatabaseUrl("give the schema query parameter once")
        connect_args["server_settings"] = {"search_path": schema}
        url = url.difference_update_query(["schema"])
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)


def upsert(engine: AsyncEngine, table: sa.Table) -> "postgresql.Insert | sqlite.Insert":
    """INSERT with ON CONFLICT, which both databases spell alike. Only the engine's own
    dialect is imported: PostgreSQL's costs a SQLite process some 2 MB and 30 ms."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def database_location(url: URL) -> str:
    """Where `url` points, safe to print: the SQLite file, or PostgreSQL's host, port and
    database. The user name and password, and the query, are left out.

    >>> database_location(make_url("postgresql+asyncpg://bot:s3cret@db.internal/ocrbot"))
    "PostgreSQL at db.internal:5432, database 'ocrbot'"
    >>> database_location(make_url("sqlite+aiosqlite:///data/ocrbot.db"))
    'SQLite file data/ocrbot.db'
    """
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    host = url.host or "localhost"
    return f"PostgreSQL at {host}:{url.port or _POSTGRESQL_PORT}, database {url.database!r}"


async def check_reachable(engine: AsyncEngine) -> None:
    """Connect once, so that a database that cannot be reached or opened is one clear
    DatabaseUnreachable, not a traceback from deep inside the driver."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        # Checked before connecting: a failed aiosqlite connect leaves its thread to
        # report, after the event loop has closed, a traceback of its own.
        problem = _sqlite_file_problem(url, Path(url.database))
        if problem is not None:
            raise DatabaseUnreachable(problem)
    try:
        async with engine.connect():
            pass
    except (OSError, SQLAlchemyError) as error:  # TimeoutError is an OSError
        raise DatabaseUnreachable(_unreachable(url, error)) from None


def _sqlite_file_problem(url: URL, path: Path) -> str | None:
    """Why the SQLite file at `path` cannot be opened, found without opening it."""
    if not path.parent.is_dir():
        return (
            f"Cannot open the database: the directory {path.parent} of the "
            f"{database_location(url)} does not exist. Create it, or fix DATABASE_URL."
        )
    if path.exists() and not path.is_file():
        return (
            f"Cannot open the database ({database_location(url)}): something other than a "
            "file is there. Move it away, or fix DATABASE_URL."
        )
    return None


def _unreachable(url: URL, error: BaseException) -> str:
    """One line: what failed, where, and what to check. The driver's own message is left
    out: it may quote the URL."""
    causes = _causes(error)
    where = database_location(url)
    address = f"{url.host or 'localhost'}:{url.port or _POSTGRESQL_PORT}"
    states = {getattr(cause, "sqlstate", None) for cause in causes}
    if url.get_backend_name() == "sqlite":
        what = "check that the bot may read and write the file and its directory"
    elif any(isinstance(cause, socket.gaierror) for cause in causes):
        what = f"the host name {url.host!r} does not resolve; check the host in DATABASE_URL"
    elif any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        what = (
            f"nothing accepts connections at {address}; check that PostgreSQL is running "
            "and the host and port in DATABASE_URL"
        )
    elif any(isinstance(cause, TimeoutError) for cause in causes):
        what = f"no answer from {address}; check the host, the port and any firewall between"
    elif states & _LOGIN_REFUSED:
        what = (
            f"the server refused the login of user {url.username!r}; check the user name "
            "and password in DATABASE_URL and the server's pg_hba.conf"
        )
    elif _NO_SUCH_DATABASE in states:
        what = "the database does not exist; create it, or fix its name in DATABASE_URL"
    else:
        what = f"{type(causes[-1]).__name__}; check DATABASE_URL and that the database is running"
    return f"Cannot open the database ({where}): {what}."


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and the exceptions behind it, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
