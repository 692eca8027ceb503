import asyncio
from datetime import timedelta

import pytest

from bot.store import Store
from bot.store.watches import Watch
from tests.store.jobs import T0

LEASE = timedelta(minutes=5)
NUMBER = "2208162517"
OTHER = "1248100998"


async def _add(
    store: Store,
    number: str = NUMBER,
    *,
    team_id: str = "T1",
    due: timedelta = timedelta(0),
    label: str | None = "한빛테크",
    at: timedelta = timedelta(0),
) -> Watch | None:
    return await store.watches.add(
        team_id,
        number,
        label=label,
        channel_id="C_ALERTS",
        created_by="U1",
        now=T0 + at,
        first_check_at=T0 + due,
    )


async def _watched(store: Store, number: str = NUMBER, *, team_id: str = "T1") -> Watch:
    watch = await store.watches.get(team_id, number)
    assert watch is not None
    return watch


async def test_a_new_watch_is_recorded_as_given(store: Store) -> None:
    watch = await _add(store, due=timedelta(hours=3))
    assert watch is not None
    assert watch == Watch(
        id=watch.id,
        team_id="T1",
        business_number=NUMBER,
        label="한빛테크",
        channel_id="C_ALERTS",
        created_by="U1",
        created_at=T0,
        last_status_code=None,
        last_checked_at=None,
        next_check_at=T0 + timedelta(hours=3),
    )
    assert await _watched(store) == watch


async def test_a_number_is_watched_once_per_team(store: Store) -> None:
    first = await _add(store)
    assert first is not None
    assert await _add(store, label="again", at=timedelta(hours=1)) is None
    assert await _watched(store) == first  # the first entry is kept as it was
    assert await _add(store, team_id="T2") is not None


async def test_racing_adds_of_one_number_make_one_watch(store: Store) -> None:
    added = await asyncio.gather(*(_add(store) for _ in range(10)))
    assert sum(watch is not None for watch in added) == 1


async def test_remove_stops_watching_only_for_that_team(store: Store) -> None:
    await _add(store)
    await _add(store, team_id="T2")
    assert await store.watches.remove("T1", NUMBER)
    assert not await store.watches.remove("T1", NUMBER)
    assert await store.watches.get("T1", NUMBER) is None
    assert await store.watches.get("T2", NUMBER) is not None


async def test_list_holds_the_teams_watches_oldest_first(store: Store) -> None:
    await _add(store, OTHER, at=timedelta(minutes=1))
    await _add(store, NUMBER)
    await _add(store, "1111111111", team_id="T2")
    listed = await store.watches.list("T1")
    assert [w.business_number for w in listed] == [NUMBER, OTHER]
    assert await store.watches.list("T3") == []


async def test_add_many_counts_only_new_watches(store: Store) -> None:
    await _add(store, NUMBER)
    numbers = [f"{n:010d}" for n in range(1, 1201)] + [NUMBER]
    first_checks = {number: T0 + timedelta(seconds=i) for i, number in enumerate(numbers)}
    added = await store.watches.add_many(
        "T1", first_checks, channel_id="C1", created_by="U2", now=T0
    )
    assert added == 1200
    watches = await store.watches.list("T1")
    assert len(watches) == 1201
    bulk = await _watched(store, "0000000007")
    assert (bulk.label, bulk.channel_id, bulk.created_by) == (None, "C1", "U2")
    assert bulk.next_check_at == T0 + timedelta(seconds=6)
    assert (await _watched(store)).created_by == "U1"  # the earlier watch is untouched
    assert (
        await store.watches.add_many("T1", first_checks, channel_id="C1", created_by="U2", now=T0)
        == 0
    )


async def test_claims_take_due_watches_earliest_first_up_to_the_limit(store: Store) -> None:
    await _add(store, "0000000003", due=timedelta(minutes=3))
    await _add(store, "0000000001", due=timedelta(minutes=1))
    await _add(store, "0000000002", due=timedelta(minutes=2))
    await _add(store, "0000000009", due=timedelta(minutes=9))
    claimed = await store.watches.claim_due(
        "w1", now=T0 + timedelta(minutes=5), lease=LEASE, limit=2
    )
    assert [w.business_number for w in claimed] == ["0000000001", "0000000002"]
    rest = await store.watches.claim_due("w2", now=T0 + timedelta(minutes=5), lease=LEASE, limit=10)
    assert [w.business_number for w in rest] == ["0000000003"]


async def test_a_claim_holds_until_its_lease_runs_out(store: Store) -> None:
    await _add(store)
    [watch] = await store.watches.claim_due("w1", now=T0, lease=LEASE, limit=5)
    almost = T0 + LEASE - timedelta(seconds=1)
    assert await store.watches.claim_due("w2", now=almost, lease=LEASE, limit=5) == []
    [taken] = await store.watches.claim_due("w2", now=T0 + LEASE, lease=LEASE, limit=5)
    assert taken.id == watch.id
    # The first worker lost its claim: its result is not recorded.
    assert not await store.watches.record_check(
        watch, "w1", status_code="01", checked_at=T0 + LEASE, next_check_at=T0 + timedelta(days=1)
    )
    assert not await store.watches.postpone(watch.id, "w1", next_check_at=T0)
    assert (await _watched(store)).last_status_code is None


async def test_recording_a_check_updates_the_watch_and_releases_it(store: Store) -> None:
    await _add(store)
    [watch] = await store.watches.claim_due("w1", now=T0, lease=LEASE, limit=1)
    checked_at = T0 + timedelta(seconds=2)
    assert await store.watches.record_check(
        watch, "w1", status_code="01", checked_at=checked_at, next_check_at=T0 + timedelta(days=1)
    )
    stored = await _watched(store)
    assert (stored.last_status_code, stored.last_checked_at) == ("01", checked_at)
    assert stored.next_check_at == T0 + timedelta(days=1)
    # Released: due again at the next check, and not before.
    assert await store.watches.claim_due("w2", now=T0 + LEASE, lease=LEASE, limit=1) == []
    again = await store.watches.claim_due("w2", now=T0 + timedelta(days=1), lease=LEASE, limit=1)
    assert [w.id for w in again] == [watch.id]
    # The first check is not a change.
    assert await store.watches.recent_changes("T1", limit=10) == []


async def _check(store: Store, code: str, at: timedelta, *, team_id: str = "T1") -> None:
    """Re-check the team's watch of NUMBER at T0 + at, leaving every other watch as it was."""
    now = T0 + at
    claimed = await store.watches.claim_due("w", now=now, lease=LEASE, limit=10)
    [watch] = [w for w in claimed if w.team_id == team_id]
    for other in claimed:
        if other is not watch:
            assert await store.watches.postpone(other.id, "w", next_check_at=other.next_check_at)
    assert await store.watches.record_check(
        watch, "w", status_code=code, checked_at=now, next_check_at=now + timedelta(days=1)
    )


async def test_changes_are_recorded_newest_first_per_team(store: Store) -> None:
    day = timedelta(days=1)
    await _add(store)
    for days, code in enumerate(["01", "01", "05", "06", "06", "01"]):
        await _check(store, code, days * day)
    await _add(store, team_id="T2", due=10 * day)
    await _check(store, "01", 10 * day, team_id="T2")
    await _check(store, "06", 11 * day, team_id="T2")

    changes = await store.watches.recent_changes("T1", limit=10)
    assert [(c.old_status_code, c.new_status_code, c.changed_at) for c in changes] == [
        ("06", "01", T0 + 5 * day),
        ("05", "06", T0 + 3 * day),
        ("01", "05", T0 + 2 * day),
    ]
    assert {(c.team_id, c.business_number) for c in changes} == {("T1", NUMBER)}
    assert len(await store.watches.recent_changes("T1", limit=2)) == 2
    [other] = await store.watches.recent_changes("T2", limit=10)
    assert (other.old_status_code, other.new_status_code) == ("01", "06")


async def test_postponing_releases_the_watch_until_the_given_time(store: Store) -> None:
    await _add(store)
    [watch] = await store.watches.claim_due("w1", now=T0, lease=LEASE, limit=1)
    retry_at = T0 + timedelta(minutes=10)
    assert await store.watches.postpone(watch.id, "w1", next_check_at=retry_at)
    stored = await _watched(store)
    assert (stored.next_check_at, stored.last_checked_at) == (retry_at, None)
    before = retry_at - timedelta(seconds=1)
    assert await store.watches.claim_due("w2", now=before, lease=LEASE, limit=1) == []
    assert len(await store.watches.claim_due("w2", now=retry_at, lease=LEASE, limit=1)) == 1


async def test_claim_limit_must_be_positive(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.watches.claim_due("w", now=T0, lease=LEASE, limit=0)


async def test_two_stores_on_one_database_never_claim_the_same_watch(
    store: Store, database_url: str
) -> None:
    first_checks = {f"{n:010d}": T0 for n in range(200)}
    await store.watches.add_many("T1", first_checks, channel_id="C1", created_by="U1", now=T0)
    other = await Store.open(database_url)
    try:

        async def drain(each: Store, worker: str) -> list[int]:
            ids: list[int] = []
            while claimed := await each.watches.claim_due(worker, now=T0, lease=LEASE, limit=7):
                ids += [w.id for w in claimed]
                assert len(ids) <= 200, "a watch was claimed twice"
            return ids

        runs = await asyncio.gather(
            drain(store, "a1"), drain(store, "a2"), drain(other, "b1"), drain(other, "b2")
        )
    finally:
        await other.close()
    everything = [watch_id for run in runs for watch_id in run]
    assert len(everything) == len(set(everything)) == 200
