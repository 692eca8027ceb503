"""Tell the team channel when a business it deals with is inactive or closed."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.notices import team_alert
from bot.config import Settings
from bot.services.analysis import StatusCheck
from bot.slack.client import SLACK_FAILURES
from bot.store import Store

log = logging.getLogger(__name__)

# Slack errors another try may fix. Anything else (not_in_channel, channel_not_found,
# invalid_blocks...) fails the same way every time, so it is not retried.
_TRANSIENT = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
}


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
        channel = self._settings.notify_channel
        if not check.status.is_alert or channel is None:
            return False
        claimed_at = self._clock()
        if not await self._store.claim_notification(
            team_id,
            check.number,
            check.status.value,
            now=claimed_at,
            cooldown=self._settings.notify_cooldown,
        ):
            return False
        message = team_alert(
            check,
            self._settings.language,
            trade_name=trade_name,
            checked_by=checked_by,
            where=where,
        )
        error: Exception | None = None
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._retry_delay_s * (attempt - 1))
            try:
                await self._client.chat_postMessage(channel=channel, **message.as_kwargs())
                return True
            except SLACK_FAILURES as failure:
                error = failure
                if not _transient(failure):
                    break
        # Not announced: forget the claim so the next lookup tries again.
        await self._store.release_notification(
            team_id, check.number, check.status.value, claimed_at=claimed_at
        )
        log.error(
            "Team notification for business %s (status %s) to channel %s failed: %s. "
            "Invite the bot to that channel or check NOTIFY_CHANNEL.",
            check.number,
            check.status.value,
            channel,
            _describe(error),
        )
        return False


def _transient(error: Exception) -> bool:
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or error.response.get("error") in _TRANSIENT
    return not isinstance(error, SlackClientError)  # network errors pass; misuse does not


def _describe(error: Exception | None) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__ if error else "unknown"
