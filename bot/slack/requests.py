"""Requests from Slack over HTTP, checked before Bolt reads them: signed by Slack, readable,
and not seen before (in this process's memory, then in the database all processes share).

Bolt parses a body before it checks the signature, and answers a malformed body or
timestamp with a 500 and a traceback; so whoever can reach the endpoint could fill the
log without knowing the signing secret. Here nothing of an unsigned request is read.
"""

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from sqlalchemy.exc import SQLAlchemyError

from bot.store.requests import SeenRequests

log = logging.getLogger(__name__)

# Slack signs a request at most five minutes before it arrives; apps must refuse older
# ones (FACTS.md, "Request signing"), and Bolt refuses as far into the future too.
SIGNATURE_MAX_AGE_S = 5 * 60
# Seen signatures are kept a little past that window, for clocks that disagree a little.
_CLOCK_SKEW_S = 60
# How long a request waits for the shared record of seen requests before it goes on with
# this process's memory alone: a slow database must not cost Slack's 3-second ack.
REPLAY_CHECK_WAIT_S = 0.5
_PURGE_INTERVAL_S = 60.0

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature_problem(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, *, now: float
) -> str | None:
    """Why the request is not one Slack signed with `secret` lately; None when it is.

    The reason is the bot's own words, so it may be logged: nothing of the request is in it.

    >>> signature_problem("s", b"{}", "1700000000", "v0=" + "0" * 64, now=1700000000)
    'signature does not match'
    >>> signature_problem("s", b"{}", "17e8", "v0=" + "0" * 64, now=1700000000)
    'no valid timestamp'
    """
    if signature is None or timestamp is None:
        return "no signature"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "no valid timestamp"
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE_S:
        return "timestamp outside the five-minute window"
    expected = hmac.new(
        secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    # Compared as bytes: compare_digest refuses str with characters outside ASCII.
    if not _SIGNATURE.fullmatch(signature) or not hmac.compare_digest(
        f"v0={expected}".encode(), signature.encode()
    ):
        return "signature does not match"
    return None


def read_request(body: bytes, *, query: str, headers: Mapping[str, str]) -> AsyncBoltRequest | None:
    """The request as Bolt reads it; None when the body is not one Slack sends.

    Slack sends UTF-8: JSON objects with a `type` (events), a form field `payload` holding
    one (interactions), or a form with a `command` or an `ssl_check` (slash commands).
    """
    bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
    try:
        request = AsyncBoltRequest(body=body.decode("utf-8"), query=query, headers=bolt_headers)
    # Bolt's parser and context builder fail in these ways on JSON of unexpected shape.
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return None
    fields: Any = request.body
    if not isinstance(fields, dict):
        return None
    if isinstance(fields.get("type"), str) or "command" in fields or "ssl_check" in fields:
        return request
    return None


class RecentSignatures:
    """The signatures of the requests this process took in lately, checked in memory where
    requests are received, before they are answered.

    A request's signature covers its timestamp and body, so a replay carries the same
    signature; Slack's own retries are signed afresh and are new requests here. Each
    signature is kept until Slack's window has closed on it. Not thread-safe: one thread
    receives.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._recent: dict[str, float] = {}  # signature -> when it may be forgotten

    def first_time(self, signature: str, timestamp: int) -> bool:
        self._forget(self._clock())
        if signature in self._recent:
            return False
        self._recent[signature] = _forget_at(timestamp)
        return True

    def _forget(self, now: float) -> None:
        # Oldest first: entries are added in about the order they expire.
        while self._recent:
            signature, forget_at = next(iter(self._recent.items()))
            if forget_at > now:
                break
            del self._recent[signature]


class ReplayGuard:
    """Says whether a signed request is new across every process on the database; after
    `RecentSignatures` has passed it in this one, and before it is dispatched.

    When the database does not answer within REPLAY_CHECK_WAIT_S, the request goes on
    (refusing it would lose real work from Slack): this process's memory has still
    caught replays sent to it.
    """

    def __init__(
        self,
        seen: SeenRequests,
        *,
        wait_s: float = REPLAY_CHECK_WAIT_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._seen = seen
        self._wait_s = wait_s
        self._clock = clock
        self._pending: set[asyncio.Task[bool]] = set()
        self._next_purge = 0.0

    async def first_time(self, signature: str, timestamp: int, *, answered: bool = False) -> bool:
        """`answered`: Slack has had its answer already, so there is no 3-second ack to
        protect, and the request waits for the database however long it takes: two
        processes racing on one request then still dispatch it once."""
        task = asyncio.create_task(self._remember(signature, _forget_at(timestamp)))
        # Kept until done, so that shutdown waits for it even if this request is cancelled.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        done, _ = await asyncio.wait({task}, timeout=None if answered else self._wait_s)
        if task in done:
            return task.result()
        log.warning("Replay check: the database is slow; this request was checked in memory only")
        return True

    async def aclose(self, grace_s: float) -> None:
        """Let records still on their way reach the database, for up to `grace_s`."""
        if not self._pending:
            return
        _, late = await asyncio.wait(self._pending, timeout=grace_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _remember(self, signature: str, forget_at: float) -> bool:
        """False when another process took this request in first. A failing database
        lets the request through: the uploads are deduplicated by file, and an outage
        must not silence the bot."""
        now = self._clock()
        try:
            if now >= self._next_purge:
                self._next_purge = now + _PURGE_INTERVAL_S
                await self._seen.forget_expired(now=_utc(now))
            return await self._seen.remember(signature[3:], expires_at=_utc(forget_at))
        except (SQLAlchemyError, OSError) as error:
            log.warning(
                "Replay check: the database failed (%s); checked in memory only",
                type(error).__name__,
            )
            return True


def _forget_at(timestamp: int) -> float:
    """When a signature made at `timestamp` may be forgotten: Slack's window has closed."""
    return timestamp + SIGNATURE_MAX_AGE_S + _CLOCK_SKEW_S


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
