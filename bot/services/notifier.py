"""Tell the team channel when a business it deals with is inactive or closed, or when a
certificate's details differ from the National Tax Service register."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.blocks.notices import mismatch_alert, team_alert
from bot.config import Settings
from bot.domain.authenticity import Verdict
from bot.domain.certificate import CertificateField
from bot.services.analysis import BusinessAnalysis, StatusCheck
from bot.services.authenticity import Authenticity
from bot.slack.failures import SLACK_FAILURES, describe, is_retryable
from bot.store import Store

log = logging.getLogger(__name__)

# The cooldown key of a mismatch, beside the status codes (at most 8 characters, as they).
MISMATCH = "mismatch"


class TeamNotifier:
    def __init__(
        self,
        client: AsyncWebClient,
        store: Store,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        attempts: int = 3,
        retry_delay_s: float = 2.0,
    ) -> None:
        self._client = client
        self._store = store
        self._settings = settings
        self._clock = clock
        self._attempts = attempts
        self._retry_delay_s = retry_delay_s

    async def announce(
        self,
        check: StatusCheck,
        *,
        team_id: str,
        checked_by: str,
        trade_name: str | None = None,
        where: str | None = None,
    ) -> bool:
        """Post an alert status once per cooldown; True when a post was made."""
        if not check.status.is_alert:
            return False
        message = team_alert(
            check,
            self._settings.language,
            trade_name=trade_name,
            checked_by=checked_by,
            where=where,
        )
        return await self._post_once(team_id, check.number, check.status.value, message)

    async def announce_mismatch(
        self,
        check: Authenticity,
        *,
        team_id: str,
        checked_by: str,
        trade_name: str | None = None,
        where: str | None = None,
    ) -> bool:
        """Post a certificate whose details differ from the register, once per cooldown."""
        number = check.details.number
        if check.verdict not in (Verdict.MISMATCH, Verdict.NAME_DIFFERS) or number is None:
            return False
        message = mismatch_alert(
            check,
            self._settings.language,
            trade_name=trade_name,
            checked_by=checked_by,
            where=where,
        )
        return await self._post_once(team_id, number, MISMATCH, message)

    async def announce_certificates(
        self,
        analysis: BusinessAnalysis,
        *,
        team_id: str,
        checked_by: str,
        where: Callable[[], Awaitable[str]],
    ) -> None:
        """Every closed or inactive business and every mismatch among a reply's certificates.

        `where` says where the reply is (a Slack call): asked only when there is news.
        """
        place: str | None = None
        for result in analysis.results:
            status, check = result.status, result.authenticity
            alert = status is not None and status.status.is_alert
            differs = check is not None and check.verdict in (
                Verdict.MISMATCH,
                Verdict.NAME_DIFFERS,
            )
            if not (alert or differs):
                continue
            place = place or await where()
            trade = result.certificate.get(CertificateField.TRADE_NAME)
            trade_name = trade.value if trade else None
            if status is not None and alert:
                await self.announce(
                    status,
                    team_id=team_id,
                    checked_by=checked_by,
                    trade_name=trade_name,
                    where=place,
                )
            if check is not None and differs:
                await self.announce_mismatch(
                    check,
                    team_id=team_id,
                    checked_by=checked_by,
                    trade_name=trade_name,
                    where=place,
                )

    async def _post_once(self, team_id: str, number: str, key: str, message: Message) -> bool:
        channel = self._settings.notify_channel
        if channel is None:
            return False
        claimed_at = self._clock()
        if not await self._store.claim_notification(
            team_id, number, key, now=claimed_at, cooldown=self._settings.notify_cooldown
        ):
            return False
        reason = "no attempt"
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._retry_delay_s * (attempt - 1))
            try:
                await self._client.chat_postMessage(channel=channel, **message.as_kwargs())
                return True
            except SLACK_FAILURES as failure:
                reason = describe(failure)
                if not is_retryable(failure):
                    break
        # Not announced: forget the claim so the next lookup tries again.
        await self._store.release_notification(team_id, number, key, claimed_at=claimed_at)
        log.error(
            "Team notification for business %s (%s) to channel %s failed: %s. "
            "Invite the bot to that channel or check NOTIFY_CHANNEL.",
            number,
            key,
            channel,
            reason,
        )
        return False
