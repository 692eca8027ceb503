"""Watched businesses per workspace, when each is next due, and the changes seen.

A re-check claims its watch the way upload jobs are claimed: PostgreSQL locks
the chosen rows and skips rows another process is claiming (`FOR UPDATE SKIP
LOCKED`), SQLite lets one writer at a time in (`BEGIN IMMEDIATE`). A claim lasts
until `claim_until`, so a process that dies mid-check leaves the watch to
another once the lease runs out, and a result is recorded only by the process
that still holds the claim.

Over 400 lines as one cohesive thing: the watch table's queries (claims, pages in attention
order, searches) and the status changes they order by.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.domain import bizno
from bot.domain.status import BusinessStatus
from bot.store.database import Database
from bot.store.engine import upsert
from bot.store.tables import status_changes, watches

# Rows per INSERT in add_many: well under both databases' limits on bound parameters.
_INSERT_CHUNK = 500

_w = watches.c
_changes = status_changes.c
_WATCH_COLUMNS = (
    _w.id,
    _w.team_id,
    _w.business_number,
    _w.label,
    _w.channel_id,
    _w.created_by,
    _w.created_at,
    _w.last_status_code,
    _w.last_checked_at,
    _w.next_check_at,
)


@dataclass(frozen=True, slots=True)
class Watch:
    """A business a workspace watches, and where changes to its status are posted."""

    id: int
    team_id: str
    business_number: str  # ten digits
    label: str | None  # what the team calls it, as typed
    channel_id: str
    created_by: str  # Slack user id
    created_at: datetime
    last_status_code: str | None  # None until the first check
    last_checked_at: datetime | None
    next_check_at: datetime


@dataclass(frozen=True, slots=True)
class WatchPage:
    """One page of a team's watches, those needing attention first, and counts over all
    the watches the search matched (not only this page)."""

    watches: list[Watch]
    offset: int  # how many matching watches come before this page
    total: int
    closed: int
    inactive: int
    changed: int  # changed status since the page's `changed_since`, neither closed nor inactive


@dataclass(frozen=True, slots=True)
class FirstCheck:
    """The lookup made when a watch was added: its status, or None when it failed."""

    watch_id: int
    status_code: str | None
    checked_at: datetime | None  # when the provider answered (earlier, from the cache)
    next_check_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A watched business's status code differed from the one checked before."""

    team_id: str
    business_number: str
    old_status_code: str
    new_status_code: str
    changed_at: datetime


class Watchlist:
    """`store.watches`: every method takes the time it should act at, as `now` or named."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(
        self,
        team_id: str,
        number: str,
        *,
        label: str | None,
        channel_id: str,
        created_by: str,
        now: datetime,
        first_check_at: datetime,
    ) -> Watch | None:
        """Watch `number` for the team; None when the team already watches it."""
        values = _new_watch(team_id, number, label, channel_id, created_by, now, first_check_at)
        statement = (
            upsert(self._database, watches)
            .values(values)
            .on_conflict_do_nothing(index_elements=[_w.team_id, _w.business_number])
            .returning(*_WATCH_COLUMNS)
        )

        def add(connection: Connection) -> Watch | None:
            row = connection.execute(statement).first()
            return None if row is None else _watch(row._mapping)

        return await self._database.transaction(add)

    async def add_many(
        self,
        team_id: str,
        first_checks: Mapping[str, datetime],
        *,
        channel_id: str,
        created_by: str,
        now: datetime,
    ) -> int:
        """Watch every number in `first_checks` (number -> its first check) without a
        label; how many were not watched before.
        """
        rows = [
            _new_watch(team_id, number, None, channel_id, created_by, now, first_check_at)
            for number, first_check_at in first_checks.items()
        ]

        def add_all(connection: Connection) -> int:
            added = 0
            for start in range(0, len(rows), _INSERT_CHUNK):
                statement = (
                    upsert(self._database, watches)
                    .values(rows[start : start + _INSERT_CHUNK])
                    .on_conflict_do_nothing(index_elements=[_w.team_id, _w.business_number])
                    .returning(_w.id)
                )
                added += len(connection.execute(statement).all())
            return added

        return await self._database.transaction(add_all)

    async def get(self, team_id: str, number: str) -> Watch | None:
        statement = sa.select(*_WATCH_COLUMNS).where(
            _w.team_id == team_id, _w.business_number == number
        )

        def get(connection: Connection) -> Watch | None:
            row = connection.execute(statement).first()
            return None if row is None else _watch(row._mapping)

        return await self._database.transaction(get)

    async def remove(self, team_id: str, number: str) -> bool:
        """Stop watching; False when the team did not watch the number."""
        statement = sa.delete(watches).where(_w.team_id == team_id, _w.business_number == number)

        def remove(connection: Connection) -> bool:
            return connection.execute(statement).rowcount == 1

        return await self._database.transaction(remove)

    async def claim_due(
        self, worker_id: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[Watch]:
        """Claim up to `limit` watches due at `now` and not held by anyone, earliest first.

        A claim expires at `now + lease`; until then no other worker gets the watch.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        free = sa.or_(_w.claim_until.is_(None), _w.claim_until <= now)
        candidates = (
            sa.select(_w.id)
            .where(_w.next_check_at <= now, free)
            .order_by(_w.next_check_at, _w.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self._claim(candidates, worker_id, until=now + lease)
        return sorted(claimed, key=lambda w: (w.next_check_at, w.id))

    async def claim_all(
        self, worker_id: str, *, now: datetime, lease: timedelta, limit: int, after_id: int
    ) -> list[Watch]:
        """Claim up to `limit` watches not held by anyone, due or not, with an id above
        `after_id`, in id order: pass after pass, every watch once (`recheck --all`).
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        free = sa.or_(_w.claim_until.is_(None), _w.claim_until <= now)
        candidates = (
            sa.select(_w.id)
            .where(_w.id > after_id, free)
            .order_by(_w.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._claim(candidates, worker_id, until=now + lease)

    async def record_first_checks(self, checks: Sequence[FirstCheck]) -> None:
        """Record the lookups made as watches were added.

        A watch checked or claimed by the scheduler since it was added keeps what
        the scheduler found: the first check is never a change.
        """
        if not checks:
            return
        update = (
            sa.update(watches)
            .where(
                _w.id == sa.bindparam("watch_id"),
                _w.last_checked_at.is_(None),
                _w.claimed_by.is_(None),
            )
            .values(
                last_status_code=sa.bindparam("status_code"),
                last_checked_at=sa.bindparam("checked_at"),
                next_check_at=sa.bindparam("next_at"),
            )
        )
        rows = [
            {
                "watch_id": check.watch_id,
                "status_code": check.status_code,
                "checked_at": check.checked_at,
                "next_at": check.next_check_at,
            }
            for check in checks
        ]

        def record(connection: Connection) -> None:
            connection.execute(update, rows)

        await self._database.transaction(record)

    async def record_check(
        self,
        watch: Watch,
        worker_id: str,
        *,
        status_code: str,
        checked_at: datetime,
        next_check_at: datetime,
    ) -> bool:
        """Record the result of re-checking a claimed watch and release the claim.

        A status code other than the one checked before is also written down as
        a StatusChange (the first check is not a change). False, and nothing
        recorded, when `worker_id` no longer holds the claim: another worker
        took the watch over after the lease ran out.
        """
        update = (
            sa.update(watches)
            .where(_w.id == watch.id, _w.claimed_by == worker_id)
            .values(
                last_status_code=status_code,
                last_checked_at=checked_at,
                next_check_at=next_check_at,
                claimed_by=None,
                claim_until=None,
            )
        )

        def record(connection: Connection) -> bool:
            if connection.execute(update).rowcount != 1:
                return False
            # The claim kept every other worker away since `watch` was read, so
            # its last status is the one this check follows.
            old = watch.last_status_code
            if old is not None and old != status_code:
                connection.execute(
                    sa.insert(status_changes).values(
                        team_id=watch.team_id,
                        business_number=watch.business_number,
                        old_status_code=old,
                        new_status_code=status_code,
                        changed_at=checked_at,
                    )
                )
            return True

        return await self._database.transaction(record)

    async def postpone(self, watch_id: int, worker_id: str, *, next_check_at: datetime) -> bool:
        """Release a claimed watch unchecked, due again at `next_check_at`.

        False when `worker_id` no longer holds the claim.
        """
        statement = (
            sa.update(watches)
            .where(_w.id == watch_id, _w.claimed_by == worker_id)
            .values(next_check_at=next_check_at, claimed_by=None, claim_until=None)
        )

        def postpone(connection: Connection) -> bool:
            return connection.execute(statement).rowcount == 1

        return await self._database.transaction(postpone)

    async def recent_changes(self, team_id: str, *, limit: int) -> list[StatusChange]:
        """The team's latest status changes, newest first."""
        statement = (
            sa.select(
                _changes.team_id,
                _changes.business_number,
                _changes.old_status_code,
                _changes.new_status_code,
                _changes.changed_at,
            )
            .where(_changes.team_id == team_id)
            .order_by(_changes.changed_at.desc(), _changes.id.desc())
            .limit(limit)
        )

        def read(connection: Connection) -> list[StatusChange]:
            return [StatusChange(**row._mapping) for row in connection.execute(statement)]

        return await self._database.transaction(read)

    async def page(
        self, team_id: str, *, search: str, changed_since: datetime, offset: int, limit: int
    ) -> WatchPage:
        """Up to `limit` of the team's watches after the first `offset`: closed ones first,
        then inactive ones, then those whose status changed since `changed_since`, then the
        rest; oldest first within each. `search` keeps the watches whose number holds its
        digits or whose label holds it ("" keeps all).

        Sorted, counted and paged in SQL: a page of 20 never reads the other 980 rows.
        """
        changed = sa.exists().where(
            _changes.team_id == _w.team_id,
            _changes.business_number == _w.business_number,
            _changes.changed_at >= changed_since,
        )
        closed = _w.last_status_code == BusinessStatus.CLOSED.value
        inactive = _w.last_status_code == BusinessStatus.INACTIVE.value
        attention = sa.case((closed, 0), (inactive, 1), (changed, 2), else_=3)
        matching = sa.and_(_w.team_id == team_id, _matches(search))
        rows = (
            sa.select(*_WATCH_COLUMNS)
            .where(matching)
            .order_by(attention, _w.created_at, _w.id)
            .offset(offset)
            .limit(limit)
        )
        recent_only = sa.and_(changed, sa.not_(closed), sa.not_(inactive))
        counts = sa.select(
            sa.func.count(),
            sa.func.count().filter(closed),
            sa.func.count().filter(inactive),
            sa.func.count().filter(recent_only),
        ).where(matching)

        def read(connection: Connection) -> WatchPage:
            total, closed_count, inactive_count, changed_count = connection.execute(counts).one()
            found = connection.execute(rows).all()
            return WatchPage(
                [_watch(row._mapping) for row in found],
                offset=offset,
                total=total,
                closed=closed_count,
                inactive=inactive_count,
                changed=changed_count,
            )

        return await self._database.transaction(read)

    async def unchecked(self, team_id: str, numbers: Sequence[str]) -> list[Watch]:
        """The team's watches of `numbers` never checked yet, oldest first."""

        def read(connection: Connection) -> list[Watch]:
            found: list[Watch] = []
            for start in range(0, len(numbers), _INSERT_CHUNK):
                statement = (
                    sa.select(*_WATCH_COLUMNS)
                    .where(
                        _w.team_id == team_id,
                        _w.business_number.in_(numbers[start : start + _INSERT_CHUNK]),
                        _w.last_checked_at.is_(None),
                    )
                    .order_by(_w.created_at, _w.id)
                )
                rows = connection.execute(statement).all()
                found.extend(_watch(row._mapping) for row in rows)
            return found

        return await self._database.transaction(read)

    async def _claim(
        self, candidates: sa.Select[Any], worker_id: str, *, until: datetime
    ) -> list[Watch]:
        def take(connection: Connection) -> list[Watch]:
            ids: Sequence[int] = connection.execute(candidates).scalars().all()
            if not ids:
                return []
            claim = (
                sa.update(watches)
                .where(_w.id.in_(ids))
                .values(claimed_by=worker_id, claim_until=until)
                .returning(*_WATCH_COLUMNS)
            )
            rows = connection.execute(claim).all()
            return sorted((_watch(row._mapping) for row in rows), key=lambda w: w.id)

        return await self._database.transaction(take)

    # Last: inside the class body, `list` names this method from here on.
    async def count(self, team_id: str) -> int:
        """How many watches the team has, whatever a search matches."""
        statement = sa.select(sa.func.count()).where(_w.team_id == team_id)

        def count(connection: Connection) -> int:
            return int(connection.execute(statement).scalar_one())

        return await self._database.transaction(count)

    async def list(self, team_id: str) -> list[Watch]:
        """The team's watches, oldest first."""
        statement = (
            sa.select(*_WATCH_COLUMNS).where(_w.team_id == team_id).order_by(_w.created_at, _w.id)
        )

        def read(connection: Connection) -> list[Watch]:
            return [_watch(row._mapping) for row in connection.execute(statement)]

        return await self._database.transaction(read)


def _new_watch(
    team_id: str,
    number: str,
    label: str | None,
    channel_id: str,
    created_by: str,
    now: datetime,
    first_check_at: datetime,
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "business_number": number,
        "label": label,
        "channel_id": channel_id,
        "created_by": created_by,
        "created_at": now,
        "next_check_at": first_check_at,
    }


def _matches(search: str) -> sa.ColumnElement[bool]:
    """Watches whose number holds the digits of `search`, or whose label holds `search`."""
    search = " ".join(search.split())
    if not search:
        return sa.true()
    by_label = sa.func.lower(_w.label).contains(search.lower(), autoescape=True)
    digits = bizno.compact(search)
    if digits.isdigit():
        return sa.or_(_w.business_number.contains(digits, autoescape=True), by_label)
    return by_label


def _watch(values: sa.RowMapping) -> Watch:
    return Watch(**values)
