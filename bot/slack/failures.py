"""What a failed Slack Web API call means: whether it may work later, and how to name it.

The one rule for every caller that retries a Slack call or logs why it failed.

>>> is_retryable(ConnectionResetError(104, "Connection reset by peer"))
True
>>> describe(ConnectionResetError(104, "Connection reset by peer"))
'ConnectionResetError'
"""

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

# What a Web API call can fail with once the client's own retries are spent.
SLACK_FAILURES = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)
# Slack's documented error codes for trouble on its side, which passes by itself. Anything
# else (not_in_channel, channel_not_found, invalid_blocks...) fails the same way every time.
_RETRYABLE_CODES = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed Slack call may work when tried again later: rate limits, Slack's
    outages, and the network.

    Every OSError is the network's: the client sends bytes only (`masked_file` refuses
    paths and open files), so no file-system error can come out of a call, and a reset,
    refused or unreachable connection passes like any other cut. The client's other
    errors (a request it refuses to build, a missing token) repeat on every try.
    """
    if isinstance(error, SlackApiError):
        status: int = error.response.status_code
        return status == 429 or status >= 500 or error.response.get("error") in _RETRYABLE_CODES
    return isinstance(error, aiohttp.ClientError | OSError)  # TimeoutError is an OSError


def describe(error: BaseException) -> str:
    """A failed Slack call for a log line or the audit: Slack's error code (or its HTTP
    status when it gave none), else the kind of failure; never the message, which may
    quote what was sent."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        return str(code) if code else f"HTTP {error.response.status_code}"
    return type(error).__name__


def retry_after_s(error: BaseException) -> float | None:
    """Slack's Retry-After on a rate-limited call, in seconds; None when it gave none."""
    if not isinstance(error, SlackApiError):
        return None
    headers = {str(name).lower(): value for name, value in (error.response.headers or {}).items()}
    try:
        return float(headers["retry-after"])
    except (KeyError, TypeError, ValueError):
        return None
