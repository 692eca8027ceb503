"""Writing the audit log from every service, without ever breaking the request itself."""

import logging
from collections.abc import Callable
from datetime import datetime

from bot.store.audit import AuditAction, AuditLog, mask_card_numbers

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
        brand and last four ("VISA ••••1881"); any other run of five or more
        digits is masked to its last four before it is stored. Never raises: a
        failure is logged, and the person's request goes on.
        """
        try:
            safe_subject, safe_outcome = mask_card_numbers(subject), mask_card_numbers(outcome)
            if (safe_subject, safe_outcome) != (subject, outcome):
                log.warning(
                    "Audit entry for %s carried a long number; stored masked. "
                    "Pass at most a card's brand and last four.",
                    action,
                )
            await self._log.record(
                team_id=team_id,
                user_id=user_id,
                action=action,
                subject=safe_subject,
                outcome=safe_outcome,
                at=self._clock(),
            )
        except Exception:
            # Only masked values reached the database, so its error may be logged whole.
            log.exception("Could not write the audit entry for %s in team %s", action, team_id)
