"""The store: upload jobs every process can claim, and team notification cooldowns."""

from datetime import datetime, timedelta
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.audit import INSERT_ENTRY, AuditLog, NewAuditEntry, entry_values
from bot.store.database import Database
from bot.store.engine import open_database, upsert
from bot.store.migrate import run_migrations
from bot.store.models import ClaimedJob, JobHolder, JobState, UploadJob
from bot.store.rates import RateSlots
from bot.store.requests import SeenRequests
from bot.store.statuses import StatusHistory
from bot.store.tables import notifications, upload_jobs
from bot.store.watches import Watchlist

_jobs = upload_jobs.c
_UNSTARTED = (JobState.WAITING.value, JobState.PENDING.value)


class Store:
    """Durable state shared by every bot process on one database.

    Every method takes the current time as `now`, so callers (and tests)
    control the clock. Each method is one transaction (`Database.transaction`).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self.watches = Watchlist(database)
        self.audit = AuditLog(database)
        self.statuses = StatusHistory(database)
        # Several processes share PostgreSQL, and so one call rate; SQLite serves one.
        self.rate_slots = RateSlots(database) if database.dialect.name == "postgresql" else None
        self.seen_requests = SeenRequests(database)
        # Built once: executed with a dict of values, it is compiled once too.
        self._enqueue = (
            upsert(database, upload_jobs)
            .on_conflict_do_nothing(index_elements=[_jobs.team_id, _jobs.file_id])
            .returning(*upload_jobs.c)
        )

    @classmethod
    async def open(cls, database_url: str, *, migrate: bool = True) -> Self:
        """Connect to `database_url` (sqlite:// or postgresql://), migrating first by default."""
        database = open_database(database_url)
        if migrate:
            try:
                await run_migrations(database)
            except BaseException:
                await database.close()
                raise
        return cls(database)

    async def close(self) -> None:
        await self._database.close()

    # Upload jobs

    async def enqueue_upload(
        self, job: UploadJob, *, now: datetime, holder: JobHolder | None = None
    ) -> ClaimedJob | None:
        """Record an upload and return it as recorded; None when this (team, file) was
        already recorded, in any state.

        Without a kind the job waits for the user to pick one (see `update_job`). With a
        `holder` it is recorded claimed by that worker (its first attempt, as `claim_job`
        would count it), so the process that takes an upload in and performs it at once
        needs one transaction, not two.
        """
        values: dict[str, Any] = {
            "team_id": job.team_id,
            "file_id": job.file_id,
            "channel_id": job.channel_id,
            "user_id": job.user_id,
            "message_ts": job.message_ts,
            "thread_ts": job.thread_ts,
            "channel_type": job.channel_type,
            "kind": job.kind,
            "state": (JobState.WAITING if job.kind is None else JobState.PENDING).value,
            "attempts": 0,
            "worker_id": None,
            "lease_until": None,
            "not_before": now,
            "created_at": now,
            "updated_at": now,
        }
        if holder is not None:
            if job.kind is None:
                raise ValueError("a job waiting for its kind cannot be claimed")
            values.update(
                state=JobState.RUNNING.value,
                attempts=1,
                worker_id=holder.worker_id,
                lease_until=now + holder.lease,
            )

        def enqueue(connection: Connection) -> ClaimedJob | None:
            row = connection.execute(self._enqueue, values).first()
            return None if row is None else _job_from_row(row)

        return await self._database.transaction(enqueue)

    async def claim_jobs(
        self, worker_id: str, *, now: datetime, lease: timedelta, limit: int = 1
    ) -> list[ClaimedJob]:
        """Claim up to `limit` jobs: pending ones that are due, and running ones
        whose lease ran out. Each claim counts as an attempt; a job is held by
        one worker at a time.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        return await self._claim(_CLAIM_DUE, {}, worker_id, now=now, lease=lease, limit=limit)

    async def claim_job(
        self, job_id: int, worker_id: str, *, now: datetime, lease: timedelta
    ) -> ClaimedJob | None:
        """Claim one job if it is claimable (as in `claim_jobs`); None otherwise."""
        claimed = await self._claim(
            _CLAIM_ONE, {"job_id": job_id}, worker_id, now=now, lease=lease, limit=1
        )
        return claimed[0] if claimed else None

    async def job_backlog(self, *, now: datetime) -> tuple[int, datetime | None]:
        """How many jobs are claimable now (as in `claim_jobs`), and when the oldest of
        them was uploaded (None when there is none)."""
        query = sa.select(sa.func.count(), sa.func.min(_jobs.created_at)).where(_CLAIMABLE)

        def count_claimable(connection: Connection) -> tuple[int, datetime | None]:
            count, oldest = connection.execute(query, {"now": now}).one()
            return int(count), oldest

        return await self._database.transaction(count_claimable)

    async def complete_job(
        self, job_id: int, worker_id: str, *, now: datetime, audit: NewAuditEntry | None = None
    ) -> bool:
        """Mark a job done; False if `worker_id` no longer holds it (its lease went to another).

        `audit` is added in the same transaction, held or not (it notes what was done):
        the completion and its entry are kept both or neither.
        """
        held = {"job_id": job_id, "holder": worker_id, "at": now}

        def complete(connection: Connection) -> bool:
            done = connection.execute(_COMPLETE, held).rowcount == 1
            if audit is not None:
                connection.execute(INSERT_ENTRY, entry_values(audit))
            return done

        return await self._database.transaction(complete)

    async def extend_lease(
        self, job_id: int, worker_id: str, *, now: datetime, lease: timedelta
    ) -> bool:
        """Keep holding a running job for `lease` from `now`; False if another worker has it."""
        held = {"job_id": job_id, "holder": worker_id, "at": now, "held_until": now + lease}

        def extend(connection: Connection) -> bool:
            return connection.execute(_EXTEND_LEASE, held).rowcount == 1

        return await self._database.transaction(extend)

    async def begin_answer(
        self, job_id: int, worker_id: str, *, now: datetime, lease: timedelta
    ) -> bool:
        """Note that the holder is about to post the job's answer, and keep the job for
        `lease`; False if another worker has it, and must not answer.

        Kept through later runs: one whose earlier holder died looks for the answer first.
        """
        held = {"job_id": job_id, "holder": worker_id, "at": now, "held_until": now + lease}

        def note_answering(connection: Connection) -> bool:
            return connection.execute(_BEGIN_ANSWER, held).rowcount == 1

        return await self._database.transaction(note_answering)

    async def fail_job(
        self,
        job_id: int,
        worker_id: str,
        *,
        now: datetime,
        error: str,
        retry_at: datetime,
        max_attempts: int,
    ) -> JobState:
        """Record a failed attempt: PENDING again from `retry_at`, or FAILED after `max_attempts`.

        `error` is short text written by the bot (an error class or code, never
        user content); its column masks card numbers, then cuts it to the column's
        width. When `worker_id` no longer holds the job nothing changes and the
        job's current state is returned. Raises LookupError for an unknown job.
        """
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        gave_up = _jobs.attempts >= max_attempts
        statement = (
            sa.update(upload_jobs)
            .where(_HELD)
            .values(
                state=sa.case((gave_up, JobState.FAILED.value), else_=JobState.PENDING.value),
                not_before=retry_at,
                lease_until=None,
                last_error=error,
                updated_at=now,
            )
            .returning(_jobs.state)
        )
        held = {"job_id": job_id, "holder": worker_id}

        def fail(connection: Connection) -> str | None:
            state: str | None = connection.execute(statement, held).scalar_one_or_none()
            if state is None:
                current = sa.select(_jobs.state).where(_jobs.id == job_id)
                state = connection.execute(current).scalar_one_or_none()
            return state

        state = await self._database.transaction(fail)
        if state is None:
            raise LookupError(f"no upload job with id {job_id}")
        return JobState(state)

    async def update_job(self, job_id: int, *, kind: str | None) -> None:
        """Set the document kind of a job that has not started (WAITING or PENDING).

        A kind makes a waiting job PENDING; None makes it wait for the user
        again. Jobs already running or finished keep their kind.
        """
        statement = (
            sa.update(upload_jobs)
            .where(_jobs.id == job_id, _jobs.state.in_(_UNSTARTED))
            .values(
                kind=kind,
                state=(JobState.WAITING if kind is None else JobState.PENDING).value,
            )
        )

        def update(connection: Connection) -> None:
            connection.execute(statement)

        await self._database.transaction(update)

    async def cancel_job(self, job_id: int, *, now: datetime) -> bool:
        """End a job that has not started without running it; False if it already started."""
        statement = (
            sa.update(upload_jobs)
            .where(_jobs.id == job_id, _jobs.state.in_(_UNSTARTED))
            .values(state=JobState.CANCELLED.value, updated_at=now)
        )

        def cancel(connection: Connection) -> bool:
            return connection.execute(statement).rowcount == 1

        return await self._database.transaction(cancel)

    async def get_job(self, job_id: int) -> ClaimedJob | None:
        return await self._find_job(_jobs.id == job_id)

    async def find_upload(self, team_id: str, file_id: str) -> ClaimedJob | None:
        return await self._find_job(sa.and_(_jobs.team_id == team_id, _jobs.file_id == file_id))

    # Team notifications

    async def claim_notification(
        self,
        team_id: str,
        business_number: str,
        status_code: str,
        *,
        now: datetime,
        cooldown: timedelta,
    ) -> bool:
        """True when the caller should announce this status (and the announcement is
        recorded at `now`); False when it was announced less than `cooldown` ago.

        One statement decides and records, so of several racing callers one gets True.
        """
        if cooldown < timedelta(0):
            raise ValueError("cooldown must not be negative")
        insert = upsert(self._database, notifications).values(
            team_id=team_id,
            business_number=business_number,
            status_code=status_code,
            announced_at=now,
        )
        statement = insert.on_conflict_do_update(
            index_elements=list(notifications.primary_key),
            set_={"announced_at": insert.excluded.announced_at},
            where=notifications.c.announced_at <= now - cooldown,
        ).returning(notifications.c.announced_at)

        def claim(connection: Connection) -> bool:
            return connection.execute(statement).first() is not None

        return await self._database.transaction(claim)

    async def release_notification(
        self, team_id: str, business_number: str, status_code: str, *, claimed_at: datetime
    ) -> None:
        """Undo the claim made at `claimed_at` (the post failed), so a later call may announce.

        A newer claim by someone else is left alone.
        """
        statement = sa.delete(notifications).where(
            notifications.c.team_id == team_id,
            notifications.c.business_number == business_number,
            notifications.c.status_code == status_code,
            notifications.c.announced_at == claimed_at,
        )

        def release(connection: Connection) -> None:
            connection.execute(statement)

        await self._database.transaction(release)

    # Helpers

    async def _claim(
        self,
        statement: sa.Update,
        which: dict[str, Any],
        worker_id: str,
        *,
        now: datetime,
        lease: timedelta,
        limit: int,
    ) -> list[ClaimedJob]:
        values = {
            **which,
            "now": now,
            "holder": worker_id,
            "held_until": now + lease,
            "limit": limit,
        }

        def claim(connection: Connection) -> list[ClaimedJob]:
            rows = connection.execute(statement, values)
            # RETURNING keeps no order: the oldest first, as chosen.
            return sorted(
                (_job_from_row(row) for row in rows), key=lambda job: (job.not_before, job.id)
            )

        return await self._database.transaction(claim)

    async def _find_job(self, where: sa.ColumnElement[bool]) -> ClaimedJob | None:
        def find(connection: Connection) -> ClaimedJob | None:
            row = connection.execute(sa.select(upload_jobs).where(where)).first()
            return None if row is None else _job_from_row(row)

        return await self._database.transaction(find)


# The statements upload jobs run most, built once with bound parameters: each is then
# compiled once, and a call only binds its values.

# Pending and due, or running for a worker whose lease ran out (at `now`).
_CLAIMABLE = sa.or_(
    sa.and_(_jobs.state == JobState.PENDING, _jobs.not_before <= sa.bindparam("now")),
    sa.and_(_jobs.state == JobState.RUNNING, _jobs.lease_until <= sa.bindparam("now")),
)
# Job `job_id`, running for worker `holder`.
_HELD = sa.and_(
    _jobs.id == sa.bindparam("job_id"),
    _jobs.worker_id == sa.bindparam("holder"),
    _jobs.state == JobState.RUNNING,
)


def _claim_statement(which: sa.ColumnElement[bool]) -> sa.Update:
    """Claim up to `limit` claimable jobs among `which`, oldest first, for `holder` until
    `held_until`. One statement picks and claims: PostgreSQL locks the chosen rows and skips
    rows another worker is claiming; SQLite ignores FOR UPDATE, its BEGIN IMMEDIATE
    already makes the claim the only writer."""
    chosen = (
        sa.select(_jobs.id)
        .where(which, _CLAIMABLE)
        .order_by(_jobs.not_before, _jobs.id)
        .limit(sa.bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        sa.update(upload_jobs)
        .where(_jobs.id.in_(chosen.scalar_subquery()))
        .values(
            state=JobState.RUNNING.value,
            worker_id=sa.bindparam("holder"),
            lease_until=sa.bindparam("held_until"),
            attempts=_jobs.attempts + 1,
            updated_at=sa.bindparam("now"),
        )
        .returning(*upload_jobs.c)
    )


_CLAIM_DUE = _claim_statement(sa.true())
_CLAIM_ONE = _claim_statement(_jobs.id == sa.bindparam("job_id"))
_COMPLETE = (
    sa.update(upload_jobs)
    .where(_HELD)
    .values(state=JobState.DONE.value, lease_until=None, updated_at=sa.bindparam("at"))
)
_EXTEND_LEASE = (
    sa.update(upload_jobs)
    .where(_HELD)
    .values(lease_until=sa.bindparam("held_until"), updated_at=sa.bindparam("at"))
)
_BEGIN_ANSWER = (
    sa.update(upload_jobs)
    .where(_HELD)
    .values(
        answering_at=sa.bindparam("at"),
        lease_until=sa.bindparam("held_until"),
        updated_at=sa.bindparam("at"),
    )
)


def _job_from_row(row: sa.Row[Any]) -> ClaimedJob:
    values = dict(row._mapping)
    values["state"] = JobState(values["state"])
    return ClaimedJob(**values)
