"""The one way the app builds a Slack Web API client, and what all its callers share.

The client masks card numbers (`bot.domain.pan`) in everything it sends: every string of
every Web API call (text, blocks, attachments, views, file names and titles, comments,
JSON-encoded parameters decoded first) and the content of text files it uploads;
`MaskingRespond` and `MaskingAck` do the same for Bolt's `respond()` and `ack()`, `ResponseUrl` in
bot.services.bizstatus for the bot's own response_url answers. A feature that forgets to
mask a field cannot leak a number through it.
"""

import json
import logging
from typing import Any

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook import WebhookResponse

from bot import metrics
from bot.config import ConfigError, Settings
from bot.domain import pan
from bot.slack.failures import SLACK_FAILURES, describe

log = logging.getLogger(__name__)

SLACK_API_TIMEOUT_S = 30
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


def masked(value: Any) -> Any:
    """`value` with card numbers masked in each string in it, at any depth.

    A string holding JSON (slack_sdk sends blocks, attachments, views and upload titles
    so) is decoded first, masked, and encoded again: encoded, a no-break space between two
    groups is `\\u00a0`, and its digits would split the number.

    >>> masked({"text": "card 4556 0767 6001 6584", "ts": "1700000000.123456", "n": 3})
    {'text': 'card •••• •••• •••• 6584', 'ts': '1700000000.123456', 'n': 3}
    >>> masked('[{"title": "4556\\u00a00767\\u00a06001\\u00a06584.csv"}]')
    '[{"title": "•••• •••• •••• 6584.csv"}]'
    """
    if isinstance(value, str):
        if value.startswith(("{", "[")):
            try:
                decoded = json.loads(value)
            except ValueError:
                return pan.mask(value)
            cleaned = masked(decoded)
            return value if cleaned == decoded else json.dumps(cleaned, ensure_ascii=False)
        return pan.mask(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value


def masked_file(content: Any) -> str | bytes:
    """An upload's content with card numbers masked when it is text; images pass unchanged.

    Bytes are text when they decode as UTF-8 with no NUL (a JPEG or PNG never does). Paths
    and open files are refused: the client could not see what it sends.
    """
    if isinstance(content, str):
        return pan.mask(content)
    if not isinstance(content, bytes):
        raise TypeError("upload content must be str or bytes, so that it can be masked")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    return content if "\x00" in text else pan.mask(text).encode("utf-8")


class MaskingWebClient(AsyncWebClient):
    """An AsyncWebClient that masks card numbers in whatever it sends (see above)."""

    async def api_call(
        self,
        api_method: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> AsyncSlackResponse:
        try:
            return await super().api_call(
                api_method,
                params=masked(params),
                json=masked(json),
                data=masked(data) if isinstance(data, dict) else data,
                **kwargs,
            )
        except SLACK_FAILURES as error:
            metrics.slack_api_error(api_method, describe(error))
            raise

    async def files_upload_v2(self, **kwargs: Any) -> AsyncSlackResponse:
        """Masks the content before slack_sdk measures it: the length it announces in
        files.getUploadURLExternal must be that of the bytes it then sends."""
        kwargs = _masked_upload(kwargs)
        if kwargs.get("file_uploads") is not None:
            kwargs["file_uploads"] = [_masked_upload(upload) for upload in kwargs["file_uploads"]]
        return await super().files_upload_v2(**kwargs)


class MaskingAck(AsyncAck):
    """Bolt's `ack()`, whose text, blocks or view become the HTTP answer to Slack, masked."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    async def __call__(
        self, text: str | dict[Any, Any] = "", *args: Any, **kwargs: Any
    ) -> BoltResponse:
        return await super().__call__(masked(text), *masked(args), **masked(kwargs))


class MaskingRespond(AsyncRespond):
    """Bolt's `respond()`, with card numbers masked in the body as the client masks calls."""

    async def __call__(
        self, text: str | dict[Any, Any] = "", *args: Any, **kwargs: Any
    ) -> WebhookResponse:
        return await super().__call__(masked(text), *masked(args), **masked(kwargs))


def _masked_upload(arguments: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for name, value in arguments.items():
        if name == "file" and value is not None and not isinstance(value, bytes):
            # slack_sdk reads a path or an open file itself, out of this client's sight.
            raise TypeError("upload file must be bytes (or pass content), so that it can be masked")
        if name in ("content", "file") and value is not None:
            cleaned[name] = masked_file(value)
        elif name == "file_uploads":
            cleaned[name] = value  # each one is masked on its own
        else:
            cleaned[name] = masked(value)
    return cleaned


def create_web_client(
    settings: Settings,
    *,
    retry_interval: RetryIntervalCalculator | None = None,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A client for the bot token, on SLACK_API_URL, that masks card numbers in what it sends
    and retries the failures that are retryable.

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
    return MaskingWebClient(
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
        log.info("No permalink for a message in %s: %s", channel_id, describe(error))
        return channel_id
    permalink = response.get("permalink")
    return permalink if isinstance(permalink, str) else channel_id
