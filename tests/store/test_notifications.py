import asyncio
from datetime import timedelta

import pytest

from bot.store import Store
from tests.store.jobs import T0

COOLDOWN = timedelta(days=7)
CLOSED = "06"


async def _claim(store: Store, at: timedelta, *, team_id: str = "T1", status: str = CLOSED) -> bool:
    return await store.claim_notification(
        team_id, "2208162517", status, now=T0 + at, cooldown=COOLDOWN
    )


async def test_a_status_is_announced_once_per_cooldown(store: Store) -> None:
    assert await _claim(store, timedelta(0))
    assert not await _claim(store, timedelta(0))
    assert not await _claim(store, COOLDOWN - timedelta(seconds=1))
    assert await _claim(store, COOLDOWN)
    # The cooldown now runs from the second announcement.
    assert not await _claim(store, 2 * COOLDOWN - timedelta(seconds=1))
    assert await _claim(store, 2 * COOLDOWN)


async def test_other_teams_numbers_and_statuses_have_their_own_cooldown(store: Store) -> None:
    assert await _claim(store, timedelta(0))
    assert await _claim(store, timedelta(0), team_id="T2")
    assert await _claim(store, timedelta(0), status="05")
    assert await store.claim_notification("T1", "1248100998", CLOSED, now=T0, cooldown=COOLDOWN)


async def test_racing_claims_announce_once(store: Store) -> None:
    results = await asyncio.gather(*(_claim(store, timedelta(0)) for _ in range(20)))
    assert results.count(True) == 1


async def test_racing_claims_after_the_cooldown_announce_once(store: Store) -> None:
    assert await _claim(store, timedelta(0))
    results = await asyncio.gather(*(_claim(store, COOLDOWN) for _ in range(20)))
    assert results.count(True) == 1


async def test_releasing_a_claim_lets_the_next_one_announce(store: Store) -> None:
    assert await _claim(store, timedelta(0))
    await store.release_notification("T1", "2208162517", CLOSED, claimed_at=T0)
    assert await _claim(store, timedelta(minutes=1))
    assert not await _claim(store, timedelta(minutes=2))


async def test_releasing_an_old_claim_leaves_a_newer_one(store: Store) -> None:
    assert await _claim(store, timedelta(0))
    assert await _claim(store, COOLDOWN)
    await store.release_notification("T1", "2208162517", CLOSED, claimed_at=T0)
    assert not await _claim(store, COOLDOWN + timedelta(minutes=1))


async def test_cooldown_must_not_be_negative(store: Store) -> None:
    with pytest.raises(ValueError, match="cooldown"):
        await store.claim_notification(
            "T1", "2208162517", CLOSED, now=T0, cooldown=timedelta(seconds=-1)
        )
