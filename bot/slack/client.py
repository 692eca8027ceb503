"""The one way the app builds a Slack Web API client, and what all its callers share."""

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

SLACK_API_TIMEOUT_S = 30
# What a Web API call can fail with once the client's own retries are spent.
SLACK_FAILURES = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)
# slack_sdk counts attempts across all handlers of one call, so this bounds the
# retries of a call whatever mix of 429s, 5xx and dropped connections it meets.
MAX_RETRIES = 2


def open_http_session() -> aiohttp.ClientSession:
    """One pool of connections to Slack for the whole process, shared by the Web API client
    and every response_url answer.

    Without it slack_sdk opens a session, and so a new connection (a TLS handshake with
    Slack), for every call. Close it with `await session.close()`.
    """
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_API_TIMEOUT_S))


def create_web_client(
    settings: Settings,
    *,
    retry_interval: RetryIntervalCalculator | None = None,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """An AsyncWebClient for the bot token, on SLACK_API_URL, that retries transient failures.

    Rate-limited calls wait for Slack's Retry-After; server and connection errors back off
    by `retry_interval` (exponential with jitter unless a test injects a shorter one).
    With `session` (the app's, from open_http_session) calls reuse its connections.
    """
    if settings.slack_bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set. Set it in the environment or in .env "
            "(see README.md, 'Set up the Slack app')."
        )
    interval = retry_interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    retry_handlers: list[AsyncRetryHandler] = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=interval),
        AsyncConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=interval),
    ]
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_API_TIMEOUT_S,
        retry_handlers=retry_handlers,
        session=session,
    )


async def message_place(client: AsyncWebClient, channel_id: str, message_ts: str | None) -> str:
    """Where a message is, for a team alert: its permalink, or else the id of its channel,
    which the alert shows as the channel (when Slack gives no link, or there is no message).
    """
    if message_ts is None:
        return channel_id
    try:
        response = await client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
    except SLACK_FAILURES as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else None
        log.info("No permalink for a message in %s: %s", channel_id, reason or type(error).__name__)
        return channel_id
    permalink = response.get("permalink")
    return permalink if isinstance(permalink, str) else channel_id
