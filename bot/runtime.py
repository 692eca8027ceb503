"""Running the bot: Socket Mode (the default) or HTTP mode, plus the job worker and the
watchlist scheduler.

`BotRuntime` is what `ocrbot run` starts and what the end-to-end tests start, so the
tests exercise the same wiring as production.
"""

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot import cli_messages as say
from bot import metrics
from bot.app import create_app
from bot.config import ConfigError, Settings
from bot.receiver import MainLoop, Receiver, ReceiverFailed
from bot.services.container import Services, utc_now
from bot.slack.listener_tasks import ListenerTasks
from bot.slack.requests import RecentSignatures, ReplayGuard
from bot.socket_mode import SocketModeReceiver
from bot.startup import check_credentials, check_database
from bot.web import SlackEndpoint, create_web_app

log = logging.getLogger(__name__)

# /ready answers a load balancer's probe within its own timeout, database or not.
READY_DATABASE_TIMEOUT_S = 2.0
# /health (liveness) fails when the main loop has not run a turn in this long.
MAIN_LOOP_ANSWER_TIMEOUT_S = 5.0
# How long a thread holds the GIL while another waits for it (Python's default is 5 ms).
# The receiver waits for it a few times per request while the main loop is busy: in a
# burst of 200 uploads its ack p99 was 118 ms at 5 ms and 7 ms at 1 ms, for the same CPU
# per upload (37.6 and 35.1 ms; bench scenario 1, load average 2).
GIL_SWITCH_INTERVAL_S = 0.001


class BotRuntime:
    """The services, the Bolt app, a transport (HTTP or Socket Mode), the job worker and
    the watchlist scheduler.

    HTTP mode serves Slack, /health, /ready and /metrics on `port`; Socket Mode serves
    /health, /ready and /metrics on `port` only when one is given. The transport runs on
    a receiver of its own (bot.receiver), so that Slack's acknowledgements never wait
    behind the work on this loop.

    Stopping (leaving the `async with`, or cancelling its start) takes at most
    SHUTDOWN_GRACE_S: Slack's requests stop coming first; then the requests already
    received are dispatched, and running analyses, listeners that have answered Slack and
    a watchlist pass under way may end; what still runs after the grace is cancelled, and
    its jobs and watches go to another process when their lease runs out, as after a crash.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http: bool,
        host: str = "0.0.0.0",  # noqa: S104 - a server behind a load balancer listens on all
        port: int | None = 3000,
        checks: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        settings.check_run(http=http)  # every missing setting at once, not one half
        self.settings = settings
        self._checks = checks
        self._http, self._host, self._port = http, host, port
        self._services: Services | None = None
        self._listeners: ListenerTasks | None = None
        self._receiver: Receiver | None = None
        self._main: MainLoop | None = None
        self._runner: web.AppRunner | None = None
        self._socket: SocketModeReceiver | None = None
        self._worker: asyncio.Task[None] | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._replays: ReplayGuard | None = None
        self.url = ""

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the runtime has not started")
        return self._services

    async def __aenter__(self) -> Self:
        try:
            await self._start()
        except BaseException:  # a failed or cancelled start leaves nothing open behind
            await self._stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def serving(self) -> None:
        """Wait while the bot serves; raise ReceiverFailed if its receiver fails, so that
        the process ends rather than live on deaf to Slack."""
        if self._receiver is None:
            raise RuntimeError("the runtime has not started")
        await self._receiver.failure()

    async def _start(self) -> None:
        self._services = await self._start_services()
        self.app = create_app(self._services)
        self._listeners = ListenerTasks.track(self.app)
        main = self._main = MainLoop(asyncio.get_running_loop())
        receiver = self._receiver = Receiver()
        receiver.start()
        if self._http or self._port is not None:
            slack = None
            if self._http:
                self._replays = ReplayGuard(self._services.store.seen_requests)
                secret = self.settings.slack_signing_secret
                slack = SlackEndpoint(
                    secret.get_secret_value() if secret else "",
                    RecentSignatures(),
                    main,
                    self._replays,
                    self.app,
                )
            web_app = create_web_app(
                slack, health=self.health, ready=self.readiness, measure=self._measure_backlog
            )
            self.url = await receiver.run(self._serve_http(web_app))
            served = "Slack requests" if self._http else "/health, /ready and /metrics"
            log.info("Serving %s at %s", served, self.url)
        if not self._http:
            self._socket = SocketModeReceiver(self.settings, self.app, main)
            await receiver.run(self._socket.connect())
            log.info("Connected to Slack in Socket Mode")
        self._worker = asyncio.create_task(self._work())
        self._scheduler = asyncio.create_task(self._recheck_watches())

    async def _serve_http(self, web_app: web.Application) -> str:
        """On the receiver's loop: start the HTTP server; its URL."""
        self._runner = web.AppRunner(
            web_app,
            # A line per request is the load balancer's job; here it cost a few per cent
            # of the CPU under a burst of Slack requests.
            access_log=None,
            shutdown_timeout=self.settings.shutdown_grace_s,
        )
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
        except OSError as error:  # in use, or a privileged port: the operator's to choose
            reason = os.strerror(error.errno) if error.errno else type(error).__name__
            where = f"{self._host}:{self._port}"
            raise ConfigError(say.cannot_listen(where, reason)) from None
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def _start_services(self) -> Services:
        """The services, opened (the schema migrated) while the start-up checks wait on the
        network, where one after the other took the sum of both; nothing serves Slack
        before the checks pass."""
        if self._checks is None:
            return await Services.start(self.settings)
        checks = asyncio.ensure_future(self._checks())
        try:
            services = await Services.start(self.settings)
        except BaseException:
            await _cancelled(checks)
            raise
        try:
            await checks
        except BaseException:
            await services.aclose()
            raise
        return services

    async def _stop(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.shutdown_grace_s

        def left() -> float:
            return max(deadline - loop.time(), 0.0)

        self._stopping.set()  # no new watchlist pass, and no new job, from here on
        if self._worker is not None:
            await _cancelled(self._worker)
        # Slack's requests stop first: nothing new starts while the rest ends.
        if self._receiver is not None:
            await self._stop_receiving(self._receiver)
        if self._main is not None and (cancelled := await self._main.finish(left())):
            log.warning("%d Slack request(s) not yet dispatched at shutdown; cancelled", cancelled)
        services = self._services
        if services is not None:
            # Running analyses, answered listeners and a watchlist pass have been paid for
            # or promised to someone: they may end, before the store closes under them.
            await asyncio.gather(
                services.jobs.stop(grace_s=left()),
                self._let_scheduler_finish(left()),
                self._let_listeners_finish(left()),
            )
        if self._replays is not None:
            await self._replays.aclose(grace_s=left())
        if services is not None:
            await services.aclose()

    async def _stop_receiving(self, receiver: Receiver) -> None:
        """Close the transports on the receiver's loop (the HTTP server lets the requests
        it has finish, within the grace), then end that loop and its thread."""
        with contextlib.suppress(ReceiverFailed):  # its loop is gone, and the transports
            if self._socket is not None:
                await receiver.run(self._socket.close())
            if self._runner is not None:
                await receiver.run(self._runner.cleanup())
        await receiver.stop()

    async def health(self) -> dict[str, Any]:
        """Liveness, on the receiver's loop: the main loop answers (runs a turn) in time."""
        try:
            async with asyncio.timeout(MAIN_LOOP_ANSWER_TIMEOUT_S):
                await self._main_loop().run(asyncio.sleep(0))
        except TimeoutError:
            log.warning("Health: the main loop did not answer in %g s", MAIN_LOOP_ANSWER_TIMEOUT_S)
            answers = False
        else:
            answers = True
        return {"ok": answers, "mode": "http" if self._http else "socket"}

    async def readiness(self) -> dict[str, Any]:
        """Whether the process can work, on the receiver's loop: Slack reachable (the
        socket connected, in Socket Mode), the database answering (asked on the main
        loop), and how many upload jobs wait to start."""
        slack: dict[str, Any] = {"ok": not self._stopping.is_set()}
        if self._socket is not None:
            # slack_sdk reconnects by itself; until it has, the process is not serving Slack.
            connected = await self._socket.is_connected()
            slack.update(ok=slack["ok"] and connected, socket_connected=connected)
        database: dict[str, Any]
        jobs: dict[str, Any]
        try:
            reading = self.services.store.job_backlog(now=utc_now())
            async with asyncio.timeout(READY_DATABASE_TIMEOUT_S):
                backlog, _ = await self._main_loop().run(reading)
        except Exception as error:  # whatever it is, the database cannot serve
            log.warning("Readiness: the database did not answer: %s", type(error).__name__)
            database, jobs = {"ok": False}, {"backlog": None}
        else:
            database, jobs = {"ok": True}, {"backlog": backlog}
        return {
            "ok": slack["ok"] and database["ok"],
            "mode": "http" if self._http else "socket",
            "slack": slack,
            "database": database,
            "jobs": jobs,
        }

    def _main_loop(self) -> MainLoop:
        if self._main is None:
            raise RuntimeError("the runtime has not started")
        return self._main

    async def _measure_backlog(self) -> None:
        """On the receiver's loop: read the backlog on the main loop, for /metrics."""
        now = utc_now()
        try:
            count, oldest = await self._main_loop().run(self.services.store.job_backlog(now=now))
        except (SQLAlchemyError, OSError):
            log.warning("Could not read the job backlog for /metrics", exc_info=True)
            metrics.backlog_unknown()
            return
        metrics.job_backlog(count, oldest, now=now)

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

    async def _let_listeners_finish(self, grace_s: float) -> None:
        """Listeners that have acknowledged Slack end within `grace_s`, or are cancelled
        (their user got the acknowledgement, perhaps not the answer)."""
        if self._listeners is not None and (cancelled := await self._listeners.finish(grace_s)):
            log.warning("%d Slack listener(s) still running at shutdown; cancelled", cancelled)


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def run_until_stopped(settings: Settings, *, http: bool, host: str, port: int | None) -> None:
    """Check the settings, serve until SIGTERM or SIGINT, then stop within the grace.

    A signal stops the process whatever it is doing: checking the credentials,
    connecting (or failing to, again and again), or serving. A receiver that fails stops
    it too, with its error (bot.receiver). The process hands the GIL over sooner than
    Python's default, so that the receiver gets it while the main loop is busy.
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = BotRuntime(
        settings,
        http=http,
        host=host,
        port=port,
        checks=lambda: check_credentials(settings, http=http),
    )
    # The database alone first: on a new SQLite file, its check's connection could find
    # the store's migration holding the lock it needs to turn on WAL.
    if await _unless_stopped(check_database(settings), stop) and await _unless_stopped(
        runtime.__aenter__(), stop
    ):
        try:
            await _unless_stopped(runtime.serving(), stop)
        finally:
            await runtime.__aexit__(None, None, None)
    else:
        log.info("Stopping before the bot started")
    log.info("Stopped")


async def _unless_stopped(work: Awaitable[object], stop: asyncio.Event) -> bool:
    """Run `work` to its end, unless `stop` is set first: then cancel it. Whether it ended
    (its exception, if any, is raised)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return not task.cancelled()
