"""Call slots shared by several processes on one PostgreSQL database."""

import asyncio
import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.store import Store
from bot.store.tables import rate_slots
from tests.support.databases import sqlite_url

# Long, so that every slot of a test is taken before the first of them comes: each take
# must then move the next free slot on by exactly one interval.
INTERVAL_S = 1.0


async def next_free_slot(store: Store) -> float:
    return await store._database.transaction(
        lambda connection: float(connection.execute(sa.select(rate_slots.c.next_at)).scalar_one())
    )


async def waits(store: Store, count: int) -> list[float]:
    assert store.rate_slots is not None
    return [await store.rate_slots.take("nhn", INTERVAL_S) for _ in range(count)]


async def test_two_processes_together_never_take_one_slot_twice(postgres_url: str) -> None:
    # Two stores are two connection pools, as two bot processes have.
    first, second = await Store.open(postgres_url), await Store.open(postgres_url)
    try:
        [now] = await waits(first, 1)
        assert now == 0
        before = await next_free_slot(first)
        taken = await asyncio.gather(
            *(waits(store, 20) for store in (first, second, first, second))
        )
        after = await next_free_slot(second)
    finally:
        await first.close()
        await second.close()
    # A slot given twice (a lost update) would leave the next free slot short of this.
    assert after - before == 80 * INTERVAL_S
    ordered = sorted(wait for each in taken for wait in each)
    gaps = [later - earlier for earlier, later in itertools.pairwise(ordered)]
    assert min(gaps) > INTERVAL_S / 2  # each caller waits for a slot of its own
    assert ordered[-1] == pytest.approx(80 * INTERVAL_S, abs=2.0)


async def test_each_upstream_has_its_own_slots(postgres_url: str) -> None:
    store = await Store.open(postgres_url)
    try:
        assert store.rate_slots is not None
        assert await store.rate_slots.take("nhn", 10.0) == 0
        assert await store.rate_slots.take("nts", 10.0) == 0
        assert await store.rate_slots.take("nhn", 10.0) == pytest.approx(10.0, abs=0.5)
    finally:
        await store.close()


async def test_sqlite_has_no_shared_slots(tmp_path: Path) -> None:
    store = await Store.open(sqlite_url(tmp_path))
    try:
        assert store.rate_slots is None
    finally:
        await store.close()
