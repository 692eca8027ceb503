"""The fakes' servers: each listens on 127.0.0.1 from a background thread.

`BackgroundServer` runs an aiohttp application on its own event loop: it serves an app
under test in the test's event loop, in a subprocess or in a benchmark alike, and many
concurrent requests cost no threads. `ThreadedServer` and `KeepAliveHandler` are the
stdlib server of the NHN and NTS fakes, a thread per connection; `expect_violations`
is how a test of either provokes a breach of its contract on purpose.
"""

import asyncio
import socket
import struct
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")

# Requests waiting in the kernel queue before accept(); benchmarks open hundreds at once.
LISTEN_BACKLOG = 1024
# Uploads through files_upload_v2 carry whole documents; aiohttp's default cap is 1 MiB.
MAX_REQUEST_BYTES = 100 * 1024 * 1024
# Requests still in flight when a test ends are cut off after this long.
SHUTDOWN_TIMEOUT_S = 1.0
START_TIMEOUT_S = 10.0


class BackgroundServer:
    """An aiohttp application listening on `host` at a free port until `stop()`."""

    def __init__(self, app: web.Application, *, host: str = "127.0.0.1") -> None:
        self._app = app
        self._host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """`http://host:port`, without a trailing slash."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self._host, 0))
        self.port = listener.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"fake-server-{self._host}", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(listener), self._loop).result(START_TIMEOUT_S)

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._loop, self._thread, self._runner = None, None, None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the server's own loop (from any other thread) and wait for it."""
        if self._loop is None:
            raise RuntimeError("the server is not started")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_TIMEOUT_S)

    async def _serve(self, listener: socket.socket) -> None:
        self._runner = web.AppRunner(
            self._app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await self._runner.setup()
        await web.SockSite(self._runner, listener, backlog=LISTEN_BACKLOG).start()


def new_application() -> web.Application:
    return web.Application(client_max_size=MAX_REQUEST_BYTES)


def reset_connection(request: web.Request) -> None:
    """Drop the client's connection with a TCP reset, as a failing load balancer does."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    # Linger on with a zero timeout makes close() send RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class ThreadedServer(ThreadingHTTPServer):
    """A stdlib HTTP server on 127.0.0.1 at a free port, a thread per connection."""

    daemon_threads = True
    request_queue_size = 512  # a benchmark opens hundreds of connections at once

    def __init__(self, handler: type["KeepAliveHandler"]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self._connections_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        """`http://host:port`, without a trailing slash."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:  # idle keep-alive connections block a thread each
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join()

    def _opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)


class KeepAliveHandler(BaseHTTPRequestHandler):
    """A handler that keeps connections alive, as the clients pool them, and stays quiet."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: ThreadedServer

    def setup(self) -> None:
        super().setup()
        self.server._opened(self.connection)

    def finish(self) -> None:
        self.server._closed(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the fake's `requests` instead."""


@contextmanager
def expect_violations(
    violations: list[str], lock: threading.Lock, service: str
) -> Iterator[list[str]]:
    """Collect the `violations` recorded inside the block; fail if there were none."""
    seen: list[str] = []
    with lock:
        start = len(violations)
    yield seen
    with lock:
        seen.extend(violations[start:])
        del violations[start:]
    if not seen:
        raise AssertionError(
            f"expected a breach of the {service} contract, but every request was valid"
        )
