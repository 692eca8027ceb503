"""Database URLs, and the Database (bot.store.database) each opens: SQLite through the
standard library's sqlite3, PostgreSQL through asyncpg.

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

from bot.config import ConfigError
from bot.store.database import Database, PostgresqlDatabase, SqliteDatabase

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.ext.asyncio import AsyncEngine

# `sqlite+aiosqlite` is what the store's URLs said while it used aiosqlite: .env files
# that still say so name the same file.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+aiosqlite": "sqlite",
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
    """Point a database URL at the driver the store uses.

    >>> normalize_database_url("sqlite+aiosqlite:///ocrbot.db")
    'sqlite:///ocrbot.db'
    >>> normalize_database_url("postgres://bot@db/ocrbot")
    'postgresql+asyncpg://bot@db/ocrbot'
    """
    scheme, separator, rest = url.partition("://")
    driver = _DRIVERS.get(scheme.lower()) if separator else None
    if driver is None:
        # Only the scheme is quoted: the rest of the URL may hold a password.
        raise BadDatabaseUrl(
            f"DATABASE_URL scheme {scheme if separator else '(none)'!r} is not supported; "
            "use sqlite:///path/to/file.db or postgresql://user:password@host/database"
        )
    return f"{driver}://{rest}"


def open_database(database_url: str) -> Database:
    """The database at the URL, set up for several processes sharing it. Nothing is
    connected until it is first used."""
    url = make_url(normalize_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        return SqliteDatabase(_sqlite_engine(url))
    return PostgresqlDatabase(_postgresql_engine(url))


def _sqlite_engine(url: URL) -> sa.Engine:
    if url.database in (None, "", ":memory:"):
        raise BadDatabaseUrl(
            "the store needs a SQLite file (e.g. sqlite:///ocrbot.db): "
            "an in-memory database is not shared between connections"
        )
    # One connection, which the Database keeps (see SqliteDatabase).
    engine = sa.create_engine(url, pool_size=1, max_overflow=0)

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN would start reads outside a
        # transaction; SQLAlchemy emits BEGIN itself (below) instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets readers go on while one process writes.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Take the write lock at BEGIN: a transaction that read first and then
        # wants to write could otherwise fail at once instead of waiting, and
        # claims (select, then update) stay atomic across processes.
        # Sent to the driver itself, not executed as a SQLAlchemy statement (its events,
        # cursor and result), as every transaction begins so; its failure is raised as
        # SQLAlchemy's.
        driver = connection.connection.dbapi_connection
        if driver is None:
            raise RuntimeError("BEGIN on a connection the pool has closed")
        try:
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from None

    return engine


def _postgresql_engine(url: URL) -> "AsyncEngine":
    # Imported here: SQLAlchemy's asyncio extension loads its ORM (some 6 MB and 70 ms),
    # which a bot on SQLite never needs.
    from sqlalchemy.ext.asyncio import create_async_engine

    connect_args: dict[str, Any] = {}
    schema = url.query.get("schema")
    if schema is not None:
        if not isinstance(schema, str):
            raise BadDatabaseUrl("give the schema query parameter once")
        connect_args["server_settings"] = {"search_path": schema}
        url = url.difference_update_query(["schema"])
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)


def upsert(database: Database, table: sa.Table) -> "postgresql.Insert | sqlite.Insert":
    """INSERT with ON CONFLICT, which both databases spell alike. Only the database's own
    dialect is imported: PostgreSQL's costs a SQLite process some 2 MB and 30 ms."""
    if database.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def database_location(url: URL) -> str:
    """Where `url` points, safe to print: the SQLite file, or PostgreSQL's host, port and
    database. The user name and password, and the query, are left out.

    >>> database_location(make_url("postgresql+asyncpg://bot:s3cret@db.internal/ocrbot"))
    "PostgreSQL at db.internal:5432, database 'ocrbot'"
    >>> database_location(make_url("sqlite:///data/ocrbot.db"))
    'SQLite file data/ocrbot.db'
    """
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    host = url.host or "localhost"
    return f"PostgreSQL at {host}:{url.port or _POSTGRESQL_PORT}, database {url.database!r}"


async def check_reachable(database: Database) -> None:
    """Connect once, so that a database that cannot be reached or opened is one clear
    DatabaseUnreachable, not a traceback from deep inside the driver."""
    url = database.url
    if url.get_backend_name() == "sqlite" and url.database:
        # Checked before connecting: sqlite3 says only "unable to open database file".
        problem = _sqlite_file_problem(url, Path(url.database))
        if problem is not None:
            raise DatabaseUnreachable(problem)
    try:
        await database.connect()
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
