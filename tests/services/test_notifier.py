"""The team notifier against the fake Slack over HTTP and a real store, with a clock it is given."""

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.config import Settings
from bot.domain.authenticity import Authenticity, Details, Verdict
from bot.domain.status import BusinessStatus, StatusCheck
from bot.services.notifier import TeamNotifier
from bot.slack.client import MAX_RETRIES, create_web_client
from bot.store import Store
from fakes.slack import FakeSlack
from tests.support.databases import sqlite_url

ALERTS = "C_ALERTS"
TEAM = "T0001"
CHECKER = "U0CHECKER"
COOLDOWN = timedelta(days=7)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ATTEMPTS = 3
LOGGER = "bot.services.notifier"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


def closed(number: str = "2208162517") -> StatusCheck:
    return StatusCheck(number=number, status=BusinessStatus.CLOSED, checked_at=START)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(sqlite_url(tmp_path))
    yield store
    await store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_notifier(
    fake_slack: FakeSlack, store: Store, clock: Clock, *, notify_channel: str | None = ALERTS
) -> TeamNotifier:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=fake_slack.bot_token,
        slack_api_url=fake_slack.api_url,
        notify_channel=notify_channel,
        notify_cooldown=COOLDOWN,
    )
    # No waiting between retries, neither slack_sdk's nor the notifier's own.
    client = create_web_client(settings, retry_interval=FixedValueRetryIntervalCalculator(0))
    return TeamNotifier(client, store, settings, clock=clock, attempts=ATTEMPTS, retry_delay_s=0)


@pytest.fixture
def notifier(fake_slack: FakeSlack, sqlite_store: Store, clock: Clock) -> TeamNotifier:
    return make_notifier(fake_slack, sqlite_store, clock)


def post_errors(fake_slack: FakeSlack) -> list[str | None]:
    return [call.error for call in fake_slack.calls_to("chat.postMessage")]


def failures_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == LOGGER]


async def announce(notifier: TeamNotifier, check: StatusCheck | None = None) -> bool:
    return await notifier.announce(check or closed(), team_id=TEAM, checked_by=CHECKER)


async def test_an_alert_is_posted_once_per_cooldown_of_the_clock(
    notifier: TeamNotifier, fake_slack: FakeSlack, clock: Clock
) -> None:
    assert await announce(notifier)
    clock.now = START + COOLDOWN - timedelta(seconds=1)
    assert not await announce(notifier)
    clock.now = START + COOLDOWN
    assert await announce(notifier)

    first, second = fake_slack.calls_to("chat.postMessage")
    assert first.params["channel"] == second.params["channel"] == ALERTS
    assert "220-81-62517" in first.params["text"]


@pytest.mark.parametrize("status", [s for s in BusinessStatus if not s.is_alert])
async def test_a_status_that_is_not_an_alert_posts_nothing(
    notifier: TeamNotifier, fake_slack: FakeSlack, status: BusinessStatus
) -> None:
    check = StatusCheck(number="2208162517", status=status, checked_at=START)

    assert not await announce(notifier, check)
    assert fake_slack.calls == []


async def test_without_a_channel_nothing_is_posted_or_claimed(
    fake_slack: FakeSlack, sqlite_store: Store, clock: Clock
) -> None:
    silent = make_notifier(fake_slack, sqlite_store, clock, notify_channel=None)

    assert not await announce(silent)
    assert fake_slack.calls == []
    assert await announce(make_notifier(fake_slack, sqlite_store, clock))  # nothing was claimed


async def test_a_server_error_is_retried(notifier: TeamNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", error="internal_error", status=500, retry_after=None)

    assert await announce(notifier)
    assert post_errors(fake_slack) == ["internal_error", None]


async def test_a_transient_error_answered_with_200_is_retried_by_the_notifier(
    notifier: TeamNotifier, fake_slack: FakeSlack
) -> None:
    # slack_sdk retries only 429, 5xx and dropped connections; this one is the notifier's.
    fake_slack.fail_next("chat.postMessage", error="fatal_error", status=200, times=ATTEMPTS - 1)

    assert await announce(notifier)
    assert post_errors(fake_slack) == ["fatal_error"] * (ATTEMPTS - 1) + [None]


async def test_a_post_that_keeps_failing_is_logged_and_released(
    notifier: TeamNotifier, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    fake_slack.fail_next("chat.postMessage", error="internal_error", status=200, times=ATTEMPTS)

    assert not await announce(notifier)

    assert post_errors(fake_slack) == ["internal_error"] * ATTEMPTS
    [record] = failures_logged(caplog)
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "2208162517" in message
    assert ALERTS in message
    assert "internal_error" in message
    assert fake_slack.bot_token not in caplog.text
    # Released: the next lookup, at the same moment, announces it.
    assert await announce(notifier)
    assert post_errors(fake_slack)[-1] is None


async def test_an_error_another_try_cannot_fix_is_not_retried(
    notifier: TeamNotifier, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    fake_slack.add_channel(ALERTS, bot_is_member=False)

    assert not await announce(notifier)

    assert post_errors(fake_slack) == ["not_in_channel"]
    [record] = failures_logged(caplog)
    assert "not_in_channel" in record.getMessage()
    assert "Invite the bot" in record.getMessage()
    fake_slack.add_channel(ALERTS, bot_is_member=True)
    assert await announce(notifier)


@pytest.mark.parametrize(
    "error", ["channel_not_found", "is_archived", "restricted_action", "token_revoked"]
)
async def test_slack_errors_that_would_repeat_are_tried_once(
    notifier: TeamNotifier, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    fake_slack.fail_next("chat.postMessage", error=error, status=200)

    assert not await announce(notifier)

    assert post_errors(fake_slack) == [error]
    [record] = failures_logged(caplog)
    assert error in record.getMessage()


async def test_dropped_connections_are_retried_then_logged_and_released(
    notifier: TeamNotifier, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=LOGGER)
    tries = ATTEMPTS * (1 + MAX_RETRIES)  # slack_sdk's retries inside each of the notifier's
    fake_slack.reset_next("chat.postMessage", times=tries)

    assert not await announce(notifier)

    assert len(fake_slack.calls_to("chat.postMessage")) == tries
    [record] = failures_logged(caplog)
    assert record.levelno == logging.ERROR
    assert "2208162517" in record.getMessage()
    assert await announce(notifier)
    assert post_errors(fake_slack)[-1] is None


async def test_a_mismatch_has_its_own_cooldown_beside_the_statuses(
    notifier: TeamNotifier, fake_slack: FakeSlack, clock: Clock
) -> None:
    mismatch = Authenticity(Details("2208162517", "20150302", ("홍길동",)), Verdict.MISMATCH)
    match = Authenticity(Details("2208162517", "20150302", ("홍길동",)), Verdict.MATCH)

    assert await notifier.announce_mismatch(mismatch, team_id=TEAM, checked_by=CHECKER)
    assert not await notifier.announce_mismatch(mismatch, team_id=TEAM, checked_by=CHECKER)
    assert not await notifier.announce_mismatch(match, team_id=TEAM, checked_by=CHECKER)
    # The same business closed is a different announcement.
    assert await notifier.announce(closed(), team_id=TEAM, checked_by=CHECKER)
    clock.now += COOLDOWN
    assert await notifier.announce_mismatch(mismatch, team_id=TEAM, checked_by=CHECKER)
    posted = fake_slack.calls_to("chat.postMessage")
    assert [call.params["channel"] for call in posted] == [ALERTS] * 3
    assert "220-81-62517" in posted[0].params["text"]
