import doctest
from datetime import timedelta

import pytest
import sqlalchemy as sa

import bot.store.audit
from bot.store import Store
from bot.store.audit import SUBJECT_MAX_CHARS, AuditEntry, mask_card_numbers
from bot.store.tables import audit_log
from tests.store.jobs import T0


async def _record(
    store: Store,
    subject: str,
    *,
    at: timedelta = timedelta(0),
    team_id: str = "T1",
    outcome: str = "01",
) -> None:
    await store.audit.record(
        team_id=team_id,
        user_id="U1",
        action="status_lookup",
        subject=subject,
        outcome=outcome,
        at=T0 + at,
    )


async def _stored_subjects(store: Store) -> list[str]:
    async with store._engine.begin() as connection:
        return list((await connection.execute(sa.select(audit_log.c.subject))).scalars())


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(bot.store.audit)
    assert result.attempted > 0
    assert result.failed == 0


async def test_an_entry_reads_back_as_recorded(store: Store) -> None:
    await store.audit.record(
        team_id="T1",
        user_id=None,
        action="recheck",
        subject="2208162517",
        outcome="06",
        at=T0,
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
    ],
)
async def test_a_card_number_is_refused_and_nothing_is_written(
    store: Store, subject: str, outcome: str
) -> None:
    with pytest.raises(ValueError, match="long number") as raised:
        await _record(store, subject, outcome=outcome)
    assert "4111" not in str(raised.value)
    assert "5555" not in str(raised.value)
    assert await _stored_subjects(store) == []


async def test_long_subjects_and_outcomes_are_cut_to_the_columns(store: Store) -> None:
    await _record(store, "가" * 100, outcome="나" * 100)
    [entry] = await store.audit.recent("T1", limit=1)
    assert entry.subject == "가" * SUBJECT_MAX_CHARS
    assert entry.outcome == "나" * 64


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("2208162517", "2208162517"),
        ("220-81-62517", "220-81-62517"),
        ("２２０-８１-６２５１７", "２２０-８１-６２５１７"),
        ("F07ABC12345", "F07ABC12345"),
        ("F0123456789", "F0123456789"),
        ("VISA ••••1881", "VISA ••••1881"),
        ("ok", "ok"),
    ],
)
def test_business_numbers_file_ids_and_last_fours_are_kept(text: str, kept: str) -> None:
    assert mask_card_numbers(text) == kept


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111111111111111", "••••1111"),
        ("VISA 4012 8888 8888 1881", "VISA ••••1881"),
        ("5555-5555-5555-4444", "••••4444"),
        ("AMEX 3714 496353 98431", "AMEX ••••8431"),
        ("４１１１１１１１１１１１１１１１", "••••1111"),
        ("4111_1111_1111_1111", "••••1111"),
        ("4111.1111.1111.1111", "••••1111"),
        ("1234567890", "••••7890"),  # ten digits failing the business-number check
        ("220816251722", "••••1722"),  # a business number with more digits after it
        ("12345", "••••2345"),
        ("AMEX ••••8431 2024", "AMEX ••••••••2024"),  # one run: a year may hide digits
        ("xF4111111111111111", "xF••••1111"),  # not a file id: no word boundary
        ("F4111111111111111", "F••••1111"),  # too long for a file id
        ("F0123456789 4111111111111111", "F0123456789 ••••1111"),
    ],
)
def test_every_other_run_of_five_or_more_digits_keeps_only_its_last_four(
    text: str, masked: str
) -> None:
    assert mask_card_numbers(text) == masked
