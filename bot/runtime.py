"""Running the bot: Socket Mode (the default) or HTTP mode, plus the job worker and the
watchlist scheduler.

`BotRuntime` is what `ocrbot run` starts and what the end-to-end tests start, so the
tests exercise the same wiring as production.
"""

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.app import Services, create_app, utc_now
from bot.config import ConfigError, Settings
from bot.slack.requests import ReplayGuard, read_request, signature_problem

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SHUTDOWN_GRACE_S = 10.0  # running analyses may finish; others resume elsewhere by lease


@dataclass(frozen=True)
class SlackEndpoint:
    """What POST /slack/events needs: the Bolt app, the signing secret and the replay guard."""

    bolt: AsyncApp
    signing_secret: str
    replays: ReplayGuard


def create_web_app(
    slack: SlackEndpoint | None, health: Callable[[], Awaitable[dict[str, Any]]]
) -> web.Application:
    """GET /health always; POST /slack/events when Slack sends requests over HTTP.

    A request Slack did not sign (lately) gets 401, a signed body that is not one Slack
    sends 400, a replay of a request already taken in 200 and nothing done; each with one
    log line that holds nothing of the request. Only then does Bolt read it.
    """

    async def health_check(_: web.Request) -> web.Response:
        report = await health()
        return web.json_response(report, status=200 if report["ok"] else 503)

    web_app = web.Application()
    web_app.add_routes([web.get("/health", health_check)])
    if slack is not None:
        endpoint = slack

        async def events(request: web.Request) -> web.Response:
            body = await request.read()
            timestamp = request.headers.get("X-Slack-Request-Timestamp")
            signature = request.headers.get("X-Slack-Signature")
            problem = signature_problem(
                endpoint.signing_secret, body, timestamp, signature, now=time.time()
            )
            # (A missing header is a problem too; the None tests are for the type checker.)
            if problem is not None or timestamp is None or signature is None:
                log.warning("Refused a request to %s: %s", EVENTS_PATH, problem)
                return web.json_response({"error": "invalid request"}, status=401)
            bolt_request = read_request(body, query=request.query_string, headers=request.headers)
            if bolt_request is None:
                log.warning("Refused a signed request to %s: not a body Slack sends", EVENTS_PATH)
                return web.json_response({"error": "malformed request"}, status=400)
            if not await endpoint.replays.first_time(signature, int(timestamp)):
                log.warning("Ignored a replayed request to %s", EVENTS_PATH)
                return web.Response(status=200)
            response = await endpoint.bolt.async_dispatch(bolt_request)
            return await to_aiohttp_response(response)

        web_app.add_routes([web.post(EVENTS_PATH, events)])
    return web_app


class BotRuntime:
    """The services, the Bolt app, a transport (HTTP or Socket Mode), the job worker and
    the watchlist scheduler.

    HTTP mode serves Slack and /health on `port`; Socket Mode serves /health on `port`
    only when one is given, reporting whether the socket is connected.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: bool,
        host: str = "0.0.0.0",  # noqa: S104 - a server behind a load balancer listens on all
        port: int | None = 3000,
    ) -> None:
        settings.check_run(http=http)  # every missing setting at once, not one half
        self.settings = settings
        self._http, self._host, self._port = http, host, port
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._worker: asyncio.Task[None] | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._replays: ReplayGuard | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        self.services = await Services.start(self.settings)
        self.app = create_app(self.services)
        if self._http or self._port is not None:
            slack = None
            if self._http:
                self._replays = ReplayGuard(self.services.store.seen_requests)
                secret = self.settings.slack_signing_secret
                slack = SlackEndpoint(
                    self.app, secret.get_secret_value() if secret else "", self._replays
                )
            self._runner = web.AppRunner(
                create_web_app(slack, self.health),
                # A line per request is the load balancer's job; here it cost a few per
                # cent of the CPU under a burst of Slack requests.
                access_log=None,
            )
            await self._runner.setup()
            await web.TCPSite(self._runner, self._host, self._port).start()
            host, port = self._runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
            log.info("Serving %s at %s", "Slack requests" if self._http else "/health", self.url)
        if not self._http:
            token = self.settings.slack_app_token
            if token is None:  # check_run already refused this; the test narrows the type
                raise ConfigError("SLACK_APP_TOKEN is not set")
            self._socket = AsyncSocketModeHandler(
                self.app,
                token.get_secret_value(),
                ping_interval=self.settings.socket_ping_interval_s,
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Connected to Slack in Socket Mode")
        self._worker = asyncio.create_task(self._work())
        self._scheduler = asyncio.create_task(self._recheck_watches())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()  # no new watchlist pass, and no new job, from here on
        if self._worker is not None:
            await _cancelled(self._worker)
        # Running analyses and a watchlist pass under way have been paid for: they may end.
        await asyncio.gather(
            self.services.jobs.stop(grace_s=SHUTDOWN_GRACE_S),
            self._let_scheduler_finish(SHUTDOWN_GRACE_S),
        )
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        if self._replays is not None:
            await self._replays.aclose(grace_s=SHUTDOWN_GRACE_S)
        await self.services.aclose()

    async def health(self) -> dict[str, Any]:
        report: dict[str, Any] = {"ok": True, "mode": "http" if self._http else "socket"}
        if self._socket is not None:
            # slack_sdk reconnects by itself; until it has, the process is not serving Slack.
            connected = await self._socket.client.is_connected()
            report.update(ok=connected, socket_connected=connected)
        return report

    async def _work(self) -> None:
        """Start due jobs and jobs whose worker died: at start-up, whenever a slot frees,
        and every JOB_POLL_INTERVAL (for jobs other processes recorded)."""
        jobs = self.services.jobs
        interval = self.settings.job_poll_interval.total_seconds()
        while True:
            try:
                started = await jobs.start_due()
            except Exception:
                log.exception("Job worker pass failed; trying again later")
                started = 0
            if not started:
                await jobs.wait_for_slot(interval)

    async def _recheck_watches(self) -> None:
        """A watchlist pass every WATCH_POLL_INTERVAL, and at once again after a full batch,
        until the runtime stops."""
        interval = self.settings.watch_poll_interval.total_seconds()
        batch = self.settings.watch_batch
        while not self._stopping.is_set():
            try:
                done = await self.services.watchlist.recheck_due(now=utc_now(), limit=batch)
                full = done.claimed == batch
            except Exception:
                log.exception("Watchlist pass failed; trying again later")
                full = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0 if full else interval):
                    await self._stopping.wait()

    async def _let_scheduler_finish(self, grace_s: float) -> None:
        """The pass under way ends within `grace_s`, or is cancelled: its watches then stay
        claimed until WATCH_LEASE runs out, and another process re-checks them."""
        if self._scheduler is None:
            return
        _, pending = await asyncio.wait([self._scheduler], timeout=grace_s)
        if pending:
            log.warning("A watchlist pass was still running at shutdown; cancelled")
            await _cancelled(self._scheduler)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def run_until_stopped(settings: Settings, *, http: bool, host: str, port: int | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with BotRuntime(settings, http=http, host=host, port=port):
        await stop.wait()
    log.info("Stopped")
