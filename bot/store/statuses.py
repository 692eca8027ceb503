"""Status history: every answer a status provider gave, which is also the lookup cache."""

import re
from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.database import Database
from bot.store.tables import status_checks

# Numbers per IN (...) query: well under SQLite's and asyncpg's limits on bound parameters.
_QUERY_CHUNK = 500
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_STATUS_CODE = re.compile(r"[0-9]{2}")
_PROVIDER_MAX_CHARS = 8

_columns = status_checks.c


class StatusHistory:
    """The `status_checks` table: one row per number a provider answered.

    Status codes are BusinessStatus values ("01", "06", ...); numbers are ten
    ASCII digits. A row is never changed: the latest row of a number is its
    last known status.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(
        self, number: str, status_code: str, *, provider: str, checked_at: datetime
    ) -> None:
        await self.record_many([(number, status_code)], provider=provider, checked_at=checked_at)

    async def record_many(
        self, answers: Sequence[tuple[str, str]], *, provider: str, checked_at: datetime
    ) -> None:
        """Record (number, status code) pairs one provider call answered at `checked_at`."""
        if not answers:
            return
        if not 0 < len(provider) <= _PROVIDER_MAX_CHARS:
            raise ValueError(f"provider name must be 1 to {_PROVIDER_MAX_CHARS} characters")
        rows = []
        for number, status_code in answers:
            _check_number(number)
            if not _STATUS_CODE.fullmatch(status_code):
                raise ValueError("a status code is two ASCII digits")
            rows.append(
                {
                    "business_number": number,
                    "status_code": status_code,
                    "provider": provider,
                    "checked_at": checked_at,
                }
            )

        def insert(connection: Connection) -> None:
            connection.execute(sa.insert(status_checks), rows)

        await self._database.transaction(insert)

    async def latest(self, number: str, *, since: datetime | None) -> tuple[str, datetime] | None:
        """The last (status code, checked_at) recorded at or after `since` (ever, when
        None); None if none."""
        return (await self.latest_many([number], since=since)).get(number)

    async def latest_many(
        self, numbers: Sequence[str], *, since: datetime | None
    ) -> dict[str, tuple[str, datetime]]:
        """For each number with a row at or after `since` (any row, when None), its last
        (status code, checked_at)."""
        for number in numbers:
            _check_number(number)

        def read(connection: Connection) -> dict[str, tuple[str, datetime]]:
            latest: dict[str, tuple[str, datetime]] = {}
            query = _LATEST if since is None else _LATEST_SINCE
            for chunk in _chunks(sorted(set(numbers)), _QUERY_CHUNK):
                rows = connection.execute(query, {"numbers": chunk, "since": since})
                for row in rows:
                    latest[row.business_number] = (row.status_code, row.checked_at)
            return latest

        return await self._database.transaction(read)


# Rows within a cache window are few per number, so picking the newest in Python is
# simpler than a per-dialect "latest row" query. Built once: a call only binds its values.
_LATEST = (
    sa.select(_columns.business_number, _columns.status_code, _columns.checked_at)
    .where(_columns.business_number.in_(sa.bindparam("numbers", expanding=True)))
    .order_by(_columns.checked_at, _columns.id)
)
_LATEST_SINCE = _LATEST.where(_columns.checked_at >= sa.bindparam("since"))


def _check_number(number: str) -> None:
    if not _TEN_DIGITS.fullmatch(number):
        raise ValueError("a business number in the store is ten ASCII digits")


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
