"""Writing the audit log from every service, without ever breaking the request itself."""

import logging
from collections.abc import Callable
from datetime import datetime

from bot.domain import pan
from bot.store.audit import AuditAction, AuditLog

__all__ = ["AuditAction", "Auditor"]

log = logging.getLogger(__name__)


class Auditor:
    def __init__(self, audit_log: AuditLog, *, clock: Callable[[], datetime]) -> None:
        self._log = audit_log
        self._clock = clock

    async def record(
        self,
        *,
        team_id: str,
        user_id: str | None,
        action: AuditAction,
        subject: str,
        outcome: str,
    ) -> None:
        """Note who (None: the scheduler) did what to `subject`, and how it ended.

        `subject` is a business number, a Slack file id, or for a card at most
        brand and last four ("VISA ••••1881"); a card number in either is stored
        masked by the audit columns. Never raises: a failure is logged, and the
        person's request goes on.
        """
        if pan.mask(subject) != subject or pan.mask(outcome) != outcome:
            log.warning(
                "Audit entry for %s carried a card number; stored masked. "
                "Pass at most a card's brand and last four.",
                action,
            )
        try:
            await self._log.record(
                team_id=team_id,
                user_id=user_id,
                action=action,
                subject=subject,
                outcome=outcome,
                at=self._clock(),
            )
        except Exception:
            # The columns mask as values are bound: an error quoting them quotes them masked.
            log.exception("Could not write the audit entry for %s in team %s", action, team_id)
