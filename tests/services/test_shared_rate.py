"""STATUS_RATE_PER_S holds for every process on one PostgreSQL database together."""

import asyncio
import logging
import time

import pytest

from bot.ocr import OcrClient
from bot.services.status import SharedRateLimiter, StatusService
from bot.store import Store
from bot.store.rates import RateSlots
from fakes.nhn import STATUS, NhnFake
from tests.support.numbers import valid_business_numbers

RATE_PER_S = 10.0


async def test_two_processes_share_one_rate_of_status_calls(
    postgres_url: str, fake_nhn: NhnFake
) -> None:
    settings = fake_nhn.settings().model_copy(update={"status_rate_per_s": RATE_PER_S})
    first, second = await Store.open(postgres_url), await Store.open(postgres_url)
    numbers = valid_business_numbers(10)
    async with OcrClient(settings, backoff_base_s=0.0) as ocr:
        services = [
            StatusService.from_settings(
                settings, ocr=ocr, history=store.statuses, rate_slots=store.rate_slots
            )
            for store in (first, second)
        ]
        started = time.monotonic()
        try:
            await asyncio.gather(
                services[0].check_many(numbers[:5], fresh=True),
                services[1].check_many(numbers[5:], fresh=True),
            )
        finally:
            await first.close()
            await second.close()
        elapsed = time.monotonic() - started
    assert fake_nhn.calls(STATUS) == 10
    # Ten calls at ten a second: the last goes nine intervals after the first. Each process
    # spacing its own five alone would be done in four.
    assert elapsed >= 9 / RATE_PER_S - 0.05


async def test_without_the_database_calls_are_spaced_by_the_process_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 1: every take fails at once.
    closed = await Store.open("postgresql://postgres@127.0.0.1:1/test", migrate=False)
    assert isinstance(closed.rate_slots, RateSlots)
    limiter = SharedRateLimiter(closed.rate_slots, "nhn", RATE_PER_S)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await limiter.acquire()
    await closed.close()
    assert time.monotonic() - started >= 2 / RATE_PER_S - 0.01
    assert "spacing this process's calls alone" in caplog.text
