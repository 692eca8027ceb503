import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.audit import Auditor
from bot.store import Store
from tests.support.databases import sqlite_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CARD = "4012888888881881"


def auditor(store: Store) -> Auditor:
    return Auditor(store.audit, clock=lambda: NOW)


@pytest.fixture
async def unmigrated_store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store on an empty database: every write fails for real (no such table)."""
    opened = await Store.open(sqlite_url(tmp_path), migrate=False)
    yield opened
    await opened.close()


async def test_an_entry_is_stored_at_the_clocks_time(store: Store) -> None:
    await auditor(store).record(
        team_id="T1", user_id="U1", action="upload_business", subject="F07ABC12345", outcome="ok"
    )
    [entry] = await store.audit.recent("T1", limit=5)
    assert (entry.user_id, entry.action, entry.subject, entry.outcome, entry.at) == (
        "U1",
        "upload_business",
        "F07ABC12345",
        "ok",
        NOW,
    )


async def test_brand_and_last_four_are_stored_as_given(store: Store) -> None:
    await auditor(store).record(
        team_id="T1", user_id="U1", action="upload_card", subject="VISA ••••1881", outcome="ok"
    )
    [entry] = await store.audit.recent("T1", limit=5)
    assert entry.subject == "VISA ••••1881"


@pytest.mark.parametrize(
    "subject", [CARD, f"VISA {CARD}", "4012 8888 8888 1881", "4012-8888-8888-1881"]
)
async def test_a_card_number_is_masked_before_it_is_stored(
    store: Store, subject: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        await auditor(store).record(
            team_id="T1", user_id="U1", action="upload_card", subject=subject, outcome="ok"
        )
    [entry] = await store.audit.recent("T1", limit=5)
    assert entry.subject.endswith("•••• •••• •••• 1881")  # the one format of bot.domain.pan
    assert "8888" not in entry.subject
    assert "stored masked" in caplog.text
    assert "8888" not in caplog.text


async def test_a_card_number_in_the_outcome_is_masked_too(store: Store) -> None:
    await auditor(store).record(
        team_id="T1", user_id="U1", action="upload_card", subject="F1", outcome=f"read {CARD}"
    )
    [entry] = await store.audit.recent("T1", limit=5)
    assert entry.outcome == "read •••• •••• •••• 1881"


async def test_a_scheduled_action_has_no_user(store: Store) -> None:
    await auditor(store).record(
        team_id="T1", user_id=None, action="recheck", subject="2208162517", outcome="06"
    )
    [entry] = await store.audit.recent("T1", limit=5)
    assert entry.user_id is None


async def test_a_failing_database_is_logged_never_raised(
    unmigrated_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        await auditor(unmigrated_store).record(
            team_id="T1", user_id="U1", action="upload_card", subject=CARD, outcome="ok"
        )
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "Could not write the audit entry for upload_card in team T1"
    assert failure.exc_info is not None
    assert "audit_log" in caplog.text  # the database's own words: no such table
    assert "8888" not in caplog.text
