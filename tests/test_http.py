"""The HTTP layer NHN's and NTS's clients share: backoff, Retry-After, retries, deadline."""

import asyncio
import gzip
import ipaddress
import json
import os
import ssl
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.errors import BadResponse, BotError, Service, Timeout, Unavailable
from bot.http import (
    BACKOFF_CAP_S,
    AiohttpTransport,
    backoff_delay,
    http_client,
    retry_after,
    with_retries,
)
from tests.support.endless import EndlessBody


@pytest.mark.parametrize(
    ("failures", "ceiling"), [(1, 0.5), (2, 1.0), (3, 2.0), (5, BACKOFF_CAP_S), (9, BACKOFF_CAP_S)]
)
def test_backoff_is_full_jitter_up_to_a_capped_exponential(failures: int, ceiling: float) -> None:
    delays = [backoff_delay(failures, 0.5) for _ in range(2000)]
    assert all(0 <= delay <= ceiling for delay in delays)
    assert max(delays) > ceiling * 0.9  # spread over the whole range, not a fixed step
    assert min(delays) < ceiling * 0.1


def test_backoff_takes_retry_after_as_given() -> None:
    assert backoff_delay(1, 0.5, retry_after_s=12.0) == 12.0
    assert backoff_delay(3, 0.0) == 0.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("-3") == 0.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert retry_after("soon") is None
    assert retry_after(None) is None


async def test_retries_until_an_answer_and_counts_attempts() -> None:
    seen: list[int] = []

    async def attempt(number: int) -> str:
        seen.append(number)
        if number < 3:
            raise Unavailable("x", service=Service.NTS)
        return "answer"

    answer = await with_retries(
        attempt, service=Service.NTS, endpoint="status", max_attempts=3, backoff_base_s=0
    )
    assert (answer, seen) == ("answer", [1, 2, 3])


async def test_a_failure_that_is_not_retryable_is_raised_at_once() -> None:
    seen: list[int] = []

    async def attempt(number: int) -> str:
        seen.append(number)
        raise BadResponse("x", service=Service.NHN)

    with pytest.raises(BadResponse):
        await with_retries(
            attempt, service=Service.NHN, endpoint="business", max_attempts=5, backoff_base_s=0
        )
    assert seen == [1]


async def test_a_repaired_request_uses_up_no_attempt() -> None:
    seen: list[int] = []
    repaired: list[BotError] = []

    async def attempt(number: int) -> str:
        seen.append(number)
        if len(seen) == 1:
            raise BadResponse("stale token", service=Service.NHN, code=4010006)
        return "answer"

    async def repair(error: BotError) -> bool:
        repaired.append(error)
        return error.code == 4010006

    answer = await with_retries(
        attempt,
        service=Service.NHN,
        endpoint="business",
        max_attempts=1,
        backoff_base_s=0,
        repair=repair,
    )
    assert answer == "answer"
    assert seen == [1, 1]  # the repaired try is attempt 1 again
    assert len(repaired) == 1


async def test_the_deadline_ends_a_slow_attempt_with_a_timeout_naming_the_service() -> None:
    async def attempt(number: int) -> str:
        await asyncio.sleep(10)
        return "late"

    with pytest.raises(Timeout) as caught:
        await with_retries(
            attempt,
            service=Service.NHN,
            endpoint="business",
            max_attempts=3,
            backoff_base_s=0,
            deadline_s=0.05,
        )
    assert caught.value.service is Service.NHN
    assert caught.value.retryable


async def test_no_wait_runs_past_the_deadline() -> None:
    seen: list[int] = []

    async def attempt(number: int) -> str:
        seen.append(number)
        raise Unavailable("busy", service=Service.NHN, retry_after_s=60)

    with pytest.raises(Unavailable):
        await with_retries(
            attempt,
            service=Service.NHN,
            endpoint="business",
            max_attempts=3,
            backoff_base_s=0,
            deadline_s=5,
        )
    assert seen == [1]  # a 60 s Retry-After would end after the 5 s deadline


async def test_the_clients_load_no_certificates_of_their_own(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[ssl.SSLContext] = []

    def create_default_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        loads.append(made := create(*args, **kwargs))
        return made

    create = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", create_default_context)
    url, _ = tls_server

    async with http_client(timeout_s=5) as client:
        with pytest.raises(httpx.ConnectError):  # verified, and refused: a test's own CA
            await client.get(url)

    # aiohttp's context, loaded as it was imported, as the Slack Web API session's is.
    assert loads == []


@pytest.fixture
async def echo_server() -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A server on 127.0.0.1 that answers every request with a gzip-encoded JSON object
    of the request's headers, and keeps the requests it got."""
    got: list[web.Request] = []

    async def echo(request: web.Request) -> web.Response:
        got.append(request)
        body = json.dumps({"headers": [[k, v] for k, v in request.headers.items()]})
        return web.Response(
            body=gzip.compress(body.encode()),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", got
    finally:
        await runner.cleanup()


async def test_requests_over_aiohttp_carry_httpx_headers_once_and_answers_decode_once(
    echo_server: tuple[str, list[web.Request]],
) -> None:
    url, got = echo_server
    async with httpx.AsyncClient(transport=AiohttpTransport(max_connections=2)) as client:
        response = await client.post(
            f"{url}/x", headers={"X-Key": "k"}, files={"image": ("a.png", b"\x89PNG", "image/png")}
        )

    headers = [(name.lower(), value) for name, value in response.json()["headers"]]
    names = [name for name, _ in headers]
    assert len(names) == len(set(names))  # nothing added twice
    assert ("x-key", "k") in headers
    assert dict(headers)["user-agent"].startswith("python-httpx/")
    assert dict(headers)["content-type"].startswith("multipart/form-data; boundary=")
    [request] = got
    assert request.content_length == int(dict(headers)["content-length"])


async def test_a_server_that_is_not_there_is_an_httpx_connect_error() -> None:
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:9/")


async def test_a_server_slower_than_the_read_timeout_is_an_httpx_timeout() -> None:
    slow = web.Application()

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    slow.router.add_get("/", hang)
    runner = web.AppRunner(slow, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        port = runner.addresses[0][1]
        transport = AiohttpTransport()
        async with httpx.AsyncClient(transport=transport, timeout=0.2) as client:
            with pytest.raises(httpx.TimeoutException):
                await client.get(f"http://127.0.0.1:{port}/")
    finally:
        await runner.cleanup()


async def test_requests_go_through_the_proxy_the_environment_names(
    echo_server: tuple[str, list[web.Request]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, got = echo_server
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("http_proxy", proxy)

    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        response = await client.get("http://nhn.example.invalid/status")

    assert response.status_code == 200
    [request] = got  # the proxy got it, for the host the URL names
    assert request.headers["Host"] == "nhn.example.invalid"


# Streamed bodies


class BodyServer:
    """A server on 127.0.0.1 whose bodies come in parts: a test releases the rest, or the
    server stops when the client goes away. Records each request's client port."""

    def __init__(self) -> None:
        self.url = ""
        self.client_ports: list[int] = []
        self.release = asyncio.Event()  # lets /parts and /stall go on
        self.endless = EndlessBody()
        self.app = web.Application()
        self.app.router.add_get("/small", self._small)
        self.app.router.add_get("/parts", self._parts)
        self.app.router.add_get("/endless", self._endless)
        self.app.router.add_get("/cut", self._cut)
        self.app.router.add_get("/stall", self._stall)

    def _record(self, request: web.Request) -> None:
        assert request.transport is not None
        self.client_ports.append(request.transport.get_extra_info("peername")[1])

    async def _small(self, request: web.Request) -> web.Response:
        self._record(request)
        return web.Response(body=b"small")

    async def _parts(self, request: web.Request) -> web.StreamResponse:
        """Chunked: the first part, then the second once the test has read the first."""
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"first part")
        await self.release.wait()
        await response.write(b"second part")
        await response.write_eof()
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        self._record(request)
        return await self.endless.send(request)

    async def _cut(self, request: web.Request) -> web.StreamResponse:
        """A Content-Length of 1 MB, 100 kB of it, then the connection closed."""
        response = web.StreamResponse(headers={"Content-Length": str(1_000_000)})
        await response.prepare(request)
        await response.write(bytes(100_000))
        assert request.transport is not None
        request.transport.close()
        return response

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        """Part of a body, then nothing until the test ends."""
        response = web.StreamResponse(headers={"Content-Length": str(1_000_000)})
        await response.prepare(request)
        await response.write(bytes(1000))
        await self.release.wait()
        return response


@pytest.fixture
async def body_server() -> AsyncIterator[BodyServer]:
    server = BodyServer()
    runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        server.release.set()
        await runner.cleanup()


# Each wait on the server is bounded, so a transport that read bodies whole fails the test
# rather than hanging it.
WAIT_S = 10


async def test_a_streamed_body_arrives_part_by_part_as_the_server_sends_it(
    body_server: BodyServer,
) -> None:
    async with (
        httpx.AsyncClient(transport=AiohttpTransport()) as client,
        asyncio.timeout(WAIT_S),
        client.stream("GET", f"{body_server.url}/parts") as response,
    ):
        parts = response.aiter_raw()
        first = await anext(parts)
        body_server.release.set()  # the server sends the rest only now
        rest = b"".join([part async for part in parts])

    assert response.headers["Transfer-Encoding"] == "chunked"
    assert (first, rest) == (b"first part", b"second part")


async def test_a_body_read_whole_frees_its_connection_and_one_left_unread_is_dropped(
    body_server: BodyServer,
) -> None:
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        assert (await client.get(f"{body_server.url}/small")).content == b"small"
        async with client.stream("GET", f"{body_server.url}/endless") as response:
            received = 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > 2 * len(EndlessBody.BLOCK):
                    break
        assert await asyncio.to_thread(body_server.endless.stopped.wait, WAIT_S)
        assert (await client.get(f"{body_server.url}/small")).content == b"small"

    # The first request's connection served the next; the one whose body was left
    # mid-way was closed (the server's writes failed), never handed to another request.
    small, endless, after = body_server.client_ports
    assert endless == small
    assert after != endless
    assert not body_server.endless.completed
    assert body_server.endless.written < EndlessBody.SIZE


async def read_body(
    client: httpx.AsyncClient, url: str, *, streamed: bool, received: list[bytes]
) -> None:
    """The body at `url` into `received`: chunk by chunk, or whole by `client.get`."""
    if not streamed:
        received.append((await client.get(url)).content)
        return
    async with client.stream("GET", url) as response:
        async for chunk in response.aiter_bytes():
            received.append(chunk)


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_body_cut_short_of_its_length_is_an_httpx_read_error(
    body_server: BodyServer, streamed: bool
) -> None:
    received: list[bytes] = []
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ReadError):
            await read_body(client, f"{body_server.url}/cut", streamed=streamed, received=received)

    assert sum(map(len, received)) <= 100_000


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_body_that_stops_coming_is_an_httpx_read_timeout(
    body_server: BodyServer, streamed: bool
) -> None:
    received: list[bytes] = []
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await read_body(
                client, f"{body_server.url}/stall", streamed=streamed, received=received
            )

    # Streamed, the part the server sent came in before the timeout.
    assert b"".join(received) == (bytes(1000) if streamed else b"")


# TLS


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """A server on https://127.0.0.1 with a self-signed certificate, and that certificate's
    file (a CA only a test trusts)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certificate_file = tmp_path / "certificate.pem"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificate_file, key_file)

    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=b"hello")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context).start()
    try:
        yield f"https://127.0.0.1:{runner.addresses[0][1]}/", certificate_file
    finally:
        await runner.cleanup()


async def test_a_server_whose_certificate_is_not_trusted_is_refused(
    tls_server: tuple[str, Path],
) -> None:
    url, _ = tls_server
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


async def test_an_operators_ssl_cert_file_is_trusted_as_the_process_starts(
    tls_server: tuple[str, Path],
) -> None:
    # The system's CAs, or SSL_CERT_FILE's, are loaded once as aiohttp is imported (the
    # Slack Web API session verifies Slack with the same context): so in a new process.
    url, certificate_file = tls_server
    fetch = (
        "import asyncio, httpx, sys\n"
        "from bot.http import AiohttpTransport\n"
        "async def fetch():\n"
        "    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:\n"
        "        return (await client.get(sys.argv[1])).content\n"
        "sys.stdout.write(asyncio.run(fetch()).decode())\n"
    )
    trusting = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        fetch,
        url,
        env={**os.environ, "SSL_CERT_FILE": str(certificate_file)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(trusting.communicate(), 30)

    assert trusting.returncode == 0, err.decode()
    assert out == b"hello"
