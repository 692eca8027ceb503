"""Business status lookups: one interface over NHN and the NTS, a cache, a history, a rate.

Every answer a provider gives is recorded in the store's status history; a number
checked within STATUS_CACHE_TTL is answered from there (`cached=True`, with the time
of that check) without another call, unless the caller asks for a fresh one.
"""

import asyncio
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, Self

from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.config import Settings, StatusProviderName
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import BadResponse, BotError, MalformedBusinessNumber, Service
from bot.nts import MAX_NUMBERS_PER_CALL, NtsClient
from bot.ocr import OcrClient
from bot.store.rates import RateSlots
from bot.store.statuses import StatusHistory

log = logging.getLogger(__name__)

Progress = Callable[[int, int], Awaitable[None]]
ProviderAnswer = BusinessStatus | BotError  # one number's, from a StatusProvider

# Provider calls one `check_many` runs at once. A bulk check thus holds only a few
# places in the rate limiter's queue, and a person's lookup is not kept waiting behind it.
CALLS_IN_FLIGHT_PER_LOOKUP = 4
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RateLimiter:
    """Spaces calls evenly, at most `rate_per_s` a second, across every caller.

    A caller reserves the next free slot at once (nothing is awaited in between,
    so two callers never get the same slot), then sleeps until that slot comes.
    """

    def __init__(
        self,
        rate_per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("the rate must be positive")
        self._interval = 1 / rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._next_slot = float("-inf")

    async def acquire(self) -> None:
        now = self._clock()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)


class CallRate(Protocol):
    async def acquire(self) -> None:
        """Return when the next call may be made."""
        ...


class SharedRateLimiter:
    """The rate of `RateLimiter`, held by every process on one PostgreSQL database together.

    Should the database not answer, calls are spaced by this process alone meanwhile:
    a lookup is not refused for want of a slot.
    """

    def __init__(
        self,
        slots: RateSlots,
        name: str,
        rate_per_s: float,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._slots, self._name = slots, name
        self._interval = 1 / rate_per_s
        self._sleep = sleep
        self._alone = RateLimiter(rate_per_s, sleep=sleep)

    async def acquire(self) -> None:
        try:
            wait = await self._slots.take(self._name, self._interval)
        except (SQLAlchemyError, OSError):
            log.warning("Shared call rate unavailable; spacing this process's calls alone")
            await self._alone.acquire()
            return
        if wait > 0:
            await self._sleep(wait)


class StatusProvider(Protocol):
    """Where statuses come from. `name` is what the history records (at most 8 characters)."""

    name: str
    batch_size: int  # numbers one `check` call may take

    async def check(self, numbers: Sequence[str]) -> dict[str, ProviderAnswer]:
        """An answer for every number: its status, or the error that kept it from one."""
        ...

    async def aclose(self) -> None: ...


class NhnStatusProvider:
    """NHN Cloud's business/status: one number per call, each call billed."""

    name = StatusProviderName.NHN.value
    batch_size = 1

    def __init__(self, ocr: OcrClient) -> None:
        self._ocr = ocr

    async def check(self, numbers: Sequence[str]) -> dict[str, ProviderAnswer]:
        answers: dict[str, ProviderAnswer] = {}
        for number in numbers:
            try:
                result = await self._ocr.business_status(number)
            except BotError as error:
                answers[number] = error
            else:
                answers[number] = BusinessStatus.from_code(result.status_code)
        return answers

    async def aclose(self) -> None:
        """Nothing to close: the OCR client also reads documents, and its opener closes it."""


class NtsStatusProvider:
    """The National Tax Service's free API: up to 100 numbers per call."""

    name = StatusProviderName.NTS.value
    batch_size = MAX_NUMBERS_PER_CALL

    def __init__(self, client: NtsClient) -> None:
        self._client = client

    async def check(self, numbers: Sequence[str]) -> dict[str, ProviderAnswer]:
        try:
            items = await self._client.status(numbers)
        except BotError as error:
            return dict.fromkeys(numbers, error)
        answers: dict[str, ProviderAnswer] = {}
        for number in numbers:
            item = items.get(number)
            answers[number] = (
                item.status
                if item is not None
                else BadResponse(
                    "status: the answer left out a number asked about", service=Service.NTS
                )
            )
        return answers

    async def aclose(self) -> None:
        await self._client.aclose()


def provider_for(settings: Settings, ocr: OcrClient) -> StatusProvider:
    """The provider STATUS_PROVIDER names; raises ConfigError when it lacks its key."""
    if settings.check_status_provider() is StatusProviderName.NTS:
        return NtsStatusProvider(NtsClient(settings))
    return NhnStatusProvider(ocr)


class StatusService:
    """Looks businesses up through one provider, within its rate, cached in the store.

    Without a `history` (a process with no store, like the CLI) nothing is cached
    or recorded: every lookup asks the provider.
    """

    def __init__(
        self,
        provider: StatusProvider,
        history: StatusHistory | None,
        *,
        cache_ttl: timedelta,
        limiter: CallRate,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._provider = provider
        self._history = history
        self._cache_ttl = cache_ttl
        self._limiter = limiter
        self._clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        ocr: OcrClient,
        history: StatusHistory | None,
        rate_slots: RateSlots | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> Self:
        """The provider, cache lifetime and rate the settings choose; ConfigError if incomplete.

        With `rate_slots` (a PostgreSQL store) the rate holds for every process together.
        """
        provider = provider_for(settings, ocr)
        rate = settings.status_rate_per_s
        limiter: CallRate = (
            RateLimiter(rate)
            if rate_slots is None
            else SharedRateLimiter(rate_slots, provider.name, rate)
        )
        return cls(
            provider, history, cache_ttl=settings.status_cache_ttl, limiter=limiter, clock=clock
        )

    @property
    def provider_name(self) -> str:
        return self._provider.name

    async def aclose(self) -> None:
        await self._provider.aclose()

    async def check(self, number: str, *, fresh: bool = False) -> StatusCheck:
        """One number's status; raises the BotError that kept it from one.

        `fresh=True` asks the provider even when a recent answer is cached.
        """
        result = (await self.check_many([number], fresh=fresh))[number]
        if isinstance(result, BotError):
            raise result
        return result

    async def record(self, number: str, status: BusinessStatus) -> StatusCheck:
        """An answer the provider gave through another call (the status part of NTS's
        `/validate`), recorded like one of its own so the cache and history know it."""
        checked_at = self._clock()
        check = StatusCheck(number=number, status=status, checked_at=checked_at)
        await self._record({number: check}, checked_at)
        return check

    async def check_many(
        self,
        numbers: Sequence[str],
        *,
        fresh: bool = False,
        progress: Progress | None = None,
    ) -> dict[str, StatusCheck | BotError]:
        """Each distinct number's status or error, in input order; never raises for one number.

        Numbers are ten ASCII digits. `progress(done, total)` is awaited once the cache
        has answered and after each provider call, in order; it counts distinct numbers.
        A failing `progress` is logged, and the lookups go on.
        """
        results: dict[str, StatusCheck | BotError] = {}
        for number in numbers:
            if number not in results and not _TEN_DIGITS.fullmatch(number):
                results[number] = MalformedBusinessNumber("status: not ten ASCII digits")
        wanted = [n for n in dict.fromkeys(numbers) if n not in results]
        if not fresh:
            results.update(await self._cached(wanted))
        todo = [n for n in wanted if n not in results]
        metrics.status_lookups(self._provider.name, cached=len(wanted) - len(todo), asked=len(todo))
        order = list(dict.fromkeys(numbers))
        tracker = _ProgressTracker(progress, done=len(results), total=len(order))
        await tracker.report()
        batches = _batches(todo, self._provider.batch_size)

        async def call_in_turn() -> None:
            for batch in batches:  # one iterator shared by every worker: each batch runs once
                await self._limiter.acquire()
                results.update(await self._ask(batch))
                await tracker.advance(len(batch))

        workers = min(CALLS_IN_FLIGHT_PER_LOOKUP, math.ceil(len(todo) / self._provider.batch_size))
        await asyncio.gather(*(call_in_turn() for _ in range(workers)))
        return {number: results[number] for number in order}

    async def last_known(self, numbers: Sequence[str]) -> dict[str, StatusCheck]:
        """The last answer a provider gave for each number the store has one for, however
        old (`checked_at` says when); without a store, or when it fails, none.

        What the bot itself recorded, for a message that must not rest on a status
        anyone else supplied (the Share button's value).
        """
        if self._history is None or not numbers:
            return {}
        try:
            rows = await self._history.latest_many(numbers, since=None)
        except (SQLAlchemyError, OSError):
            log.exception("Could not read the status history")
            return {}
        return _from_history(rows)

    async def _cached(self, numbers: Sequence[str]) -> dict[str, StatusCheck]:
        if self._history is None or not numbers or self._cache_ttl <= timedelta(0):
            return {}
        try:
            rows = await self._history.latest_many(numbers, since=self._clock() - self._cache_ttl)
        except (SQLAlchemyError, OSError):
            # The cache saves money; it is not needed to answer.
            log.exception("Could not read the status cache; asking the provider instead")
            return {}
        return _from_history(rows)

    async def _ask(self, batch: Sequence[str]) -> dict[str, StatusCheck | BotError]:
        try:
            answers = await self._provider.check(batch)
        except BotError as error:
            answers = dict.fromkeys(batch, error)
        checked_at = self._clock()
        results: dict[str, StatusCheck | BotError] = {}
        for number in batch:
            answer = answers.get(number)
            if answer is None:
                raise RuntimeError(f"status provider {self._provider.name} skipped a number")
            results[number] = (
                answer
                if isinstance(answer, BotError)
                else StatusCheck(number=number, status=answer, checked_at=checked_at)
            )
        await self._record(results, checked_at)
        return results

    async def _record(
        self, results: dict[str, StatusCheck | BotError], checked_at: datetime
    ) -> None:
        if self._history is None:
            return
        answered = [
            (number, result.status.value)
            for number, result in results.items()
            if isinstance(result, StatusCheck)
        ]
        try:
            await self._history.record_many(
                answered, provider=self._provider.name, checked_at=checked_at
            )
        except (SQLAlchemyError, OSError):
            # The person still gets the answer that was paid for; only the record is lost.
            log.exception("Could not record %d status answers", len(answered))


class _ProgressTracker:
    """Counts answered numbers and reports them in order, one report at a time."""

    def __init__(self, progress: Progress | None, *, done: int, total: int) -> None:
        self._progress = progress
        self._done = done
        self._total = total
        self._turn = asyncio.Lock()

    async def advance(self, count: int) -> None:
        self._done += count
        await self.report()

    async def report(self) -> None:
        if self._progress is None:
            return
        done = self._done
        async with self._turn:
            try:
                await self._progress(done, self._total)
            except Exception:
                log.exception("Progress report failed; the lookups go on")


def _from_history(rows: dict[str, tuple[str, datetime]]) -> dict[str, StatusCheck]:
    return {
        number: StatusCheck(
            number=number,
            status=BusinessStatus.from_code(code),
            checked_at=checked_at,
            cached=True,
        )
        for number, (code, checked_at) in rows.items()
    }


def _batches(numbers: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]
