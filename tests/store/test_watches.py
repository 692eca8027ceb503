import asyncio
from datetime import timedelta

import pytest

from bot.store import Store
from bot.store.watches import FirstCheck, Watch
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


async def _thousand_watches(store: Store) -> tuple[list[Watch], dict[str, set[int]]]:
    """1,000 watches of team T1 (and one of T2), with statuses: every 37th closed, every
    53rd (not closed) inactive, every 101st (neither) changed two days before T0, every
    91st (none of those) changed thirty days before; the rest open. Their ids by kind."""
    numbers = [f"{n:010d}" for n in range(1, 1001)]
    await store.watches.add_many(
        "T1", dict.fromkeys(numbers, T0), channel_id="C1", created_by="U1", now=T0
    )
    await _add(store, "9999999999", team_id="T2", label="closed elsewhere")
    watches = await store.watches.list("T1")
    kinds: dict[str, set[int]] = {"closed": set(), "inactive": set(), "recent": set()}
    first: list[FirstCheck] = []
    for index, watch in enumerate(watches, start=1):
        code = "01"
        if index % 37 == 0:
            code, kind = "06", "closed"
            kinds[kind].add(watch.id)
        elif index % 53 == 0:
            code, kind = "05", "inactive"
            kinds[kind].add(watch.id)
        first.append(FirstCheck(watch.id, code, T0 - timedelta(days=40), T0))
    await store.watches.record_first_checks(first)
    await store.watches.record_first_checks([FirstCheck(0, "06", T0, T0)])  # no such watch
    changed = [
        (index, watch)
        for index, watch in enumerate(await store.watches.list("T1"), start=1)
        if watch.last_status_code == "01" and (index % 101 == 0 or index % 91 == 0)
    ]
    for index, watch in changed:
        [claimed] = await store.watches.claim_all(
            "w", now=T0, lease=LEASE, limit=1, after_id=watch.id - 1
        )
        assert claimed.id == watch.id
        days = 2 if index % 101 == 0 else 30
        if days == 2:
            kinds["recent"].add(watch.id)
        assert await store.watches.record_check(
            claimed, "w", status_code="02", checked_at=T0 - timedelta(days=days), next_check_at=T0
        )
    return watches, kinds


async def test_a_thousand_watches_page_attention_first_and_every_one_is_reachable(
    store: Store,
) -> None:
    watches, kinds = await _thousand_watches(store)
    since = T0 - timedelta(days=7)
    seen: list[Watch] = []
    for offset in range(0, 1000, 20):
        page = await store.watches.page(
            "T1", search="", changed_since=since, offset=offset, limit=20
        )
        assert page.offset == offset
        assert len(page.watches) == 20
        assert (page.total, page.closed, page.inactive, page.changed) == (
            1000,
            len(kinds["closed"]),
            len(kinds["inactive"]),
            len(kinds["recent"]),
        )
        seen.extend(page.watches)
    assert sorted(w.id for w in seen) == sorted(w.id for w in watches)  # each once
    order = [w.id for w in seen]
    closed, inactive, recent = (len(kinds[k]) for k in ("closed", "inactive", "recent"))
    assert set(order[:closed]) == kinds["closed"]
    assert set(order[closed : closed + inactive]) == kinds["inactive"]
    assert set(order[closed + inactive : closed + inactive + recent]) == kinds["recent"]
    rest = order[closed + inactive + recent :]
    assert rest == sorted(rest)  # the others in the order they were added
    assert (closed, inactive, recent) == (27, 18, 9)
    past = await store.watches.page("T1", search="", changed_since=since, offset=1000, limit=20)
    assert (past.watches, past.total) == ([], 1000)


async def test_a_page_searches_numbers_by_their_digits_and_labels_by_text(store: Store) -> None:
    await _add(store, NUMBER, label="한빛테크 본사")
    await _add(store, OTHER, label="ACME_100%")
    await _add(store, "1018112341", label=None)
    await _add(store, "2208100001", team_id="T2", label="한빛")

    async def found(search: str) -> list[str]:
        page = await store.watches.page("T1", search=search, changed_since=T0, offset=0, limit=20)
        assert page.total == len(page.watches)
        return [w.business_number for w in page.watches]

    assert await found("220-81") == [NUMBER]
    assert await found("  한빛 ") == [NUMBER]
    assert await found("acme") == [OTHER]
    assert await found("a_m") == []  # LIKE's wildcards are searched as written
    assert await found("e_1") == [OTHER]
    assert await found("%") == [OTHER]
    assert await found("81") == [NUMBER, OTHER, "1018112341"]
    assert await found("없는 이름") == []
    assert len(await found("")) == 3
    assert (await store.watches.count("T1"), await store.watches.count("T2")) == (3, 1)
    assert await store.watches.count("T_NONE") == 0


async def test_unchecked_gives_the_named_watches_never_checked(store: Store) -> None:
    await _add(store, NUMBER)
    await _add(store, OTHER)
    await _add(store, NUMBER, team_id="T2")
    checked = await _watched(store, OTHER)
    await store.watches.record_first_checks([FirstCheck(checked.id, "01", T0, T0)])
    unchecked = await store.watches.unchecked("T1", [NUMBER, OTHER, "1018112341"])
    assert [(w.team_id, w.business_number) for w in unchecked] == [("T1", NUMBER)]
