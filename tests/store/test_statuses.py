"""Status history and the lookup cache it backs, on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.store import Store
from tests.store.jobs import T0

OPEN = "2208162517"
CLOSED = "1248100998"
HOUR = timedelta(hours=1)


async def test_latest_is_the_newest_row_since_the_cutoff(store: Store) -> None:
    history = store.statuses
    await history.record(OPEN, "01", provider="nhn", checked_at=T0)
    await history.record(OPEN, "05", provider="nts", checked_at=T0 + timedelta(minutes=30))

    assert await history.latest(OPEN, since=T0 - HOUR) == ("05", T0 + timedelta(minutes=30))
    assert await history.latest(OPEN, since=T0 + timedelta(minutes=30)) == (
        "05",
        T0 + timedelta(minutes=30),
    )
    assert await history.latest(OPEN, since=T0 + timedelta(minutes=31)) is None
    assert await history.latest(CLOSED, since=T0 - HOUR) is None


async def test_rows_checked_at_the_same_moment_keep_the_one_recorded_last(store: Store) -> None:
    await store.statuses.record(OPEN, "01", provider="nhn", checked_at=T0)
    await store.statuses.record(OPEN, "06", provider="nhn", checked_at=T0)

    assert await store.statuses.latest(OPEN, since=T0) == ("06", T0)


async def test_latest_many_answers_only_numbers_with_a_recent_row(store: Store) -> None:
    history = store.statuses
    await history.record_many([(OPEN, "01"), (CLOSED, "06")], provider="nts", checked_at=T0)
    await history.record("1018100340", "02", provider="nts", checked_at=T0 - 2 * HOUR)

    found = await history.latest_many([OPEN, CLOSED, "1018100340", OPEN], since=T0 - HOUR)

    assert found == {OPEN: ("01", T0), CLOSED: ("06", T0)}
    assert await history.latest_many([], since=T0) == {}


async def test_latest_many_takes_thousands_of_numbers(store: Store) -> None:
    numbers = [f"{serial:010d}" for serial in range(1_000_000_000, 1_000_001_200)]
    await store.statuses.record_many(
        [(number, "01") for number in numbers], provider="nts", checked_at=T0
    )
    await store.statuses.record(numbers[-1], "06", provider="nts", checked_at=T0 + HOUR)

    found = await store.statuses.latest_many(numbers, since=T0)

    assert len(found) == len(numbers)
    assert found[numbers[0]] == ("01", T0)
    assert found[numbers[-1]] == ("06", T0 + HOUR)


async def test_times_come_back_in_utc_whatever_zone_they_went_in(store: Store) -> None:
    seoul = timezone(timedelta(hours=9))
    await store.statuses.record(OPEN, "01", provider="nhn", checked_at=T0.astimezone(seoul))

    found = await store.statuses.latest(OPEN, since=T0)

    assert found == ("01", T0)
    assert found is not None
    assert found[1].tzinfo is UTC


@pytest.mark.parametrize(
    ("number", "code", "provider", "named"),
    [
        ("220-81-62517", "01", "nhn", "business number"),
        ("220816251", "01", "nhn", "business number"),
        (OPEN, "1", "nhn", "status code"),
        (OPEN, "01", "", "provider name"),
        (OPEN, "01", "provider-name-too-long", "provider name"),
    ],
)
async def test_malformed_rows_are_refused(
    store: Store, number: str, code: str, provider: str, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        await store.statuses.record(number, code, provider=provider, checked_at=T0)
    assert await store.statuses.latest(OPEN, since=T0 - HOUR) is None


async def test_naive_times_are_refused(store: Store) -> None:
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.statuses.record(OPEN, "01", provider="nhn", checked_at=naive)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.statuses.latest(OPEN, since=naive)


async def test_latest_without_a_cutoff_is_the_newest_row_ever(store: Store) -> None:
    # What Share to channel posts: the last status recorded, however old.
    history = store.statuses
    await history.record(OPEN, "01", provider="nhn", checked_at=T0 - 1000 * HOUR)
    await history.record(OPEN, "06", provider="nhn", checked_at=T0 - 500 * HOUR)

    assert await history.latest_many([OPEN, CLOSED], since=None) == {OPEN: ("06", T0 - 500 * HOUR)}
