"""Writing the audit log from every service, without ever breaking the request itself."""

import logging
from collections.abc import Callable
from datetime import datetime

from bot.domain import pan
from bot.store.audit import AuditAction, AuditLog, NewAuditEntry

__all__ = ["AuditAction", "Auditor", "NewAuditEntry"]

log = logging.getLogger(__name__)


class Auditor:
    def __init__(self, audit_log: AuditLog, *, clock: Callable[[], datetime]) -> None:
        self._log = audit_log
        self._clock = clock

    def entry(
        self,
        *,
        team_id: str,
        user_id: str | None,
        action: AuditAction,
        subject: str,
        outcome: str,
    ) -> NewAuditEntry:
        """An entry noting who (None: the scheduler) did what to `subject`, and how it
        ended, at the clock's time: for `record`, or for the store to add with another
        write (an upload job's completion).

        `subject` is a business number, a Slack file id, or for a card at most
        brand and last four ("VISA ••••1881"); a card number in either is stored
        masked by the audit columns.
        """
        if pan.mask(subject) != subject or pan.mask(outcome) != outcome:
            log.warning(
                "Audit entry for %s carried a card number; stored masked. "
                "Pass at most a card's brand and last four.",
                action,
            )
        return NewAuditEntry(team_id, user_id, action, subject, outcome, self._clock())

    async def record(
        self,
        *,
        team_id: str,
        user_id: str | None,
        action: AuditAction,
        subject: str,
        outcome: str,
    ) -> None:
        """Add the `entry` of these. Never raises: a failure is logged, and the person's
        request goes on."""
        entry = self.entry(
            team_id=team_id, user_id=user_id, action=action, subject=subject, outcome=outcome
        )
        try:
            await self._log.record(entry)
        except Exception:
            # The columns mask as values are bound: an error quoting them quotes them masked.
            log.exception("Could not write the audit entry for %s in team %s", action, team_id)
