"""Table definitions the store queries (the migrations create the same tables)."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from bot.domain import pan
from bot.store.models import JobState


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps `timestamptz`. SQLite has no time zones and compares the
    stored text, so values are converted to UTC and stored without an offset.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to the store; pass a timezone-aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class MaskedString(sa.TypeDecorator[str]):
    """A VARCHAR for text the bot did not write (labels, audit subjects, error labels):
    card numbers are masked as the value is bound (`bot.domain.pan`), then the value is
    cut to the column, so no insert or update can store one, whoever wrote the query.

    Cutting after masking: a cut first could leave a number too short to recognise, and
    a masked number can be longer than the digits were. Same SQL type: no migration.
    """

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else pan.mask(value)[: self.length]


metadata = sa.MetaData()

upload_jobs = sa.Table(
    "upload_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False),
    sa.Column("file_id", sa.String(32), nullable=False),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("message_ts", sa.String(32), nullable=False),
    sa.Column("thread_ts", sa.String(32), nullable=False),
    sa.Column("channel_type", sa.String(16), nullable=True),
    sa.Column("kind", sa.String(32), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("worker_id", sa.String(128), nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("not_before", UTCDateTime, nullable=False),
    sa.Column("last_error", MaskedString(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # Set just before the answer is posted (migration 0003): a later run checks the thread.
    sa.Column("answering_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("team_id", "file_id", name="uq_upload_jobs_team_file"),
    sa.CheckConstraint(
        "state IN (" + ", ".join(f"'{state.value}'" for state in JobState) + ")",
        name="ck_upload_jobs_state",
    ),
    sa.Index("ix_upload_jobs_state_not_before", "state", "not_before"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("team_id", sa.String(32), primary_key=True),
    sa.Column("business_number", sa.String(16), primary_key=True),
    sa.Column("status_code", sa.String(8), primary_key=True),
    sa.Column("announced_at", UTCDateTime, nullable=False),
)

# Issue: watchlists, status history and cache, audit log (migration 0002).

status_checks = sa.Table(
    "status_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("business_number", sa.String(10), nullable=False),
    sa.Column("status_code", sa.String(2), nullable=False),
    sa.Column("provider", sa.String(8), nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
    sa.Index("ix_status_checks_number_checked_at", "business_number", "checked_at"),
)

watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False),
    sa.Column("business_number", sa.String(10), nullable=False),
    sa.Column("label", MaskedString(100), nullable=True),
    sa.Column("channel_id", sa.String(32), nullable=False),
    sa.Column("created_by", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_status_code", sa.String(2), nullable=True),
    sa.Column("last_checked_at", UTCDateTime, nullable=True),
    sa.Column("next_check_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(128), nullable=True),
    sa.Column("claim_until", UTCDateTime, nullable=True),
    sa.UniqueConstraint("team_id", "business_number", name="uq_watches_team_number"),
    sa.Index("ix_watches_next_check_at", "next_check_at"),
)

status_changes = sa.Table(
    "status_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False),
    sa.Column("business_number", sa.String(10), nullable=False),
    sa.Column("old_status_code", sa.String(2), nullable=True),
    sa.Column("new_status_code", sa.String(2), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_status_changes_team_changed_at", "team_id", "changed_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(32), nullable=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", MaskedString(64), nullable=False),
    sa.Column("outcome", MaskedString(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_audit_log_team_at", "team_id", "at"),
)

# One row per upstream whose call rate every process of an installation shares (PostgreSQL).
rate_slots = sa.Table(
    "rate_slots",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),
    # The next free slot, in seconds since the epoch on the database's clock.
    sa.Column("next_at", sa.Float, nullable=False),
)

# Signatures of the requests from Slack taken in, against replays.
seen_requests = sa.Table(
    "seen_requests",
    metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_seen_requests_expires_at", "expires_at"),
)
