"""StatusService: both providers over real HTTP, the cache and history in a real store,
batching, the rate limiter (on a fake clock), progress, and the choice of provider."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.blocks.errors import explain
from bot.config import ConfigError, Settings, StatusProviderName
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import AuthenticationFailed, MalformedBusinessNumber, NumberNotRegistered
from bot.nts import NtsClient
from bot.ocr import OcrClient
from bot.services.analysis import AnalysisService
from bot.services.status import (
    CALLS_IN_FLIGHT_PER_LOOKUP,
    NhnStatusProvider,
    NtsStatusProvider,
    RateLimiter,
    StatusProvider,
    StatusService,
    provider_for,
)
from bot.store import Store
from bot.store.engine import open_database
from bot.store.statuses import StatusHistory
from fakes.nhn import STATUS, NhnFake, Reply
from fakes.nts import CLOSED, INACTIVE, NtsFake
from tests.ocr.images import plain_png
from tests.support.databases import sqlite_url

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(hours=1)
OPEN = "2208162517"
SHUT = "1248100998"
LOGGER = "bot.services.status"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeTime:
    """A monotonic clock and a sleep that moves it instead of waiting."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = self.now + seconds
        self.sleeps.append(seconds)
        await asyncio.sleep(0)  # others may reserve their slots at this same moment
        self.now = max(self.now, wake)

    def limiter(self, rate_per_s: float = 5.0) -> RateLimiter:
        return RateLimiter(rate_per_s, clock=self.monotonic, sleep=self.sleep)


def numbers(count: int, start: int = 1_000_000_000) -> list[str]:
    return [f"{serial:010d}" for serial in range(start, start + count)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def nts_provider(fake_nts: NtsFake) -> AsyncIterator[NtsStatusProvider]:
    settings = Settings(_env_file=None, **fake_nts.overrides())
    provider = NtsStatusProvider(NtsClient(settings, backoff_base_s=0.0))
    yield provider
    await provider.aclose()


@pytest.fixture
async def ocr(fake_nhn: NhnFake) -> AsyncIterator[OcrClient]:
    async with OcrClient(fake_nhn.settings(), backoff_base_s=0.0) as client:
        yield client


MakeService = Callable[..., StatusService]


@pytest.fixture
def make_service(store: Store, clock: Clock, fake_time: FakeTime) -> MakeService:
    def make(provider: StatusProvider, *, cache_ttl: timedelta = TTL) -> StatusService:
        return StatusService(
            provider, store.statuses, cache_ttl=cache_ttl, limiter=fake_time.limiter(), clock=clock
        )

    return make


# The cache


async def test_a_second_lookup_within_the_ttl_is_answered_from_the_store(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, clock: Clock
) -> None:
    service = make_service(nts_provider)
    first = await service.check(OPEN)
    clock.now += TTL - timedelta(seconds=1)

    second = await service.check(OPEN)

    assert fake_nts.calls == 1
    assert first == StatusCheck(OPEN, BusinessStatus.VAT_GENERAL, START, cached=False)
    assert second == StatusCheck(OPEN, BusinessStatus.VAT_GENERAL, START, cached=True)


async def test_after_the_ttl_the_provider_is_asked_again(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, clock: Clock
) -> None:
    service = make_service(nts_provider)
    await service.check(OPEN)
    fake_nts.businesses[OPEN] = CLOSED
    clock.now += TTL + timedelta(seconds=1)

    again = await service.check(OPEN)

    assert fake_nts.calls == 2
    assert again == StatusCheck(OPEN, BusinessStatus.CLOSED, clock.now, cached=False)


async def test_a_fresh_lookup_always_asks_and_becomes_what_the_cache_answers(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, clock: Clock
) -> None:
    service = make_service(nts_provider)
    await service.check(OPEN)
    fake_nts.businesses[OPEN] = INACTIVE
    clock.now += timedelta(minutes=5)

    fresh = await service.check(OPEN, fresh=True)
    clock.now += timedelta(minutes=5)
    cached = await service.check(OPEN)

    assert fake_nts.calls == 2
    assert fresh == StatusCheck(OPEN, BusinessStatus.INACTIVE, START + timedelta(minutes=5))
    assert cached == StatusCheck(
        OPEN, BusinessStatus.INACTIVE, START + timedelta(minutes=5), cached=True
    )


async def test_a_zero_ttl_turns_the_cache_off_but_still_records(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, store: Store
) -> None:
    service = make_service(nts_provider, cache_ttl=timedelta(0))

    await service.check(OPEN)
    await service.check(OPEN)

    assert fake_nts.calls == 2
    assert await store.statuses.latest(OPEN, since=START) == ("01", START)


async def test_only_numbers_not_cached_are_sent(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, clock: Clock
) -> None:
    service = make_service(nts_provider)
    await service.check(OPEN)
    clock.now += timedelta(minutes=1)

    results = await service.check_many([SHUT, OPEN])

    assert fake_nts.batches() == [[OPEN], [SHUT]]
    assert list(results) == [SHUT, OPEN]
    assert results[OPEN] == StatusCheck(OPEN, BusinessStatus.VAT_GENERAL, START, cached=True)
    assert results[SHUT] == StatusCheck(SHUT, BusinessStatus.VAT_GENERAL, clock.now)


async def test_errors_are_neither_cached_nor_recorded(
    make_service: MakeService, ocr: OcrClient, fake_nhn: NhnFake, store: Store
) -> None:
    service = make_service(NhnStatusProvider(ocr))
    fake_nhn.script(STATUS, Reply.error(4000102))

    with pytest.raises(NumberNotRegistered):
        await service.check(OPEN)
    answer = await service.check(OPEN)

    assert answer.status is BusinessStatus.VAT_GENERAL
    assert not answer.cached
    assert fake_nhn.calls(STATUS) == 2
    assert await store.statuses.latest(OPEN, since=START - TTL) == ("01", START)


# Batches, history and errors


async def test_250_numbers_take_3_nts_calls_and_are_all_recorded(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, store: Store
) -> None:
    asked = numbers(250)
    fake_nts.businesses[asked[123]] = CLOSED
    fake_nts.unregistered.add(asked[-1])

    results = await make_service(nts_provider).check_many(asked)

    assert sorted(len(batch) for batch in fake_nts.batches()) == [50, 100, 100]
    assert sorted(n for batch in fake_nts.batches() for n in batch) == asked
    assert list(results) == asked
    statuses = {n: r.status for n, r in results.items() if isinstance(r, StatusCheck)}
    assert statuses[asked[123]] is BusinessStatus.CLOSED
    assert statuses[asked[-1]] is BusinessStatus.NOT_IN_BUSINESS
    assert len(statuses) == 250
    recorded = await store.statuses.latest_many(asked, since=START)
    assert recorded[asked[123]] == ("06", START)
    assert recorded[asked[-1]] == ("00", START)
    assert len(recorded) == 250


async def test_a_failed_batch_maps_each_of_its_numbers_to_the_error(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake, store: Store
) -> None:
    fake_nts.revoke_key()

    results = await make_service(nts_provider).check_many([OPEN, SHUT])

    assert {type(result) for result in results.values()} == {AuthenticationFailed}
    assert await store.statuses.latest_many([OPEN, SHUT], since=START - TTL) == {}


async def test_one_bad_number_never_spoils_the_others(
    make_service: MakeService, ocr: OcrClient, fake_nhn: NhnFake
) -> None:
    fake_nhn.statuses[SHUT] = "06"
    fake_nhn.script(STATUS, Reply.error(4000102))  # whichever number arrives first
    asked = [OPEN, "220-81-62517", SHUT, OPEN, "1010000004"]
    expected = {
        OPEN: BusinessStatus.VAT_GENERAL,
        SHUT: BusinessStatus.CLOSED,
        "1010000004": BusinessStatus.VAT_GENERAL,
    }

    results = await make_service(NhnStatusProvider(ocr)).check_many(asked)

    assert list(results) == [OPEN, "220-81-62517", SHUT, "1010000004"]
    malformed = results["220-81-62517"]
    assert isinstance(malformed, MalformedBusinessNumber)
    assert "10" in explain(malformed).en
    failed = [n for n, r in results.items() if isinstance(r, NumberNotRegistered)]
    checks = {n: r.status for n, r in results.items() if isinstance(r, StatusCheck)}
    assert len(failed) == 1
    assert checks == {n: status for n, status in expected.items() if n not in failed}
    assert fake_nhn.calls(STATUS) == 3  # the duplicate and the malformed one are not sent


async def test_nothing_to_look_up_asks_nobody(
    make_service: MakeService, nts_provider: NtsStatusProvider, fake_nts: NtsFake
) -> None:
    progress = Recorder()

    assert await make_service(nts_provider).check_many([], progress=progress) == {}
    assert fake_nts.calls == 0
    assert progress.reports == [(0, 0)]


async def test_a_store_that_fails_costs_the_cache_not_the_answer(
    tmp_path: Path,
    nts_provider: NtsStatusProvider,
    fake_nts: NtsFake,
    fake_time: FakeTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = open_database(sqlite_url(tmp_path))  # never migrated: no status_checks table
    service = StatusService(
        nts_provider,
        StatusHistory(database),
        cache_ttl=TTL,
        limiter=fake_time.limiter(),
    )
    try:
        with caplog.at_level(logging.ERROR, logger=LOGGER):
            answer = await service.check(OPEN)
    finally:
        await database.close()

    assert answer.status is BusinessStatus.VAT_GENERAL
    assert fake_nts.calls == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Could not read the status cache; asking the provider instead",
        "Could not record 1 status answers",
    ]


# Progress


@dataclass
class Recorder:
    reports: list[tuple[int, int]] = field(default_factory=list)
    fail: bool = False

    async def __call__(self, done: int, total: int) -> None:
        await asyncio.sleep(0)
        self.reports.append((done, total))
        if self.fail:
            raise RuntimeError("chat.update failed")


async def test_progress_counts_cached_numbers_then_each_call_in_order(
    make_service: MakeService, nts_provider: NtsStatusProvider, clock: Clock
) -> None:
    asked = numbers(450)
    service = make_service(nts_provider)
    await service.check_many(asked[:30])
    progress = Recorder()

    await service.check_many([*asked, asked[0]], progress=progress)

    # Calls finish in any order (the last batch has 20 numbers), but reports come in order.
    done = [done for done, _ in progress.reports]
    assert done[0] == 30
    assert done[-1] == 450
    assert done == sorted(done)
    assert len(done) == 1 + 5  # the cache, then five calls
    assert {total for _, total in progress.reports} == {450}


async def test_a_failing_progress_report_does_not_stop_the_lookups(
    make_service: MakeService,
    nts_provider: NtsStatusProvider,
    fake_nts: NtsFake,
    caplog: pytest.LogCaptureFixture,
) -> None:
    progress = Recorder(fail=True)

    with caplog.at_level(logging.ERROR, logger=LOGGER):
        results = await make_service(nts_provider).check_many(numbers(150), progress=progress)

    assert len(results) == 150
    assert fake_nts.calls == 2
    assert [done for done, _ in progress.reports] in ([0, 100, 150], [0, 50, 150])
    assert len(caplog.records) == 3


# The rate limiter


async def test_the_limiter_spaces_calls_made_at_once(fake_time: FakeTime) -> None:
    limiter = fake_time.limiter(rate_per_s=5)

    await asyncio.gather(*(limiter.acquire() for _ in range(4)))

    assert fake_time.sleeps == pytest.approx([0.2, 0.4, 0.6])


async def test_the_limiter_lets_a_call_through_at_once_after_a_quiet_spell(
    fake_time: FakeTime,
) -> None:
    limiter = fake_time.limiter(rate_per_s=2)
    await limiter.acquire()
    await limiter.acquire()
    fake_time.now += 10

    await limiter.acquire()
    fake_time.now += 0.1
    await limiter.acquire()

    assert fake_time.sleeps == pytest.approx([0.5, 0.4])


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


async def test_every_provider_call_waits_its_turn(
    make_service: MakeService, ocr: OcrClient, fake_nhn: NhnFake, fake_time: FakeTime
) -> None:
    results = await make_service(NhnStatusProvider(ocr)).check_many(numbers(12))

    assert len(results) == 12
    assert fake_nhn.calls(STATUS) == 12
    # The first call goes at once; the other eleven waited for slots 0.2 s apart.
    assert len(fake_time.sleeps) == 11
    assert fake_time.now >= 1000.0 + 11 * 0.2 - 1e-9


async def test_a_long_lookup_keeps_only_a_few_calls_in_flight(
    store: Store, ocr: OcrClient, fake_nhn: NhnFake
) -> None:
    fake_nhn.latency_s = 0.02
    service = StatusService(
        NhnStatusProvider(ocr), store.statuses, cache_ttl=TTL, limiter=RateLimiter(10_000)
    )

    results = await service.check_many(numbers(24))

    assert len(results) == 24
    assert 1 < fake_nhn.max_in_flight <= CALLS_IN_FLIGHT_PER_LOOKUP


# Choosing the provider


def test_nhn_is_the_default_provider(fake_nhn: NhnFake, ocr: OcrClient) -> None:
    settings = fake_nhn.settings()

    assert settings.status_provider is StatusProviderName.NHN
    assert isinstance(provider_for(settings, ocr), NhnStatusProvider)


async def test_status_provider_nts_chooses_the_nts(
    fake_nhn: NhnFake, fake_nts: NtsFake, ocr: OcrClient, store: Store
) -> None:
    settings = fake_nhn.settings(**fake_nts.overrides())
    service = StatusService.from_settings(settings, ocr=ocr, history=store.statuses)
    try:
        answer = await service.check(SHUT)
    finally:
        await service.aclose()

    assert service.provider_name == "nts"
    assert answer.status is BusinessStatus.VAT_GENERAL
    assert fake_nts.calls == 1
    assert fake_nhn.calls(STATUS) == 0


def test_the_nts_without_a_key_is_a_config_error(fake_nhn: NhnFake, ocr: OcrClient) -> None:
    settings = fake_nhn.settings(status_provider="nts")

    with pytest.raises(ConfigError, match="NTS_SERVICE_KEY"):
        provider_for(settings, ocr)


def test_status_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUS_PROVIDER", "nts")
    monkeypatch.setenv("NTS_SERVICE_KEY", "key+with/slash==")
    monkeypatch.setenv("NTS_BASE_URL", "http://127.0.0.1:9/api/nts-businessman/v1/")
    monkeypatch.setenv("STATUS_CACHE_TTL", "30m")
    monkeypatch.setenv("STATUS_RATE_PER_S", "2.5")

    settings = Settings(_env_file=None)

    assert settings.check_status_provider() is StatusProviderName.NTS
    assert settings.nts_base_url == "http://127.0.0.1:9/api/nts-businessman/v1"
    assert settings.status_cache_ttl == timedelta(minutes=30)
    assert settings.status_rate_per_s == 2.5
    assert "key+with/slash==" in settings.secrets()
    assert "key+with/slash==" not in repr(settings) + settings.model_dump_json()


def test_status_settings_have_sensible_defaults() -> None:
    settings = Settings(_env_file=None)

    assert settings.status_provider is StatusProviderName.NHN
    assert settings.nts_base_url == "https://api.odcloud.kr/api/nts-businessman/v1"
    assert settings.status_cache_ttl == timedelta(hours=1)
    assert settings.status_rate_per_s == 5.0


@pytest.mark.parametrize(
    "values", [{"status_provider": "kftc"}, {"status_rate_per_s": 0}, {"status_cache_ttl": -5}]
)
def test_bad_status_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="status_"):
        Settings(_env_file=None, **values)


# Through the analysis service


async def test_a_certificate_is_looked_up_through_the_status_service_given(
    make_service: MakeService,
    ocr: OcrClient,
    fake_nhn: NhnFake,
    fake_nts: NtsFake,
    nts_provider: NtsStatusProvider,
) -> None:
    analysis = AnalysisService(ocr, fake_nhn.settings(), status=make_service(nts_provider))

    first = await analysis.analyze_business(plain_png(), "certificate.png")
    second = await analysis.analyze_business(plain_png(), "certificate.png")

    assert first.status == StatusCheck(OPEN, BusinessStatus.VAT_GENERAL, START, cached=False)
    assert second.status == StatusCheck(OPEN, BusinessStatus.VAT_GENERAL, START, cached=True)
    assert fake_nts.calls == 1
    assert fake_nhn.calls(STATUS) == 0


async def test_without_a_store_every_lookup_asks_the_provider(
    ocr: OcrClient, fake_nhn: NhnFake, fake_time: FakeTime
) -> None:
    """As `ocrbot status` looks numbers up: NHN, with nowhere to cache."""
    service = StatusService(
        NhnStatusProvider(ocr), None, cache_ttl=TTL, limiter=fake_time.limiter()
    )

    first = await service.check(OPEN)
    second = await service.check(OPEN)
    errors = await service.check_many(["12345"])

    assert not first.cached
    assert not second.cached
    assert fake_nhn.calls(STATUS) == 2
    assert isinstance(errors["12345"], MalformedBusinessNumber)
