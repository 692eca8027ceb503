"""One scenario's world: the fake Slack and the fake NHN in this process, the real bot in
another, and a sender of signed requests.

The bot runs as its own process (`ocrbot run --http`, through the tests' `BotProcess`)
so that its CPU time and memory can be read apart from the fakes' and the sender's.
"""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.naive import NaiveBotProcess
from bench.procfs import Usage, usage
from bot.store import upgrade
from fakes.bot_process import BotProcess, compile_bytecode, fakes_env
from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import SlackRequestSender

EVENTS_PATH = "/slack/events"
POLL_S = 0.02


@dataclass(frozen=True)
class BenchSettings:
    """The fakes' latencies and the bot settings the benchmark runs with."""

    ocr_latency_s: float = 0.7
    slack_latency_s: float = 0.05
    ocr_concurrency: int = 8
    status_rate_per_s: float = 20.0
    bot_env: dict[str, str] = field(default_factory=dict)  # any further settings, e.g. JOB_*

    def env(self) -> dict[str, str]:
        return {
            "OCR_CONCURRENCY": str(self.ocr_concurrency),
            "STATUS_RATE_PER_S": str(self.status_rate_per_s),
            **self.bot_env,
        }


@dataclass
class Harness:
    slack: FakeSlack
    nhn: NhnFake
    send: SlackRequestSender
    bot: BotProcess
    spawn_s: float  # from starting the process to its first answer

    def usage(self) -> Usage:
        return usage(self.bot.pid)

    def log(self) -> str:
        return self.bot.output()


@asynccontextmanager
async def harness(
    settings: BenchSettings, log: Path, *, naive: bool = False
) -> AsyncIterator[Harness]:
    """Fresh fakes, a fresh bot process on a fresh SQLite database (migrated before the
    process starts), ready for traffic; with `naive`, the baseline of bench/naive_bot.py
    instead of the bot."""
    signing_secret = secrets.token_hex(16)
    nhn = NhnFake().start()
    nhn.latency_s = settings.ocr_latency_s
    slack = FakeSlack()
    slack.start()
    slack.set_latency(settings.slack_latency_s)
    database_url = f"sqlite:///{log.with_suffix('.db')}"
    env = {**fakes_env(slack, nhn, database_url, signing_secret), **settings.env()}
    bot = (NaiveBotProcess if naive else BotProcess)(env, log)
    try:
        if not naive:
            # As for every process that joins a deployment, the schema is there already: a
            # release step (`ocrbot db upgrade`) or the first process migrated it. A process
            # that migrates a new database imports Alembic too (some 9 MB and 0.2 s).
            await upgrade(database_url)
            # As `pip install` leaves an installed bot: compiled before its start is timed.
            compile_bytecode()
        spawned = time.perf_counter()
        await asyncio.to_thread(bot.start)
        spawn_s = time.perf_counter() - spawned
        async with SlackRequestSender(
            bot.url + EVENTS_PATH, signing_secret, response_urls=slack.response_url
        ) as sender:
            running = Harness(slack, nhn, sender, bot, spawn_s)
            await _warm_up(running)
            yield running
    finally:
        await asyncio.to_thread(bot.stop)
        slack.stop()
        nhn.stop()
    problems = nhn.violations + slack.violations
    if problems:
        raise RuntimeError("the bot broke the fakes' contracts:\n" + "\n".join(problems))


async def _warm_up(running: Harness) -> None:
    """One plain message first, as a running bot has had: Bolt checks the token with
    auth.test on the first request and keeps the answer."""
    message = {
        "type": "message",
        "channel": "C_WARM_UP",
        "user": "U_WARM_UP",
        "text": "hello",
        "ts": f"{time.time():.6f}",
        "channel_type": "channel",
    }
    response = await running.send.event(message)
    if response.status_code != 200:
        raise RuntimeError(f"the bot answered the warm-up event with {response.status_code}")


Send = Callable[[], Awaitable[httpx.Response]]


# What Slack allows for an answer: a request whose connection fails is, to Slack, one
# that missed it.
FAILED_DELIVERY_ACK_S = 3.0
_DELIVERY_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Delivery:
    status: int  # 0: no HTTP answer at all
    ack_s: float  # from sending the request to the bot's HTTP answer
    resent: bool = False  # the connection failed and the request was sent again

    @property
    def missed(self) -> bool:
        """Slack would have given up on it: no answer, or none within its 3 s."""
        return self.status == 0 or self.resent or self.ack_s >= FAILED_DELIVERY_ACK_S


async def burst(sends: Sequence[Send], window_s: float, *, resend: bool = True) -> list[Delivery]:
    """Start the requests evenly spread over `window_s`, each on its own connection slot,
    and time each one's answer.

    A request whose connection fails is sent again when `resend` (Slack retries events;
    it never retries a slash command) and counted as answered at Slack's limit; one that
    gets no answer at all is a Delivery with status 0.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    spacing = window_s / len(sends) if sends else 0.0
    attempts = _DELIVERY_ATTEMPTS if resend else 1

    async def one(index: int, send: Send) -> Delivery:
        await asyncio.sleep(max(0.0, start + index * spacing - loop.time()))
        sent = time.perf_counter()
        for attempt in range(attempts):
            try:
                response = await send()
            except httpx.TransportError:
                # The naive baseline's server (Bolt's development server, a listen backlog
                # of five) resets connections in a burst on a busy machine, and times out
                # requests queued behind its busy executor.
                continue
            if attempt:
                return Delivery(response.status_code, FAILED_DELIVERY_ACK_S, resent=True)
            return Delivery(response.status_code, time.perf_counter() - sent)
        return Delivery(0, FAILED_DELIVERY_ACK_S, resent=attempts > 1)

    return list(await asyncio.gather(*(one(i, send) for i, send in enumerate(sends))))


async def until(condition: Callable[[], bool], *, timeout_s: float, what: str) -> float:
    """Wait for `condition`; the perf_counter time it first held (to within POLL_S)."""
    held = await until_or_none(condition, timeout_s=timeout_s)
    if held is None:
        raise TimeoutError(f"timed out after {timeout_s:g} s waiting for {what}")
    return held


async def until_or_none(condition: Callable[[], bool], *, timeout_s: float) -> float | None:
    """Like `until`, for what may never happen (the baseline's answers): None after
    `timeout_s`."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return None
        await asyncio.sleep(POLL_S)
    return time.perf_counter()
