"""What the NHN and NTS clients share: one pooled httpx client and its lifecycle, retries
with jittered backoff within a deadline, Retry-After, and transport failures as typed errors.

They, and Slack's file downloads, speak httpx's API over aiohttp's connections
(`http_client`, `AiohttpTransport`): httpcore's pool scans every connection, asking each
socket whether it is readable, for every request, which cost 1.7 ms of CPU per NHN call
against 0.45 ms through aiohttp, and 14 ms per 5 MB download against 7 ms.

Each client keeps only its contract: URLs, headers, payloads and what its codes mean.
URLs carry credentials (NHN's app key, NTS's service key), so nothing here logs one:
log lines name the endpoint, and httpx's own request line is masked by `bot.logs`.
"""

import asyncio
import email.utils
import logging
import random
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Self, TypeVar

import aiohttp
import httpx

from bot.errors import BotError, ConnectionFailed, Service, Timeout, UpstreamError

logger = logging.getLogger(__name__)

BACKOFF_CAP_S = 8.0
_jitter = random.Random()  # noqa: S311 - backoff jitter, not security

Answer = TypeVar("Answer")


def http_client(
    *,
    timeout_s: float,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An httpx client over aiohttp's connections (`AiohttpTransport`), or over `transport`
    (a test's). It follows no redirect: a caller that follows one decides where to, and
    with which headers."""
    return httpx.AsyncClient(
        transport=transport or AiohttpTransport(max_connections=max_connections),
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
    )


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent over one aiohttp connection pool of at most `max_connections`.

    Request bodies are sent whole (kilobytes to a few MB). Response bodies stream: httpx
    reads them whole for `client.request` and in aiohttp's chunks for `client.stream`, and
    closing the response hands its connection back to the pool, or drops it if the body was
    not read to the end. httpx's timeouts hold for connecting (`connect`, `pool`) and for
    each read, headers and body alike (`read`); aiohttp has no timeout for writing alone,
    which the callers' deadlines bound. Failures, those met while reading the body too,
    are raised as httpx's, timeouts as `httpx.TimeoutException`s.
    """

    def __init__(self, *, max_connections: int = 100, keepalive_s: float = 5.0) -> None:
        """The defaults are httpx's own."""
        self._max_connections = max_connections
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None
        # The proxies the environment names, as httpx reads them. Not aiohttp's trust_env:
        # it also reads ~/.netrc, on a worker thread, for every request.
        self._proxies = urllib.request.getproxies()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:  # made on the loop that uses it
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections,
                    keepalive_timeout=self._keepalive_s,
                    # aiohttp's default: the system's CAs (or SSL_CERT_FILE's), in the one
                    # context it loads at import, which the Slack Web API session uses too.
                    # httpx's own (certifi's CAs) would be a second: 36 ms and 0.9 MB.
                ),
                # httpx decodes what the server encoded, as the headers say.
                auto_decompress=False,
            )
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        with _as_httpx_errors(request):
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=body,
                # httpx's headers are the request's, as it would send them.
                skip_auto_headers=_AUTO_HEADERS,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeouts.get("pool"),
                    sock_connect=timeouts.get("connect"),
                    sock_read=timeouts.get("read"),
                ),
                allow_redirects=False,
                proxy=self._proxy_for(request.url),
            )
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_AiohttpBody(response, request),
            request=request,
        )

    def _proxy_for(self, url: httpx.URL) -> str | None:
        if not self._proxies or urllib.request.proxy_bypass(url.host):
            return None
        return self._proxies.get(url.scheme)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _AiohttpBody(httpx.AsyncByteStream):
    """An aiohttp response's body, in the chunks aiohttp has when httpx asks for more."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # As aiohttp's own `async with`: a body read to its end frees the connection for
        # the next request; one left unread (a download over its limit) closes it.
        self._response.release()
        await self._response.wait_for_close()


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's failures as the httpx exceptions the clients handle."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as error:
        raise httpx.ConnectTimeout(str(error), request=request) from error
    except (aiohttp.SocketTimeoutError, TimeoutError) as error:
        raise httpx.ReadTimeout(str(error), request=request) from error
    except aiohttp.ClientConnectorError as error:
        raise httpx.ConnectError(str(error), request=request) from error
    except aiohttp.ClientError as error:
        # A body cut short of its length (ClientPayloadError) lands here too.
        raise httpx.ReadError(str(error), request=request) from error


_AUTO_HEADERS = frozenset({"Accept", "Accept-Encoding", "Content-Type", "User-Agent"})


class UpstreamClient:
    """One pooled httpx client; use a subclass as `async with Client(settings) as c: ...`."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()


async def with_retries(
    attempt: Callable[[int], Awaitable[Answer]],
    *,
    service: Service,
    endpoint: str,
    max_attempts: int,
    backoff_base_s: float,
    deadline_s: float | None = None,
    repair: Callable[[BotError], Awaitable[bool]] | None = None,
) -> Answer:
    """`attempt(n)` until it answers, a failure is not retryable, `max_attempts` fail, or the
    next wait would pass the deadline (then, or when an attempt runs past it, `Timeout`).

    `repair(error)` may fix the request (a new token, a smaller upload) and return True:
    the next attempt then uses up no attempt and waits for nothing.
    """
    loop = asyncio.get_running_loop()
    deadline = None if deadline_s is None else loop.time() + deadline_s

    async def retrying() -> Answer:
        failures = 0
        while True:
            try:
                return await attempt(failures + 1)
            except BotError as error:
                if repair is not None and await repair(error):
                    continue
                failures += 1
                if not error.retryable or failures >= max_attempts:
                    raise
                retry_after_s = error.retry_after_s if isinstance(error, UpstreamError) else None
                delay = backoff_delay(failures, backoff_base_s, retry_after_s)
                if deadline is not None and loop.time() + delay >= deadline:
                    raise
                logger.warning(
                    "%s %s retry in %.0f ms after attempt %d: %s",
                    service,
                    endpoint,
                    delay * 1000,
                    failures,
                    error,
                )
                await asyncio.sleep(delay)

    if deadline is None:
        return await retrying()
    try:
        async with asyncio.timeout_at(deadline):
            return await retrying()
    except TimeoutError:
        raise Timeout(
            f"{endpoint}: no answer within the {deadline_s:g} s deadline", service=service
        ) from None


def backoff_delay(failures: int, base_s: float, retry_after_s: float | None = None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else capped full jitter."""
    if retry_after_s is not None:
        return retry_after_s
    ceiling = min(BACKOFF_CAP_S, base_s * 2 ** (failures - 1))
    return _jitter.uniform(0, ceiling)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def transport_error(service: Service, endpoint: str, error: httpx.RequestError) -> UpstreamError:
    """A timeout or connection failure, named by type only: httpx's text may hold the URL."""
    kind = Timeout if isinstance(error, httpx.TimeoutException) else ConnectionFailed
    return kind(f"{endpoint}: {type(error).__name__}", service=service)
