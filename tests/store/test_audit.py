from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.store import Store
from bot.store.audit import SUBJECT_MAX_CHARS, AuditEntry, NewAuditEntry
from bot.store.tables import audit_log
from tests.store.jobs import T0
from tests.support.leaks import card_digit_runs


async def _record(
    store: Store,
    subject: str,
    *,
    at: timedelta = timedelta(0),
    team_id: str = "T1",
    outcome: str = "01",
) -> None:
    await store.audit.record(
        NewAuditEntry(
            team_id=team_id,
            user_id="U1",
            action="status_lookup",
            subject=subject,
            outcome=outcome,
            at=T0 + at,
        )
    )


async def _stored_subjects(store: Store) -> list[str]:
    return await store._database.transaction(
        lambda connection: list(connection.execute(sa.select(audit_log.c.subject)).scalars())
    )


async def test_an_entry_reads_back_as_recorded(store: Store) -> None:
    await store.audit.record(
        NewAuditEntry(
            team_id="T1",
            user_id=None,
            action="recheck",
            subject="2208162517",
            outcome="06",
            at=T0,
        )
    )
    [entry] = await store.audit.recent("T1", limit=10)
    assert entry == AuditEntry(
        id=entry.id,
        team_id="T1",
        user_id=None,
        action="recheck",
        subject="2208162517",
        outcome="06",
        at=T0,
    )
    assert entry.at.utcoffset() == timedelta(0)


async def test_recent_is_newest_first_per_team_and_limited(store: Store) -> None:
    for minutes in (2, 0, 1):
        await _record(store, f"F0000000{minutes}", at=timedelta(minutes=minutes))
    await _record(store, "F00000009", at=timedelta(minutes=5), team_id="T2")
    await _record(store, "F0000000X", at=timedelta(minutes=2))  # same time: later insert first

    recent = await store.audit.recent("T1", limit=3)
    assert [entry.subject for entry in recent] == ["F0000000X", "F00000002", "F00000001"]
    assert [entry.subject for entry in await store.audit.recent("T2", limit=10)] == ["F00000009"]
    assert await store.audit.recent("T3", limit=10) == []


async def test_a_limit_below_one_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.audit.recent("T1", limit=0)


@pytest.mark.parametrize(
    ("subject", "outcome"),
    [
        ("4111111111111111", "ok"),
        ("VISA 4012 8888 8888 1881", "ok"),
        ("MASTERCARD ••••4444", "card 5555-5555-5555-4444"),
        ("4111.1111.1111.1111", "카드\u00a04012\u00a08888\u00a08888\u00a01881"),
    ],
)
async def test_a_card_number_is_stored_masked_whoever_writes_it(
    store: Store, subject: str, outcome: str
) -> None:
    await _record(store, subject, outcome=outcome)
    [entry] = await store.audit.recent("T1", limit=1)
    for text in (entry.subject, entry.outcome):
        for number in ("4111111111111111", "4012888888881881", "5555555555554444"):
            assert card_digit_runs(text, number) == [], text
    # Not only through AuditLog: the column masks whatever statement writes it.
    await store._database.transaction(
        lambda connection: connection.execute(
            sa.update(audit_log).values(subject="4556 0767 6001 6584", outcome="4556076760016584")
        )
    )
    assert await _stored_subjects(store) == ["•••• •••• •••• 6584"]


async def test_a_card_number_at_the_column_width_is_masked_before_the_cut(store: Store) -> None:
    subject = "가" * (SUBJECT_MAX_CHARS - 10) + " 4556 0767 6001 6584"
    await _record(store, subject)
    [entry] = await store.audit.recent("T1", limit=1)
    assert card_digit_runs(entry.subject, "4556076760016584") == []
    assert len(entry.subject) == SUBJECT_MAX_CHARS


async def test_long_subjects_and_outcomes_are_cut_to_the_columns(store: Store) -> None:
    await _record(store, "가" * 100, outcome="나" * 100)
    [entry] = await store.audit.recent("T1", limit=1)
    assert entry.subject == "가" * SUBJECT_MAX_CHARS
    assert entry.outcome == "나" * 64


@pytest.mark.parametrize(
    "text",
    ["2208162517", "220-81-62517", "２２０-８１-６２５１７", "F07ABC12345", "VISA ••••1881", "ok"],
)
async def test_business_numbers_file_ids_and_last_fours_are_kept(store: Store, text: str) -> None:
    await _record(store, text, outcome=text)
    [entry] = await store.audit.recent("T1", limit=1)
    assert (entry.subject, entry.outcome) == (text, text)
