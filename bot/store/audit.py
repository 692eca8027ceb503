"""The audit log: who looked up or scanned what, when, and with what outcome.

It never holds a card number. A subject is a business number, a Slack file id,
or for a card its brand and last four ("VISA ••••1881"); whatever a caller passes,
the subject and outcome columns mask card numbers as they are written
(`bot.store.tables.MaskedString`, the rule of `bot.domain.pan`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.database import Database
from bot.store.tables import audit_log

AuditAction = Literal[
    "status_lookup",
    "upload_business",
    "upload_card",
    "bulk_check",
    "watch",
    "unwatch",
    "recheck",
    "export",
]

# The column widths of audit_log: longer text is cut (PostgreSQL refuses it).
SUBJECT_MAX_CHARS = 64
OUTCOME_MAX_CHARS = 64

_columns = audit_log.c


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    team_id: str
    user_id: str | None  # None when no person acted (a scheduled re-check)
    action: AuditAction
    subject: str
    outcome: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NewAuditEntry:
    """An entry to add: see `AuditLog.record`. The store may add it in another write's
    transaction (`Store.complete_job`), so that both are kept or neither."""

    team_id: str
    user_id: str | None
    action: AuditAction
    subject: str
    outcome: str
    at: datetime


# Executed with `entry_values`: compiled once, whoever adds the entry.
INSERT_ENTRY = sa.insert(audit_log)


def entry_values(entry: NewAuditEntry) -> dict[str, object]:
    return {
        "team_id": entry.team_id,
        "user_id": entry.user_id,
        "action": entry.action,
        "subject": entry.subject,
        "outcome": entry.outcome,
        "at": entry.at,
    }


class AuditLog:
    """The audit_log table. Services write through `Auditor`; the columns mask subjects."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(self, entry: NewAuditEntry) -> None:
        """Add one entry; subject and outcome are stored with any card number masked, then
        cut to their column widths (SUBJECT_MAX_CHARS, OUTCOME_MAX_CHARS)."""
        values = entry_values(entry)

        def insert(connection: Connection) -> None:
            connection.execute(INSERT_ENTRY, values)

        await self._database.transaction(insert)

    async def recent(self, team_id: str, *, limit: int) -> list[AuditEntry]:
        """The team's latest `limit` entries, newest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        statement = (
            sa.select(audit_log)
            .where(_columns.team_id == team_id)
            .order_by(_columns.at.desc(), _columns.id.desc())
            .limit(limit)
        )

        def read(connection: Connection) -> list[AuditEntry]:
            return [AuditEntry(**row._mapping) for row in connection.execute(statement)]

        return await self._database.transaction(read)
