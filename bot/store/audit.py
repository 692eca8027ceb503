"""The audit log: who looked up or scanned what, when, and with what outcome.

It never holds a card number. A subject is a business number, a Slack file id,
or for a card its brand and last four ("VISA ••••1881"); `mask_card_numbers`
is the rule, applied by `bot.services.audit.Auditor` and checked again here.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import bizno
from bot.store.tables import audit_log

AuditAction = Literal[
    "status_lookup",
    "upload_business",
    "upload_card",
    "bulk_check",
    "watch",
    "unwatch",
    "recheck",
]

# The column widths of audit_log: longer text is cut (PostgreSQL refuses it).
SUBJECT_MAX_CHARS = 64
OUTCOME_MAX_CHARS = 64

_columns = audit_log.c

# A Slack file id, or five or more digits (one space, dot, hyphen or underscore
# allowed between two): a card number may be written in groups. A file id has
# at most twelve characters after the F, fewer than a card number's 13-19 digits.
_FILE_ID_OR_DIGITS = re.compile(
    r"(?P<file_id>\bF[A-Z0-9]{8,12}\b)|(?P<digits>\d(?:[\s._\-]?\d){4,})"
)


def mask_card_numbers(text: str) -> str:
    """`text` with every run of five or more digits cut to its last four, except
    a ten-digit business registration number and a Slack file id.

    >>> mask_card_numbers("VISA 4012 8888 8888 1881")
    'VISA ••••1881'
    >>> mask_card_numbers("220-81-62517"), mask_card_numbers("F07ABC12345")
    ('220-81-62517', 'F07ABC12345')
    >>> mask_card_numbers("1234567890")  # ten digits, but no business number
    '••••7890'
    """

    def keep_or_mask(match: re.Match[str]) -> str:
        if match["file_id"] is not None:
            return match["file_id"]
        digits = bizno.compact(match["digits"]).replace("_", "")
        if len(digits) == bizno.LENGTH and bizno.checksum_ok(digits):
            return match["digits"]
        return "••••" + digits[-4:]

    return _FILE_ID_OR_DIGITS.sub(keep_or_mask, text)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    team_id: str
    user_id: str | None  # None when no person acted (a scheduled re-check)
    action: AuditAction
    subject: str
    outcome: str
    at: datetime


class AuditLog:
    """The audit_log table. Services write through `Auditor`, which masks subjects."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self,
        *,
        team_id: str,
        user_id: str | None,
        action: AuditAction,
        subject: str,
        outcome: str,
        at: datetime,
    ) -> None:
        """Add one entry; subject and outcome are cut to their column widths.

        Raises ValueError, writing nothing, when the subject or outcome holds a
        number `mask_card_numbers` would mask.
        """
        for name, text in (("subject", subject), ("outcome", outcome)):
            if mask_card_numbers(text) != text:
                raise ValueError(f"audit {name} holds a long number; mask it first")
        statement = sa.insert(audit_log).values(
            team_id=team_id,
            user_id=user_id,
            action=action,
            subject=subject[:SUBJECT_MAX_CHARS],
            outcome=outcome[:OUTCOME_MAX_CHARS],
            at=at,
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

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
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return [AuditEntry(**row._mapping) for row in rows]
