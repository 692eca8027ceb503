"""The checks a request from Slack passes before Bolt reads it: signature, body, replay."""

import asyncio
import hashlib
import hmac
import logging
import time
from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError

from bot.slack.requests import (
    SIGNATURE_MAX_AGE_S,
    RecentSignatures,
    ReplayGuard,
    read_request,
    signature_problem,
)
from bot.store import Store
from bot.store.requests import SeenRequests

SECRET = "8f14e45fceea167a5a36dedd4bea2543"
NOW = 1_760_000_000
BODY = b'{"type":"event_callback","event":{"type":"app_home_opened"}}'


def sign(timestamp: str, body: bytes = BODY, secret: str = SECRET) -> str:
    # Slack's recipe (FACTS.md): v0= + hex HMAC-SHA256 of "v0:{timestamp}:{body}".
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return "v0=" + digest.hexdigest()


@pytest.mark.parametrize("offset", [0, SIGNATURE_MAX_AGE_S, -SIGNATURE_MAX_AGE_S])
def test_a_signature_within_five_minutes_either_way_is_valid(offset: int) -> None:
    timestamp = str(NOW + offset)
    assert signature_problem(SECRET, BODY, timestamp, sign(timestamp), now=NOW) is None


@pytest.mark.parametrize("offset", [SIGNATURE_MAX_AGE_S + 1, -SIGNATURE_MAX_AGE_S - 1])
def test_a_signature_over_five_minutes_off_is_refused(offset: int) -> None:
    timestamp = str(NOW + offset)
    problem = signature_problem(SECRET, BODY, timestamp, sign(timestamp), now=NOW)
    assert problem == "timestamp outside the five-minute window"


def test_the_signature_covers_the_raw_bytes_even_when_they_are_not_utf8() -> None:
    body = b"\xff\xfe payload"
    timestamp = str(NOW)
    assert signature_problem(SECRET, body, timestamp, sign(timestamp, body), now=NOW) is None
    assert read_request(body, query="", headers={"Content-Type": "application/json"}) is None


@pytest.mark.parametrize(
    ("timestamp", "signature", "problem"),
    [
        (None, "v0=" + "0" * 64, "no signature"),
        (str(NOW), None, "no signature"),
        ("", "v0=" + "0" * 64, "no valid timestamp"),
        (" 1760000000", "v0=" + "0" * 64, "no valid timestamp"),
        ("1760000000.0", "v0=" + "0" * 64, "no valid timestamp"),
        ("+1760000000", "v0=" + "0" * 64, "no valid timestamp"),
        ("١٧٦٠٠٠٠٠٠٠", "v0=" + "0" * 64, "no valid timestamp"),  # digits, not ASCII
        ("9" * 5000, "v0=" + "0" * 64, "no valid timestamp"),
        (str(NOW), sign(str(NOW), secret="another secret"), "signature does not match"),
        (str(NOW), sign(str(NOW)).upper(), "signature does not match"),
        (str(NOW), sign(str(NOW)) + " ", "signature does not match"),
        (str(NOW), "v0=ü" + sign(str(NOW))[4:], "signature does not match"),
        (str(NOW), sign(str(NOW + 1)), "signature does not match"),
    ],
)
def test_what_is_not_a_fresh_slack_signature(
    timestamp: str | None, signature: str | None, problem: str
) -> None:
    assert signature_problem(SECRET, BODY, timestamp, signature, now=NOW) == problem


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (BODY, "application/json"),
        (b"payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded"),
        (b"command=%2Fbizstatus&text=1", "application/x-www-form-urlencoded"),
        (b"ssl_check=1&token=x", "application/x-www-form-urlencoded"),
    ],
)
def test_bodies_slack_sends_are_read(body: bytes, content_type: str) -> None:
    request = read_request(body, query="", headers={"Content-Type": content_type})
    assert request is not None
    assert request.raw_body == body.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"event": {}}',
        b'{"type": 1}',
        b'{"type": "event_callback", "enterprise": 5}',
        b"payload=%5B%5D",
        b"payload=nope",
        b"text=hello",
    ],
)
def test_bodies_slack_does_not_send_are_not(body: bytes) -> None:
    assert read_request(body, query="", headers={"Content-Type": "application/json"}) is None


def signature_of(n: int) -> str:
    return "v0=" + f"{n:064x}"


def test_memory_catches_a_signature_seen_before() -> None:
    recent = RecentSignatures()
    now = int(time.time())

    assert recent.first_time(signature_of(1), now) is True
    assert recent.first_time(signature_of(1), now) is False
    assert recent.first_time(signature_of(2), now) is True


async def test_a_signature_is_new_once_on_every_process_of_the_database(store: Store) -> None:
    here, there = ReplayGuard(store.seen_requests), ReplayGuard(store.seen_requests)
    now = int(time.time())

    assert await here.first_time(signature_of(1), now) is True
    assert await there.first_time(signature_of(1), now) is False  # the database remembers
    assert await there.first_time(signature_of(2), now) is True
    assert await here.first_time(signature_of(2), now) is False


class SlowRecords(SeenRequests):
    """Records that take as long as the test says, as when another writer holds the database."""

    def __init__(self) -> None:
        self.go_on = asyncio.Event()
        self.remembered: list[str] = []

    async def remember(self, signature: str, *, expires_at: datetime) -> bool:
        await self.go_on.wait()
        self.remembered.append(signature)
        return True

    async def forget_expired(self, *, now: datetime) -> int:
        return 0


async def test_a_slow_database_lets_a_request_on_after_the_wait_and_still_gets_the_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = SlowRecords()
    guard = ReplayGuard(records, wait_s=0.2)
    now = int(time.time())

    started = time.monotonic()
    assert await guard.first_time(signature_of(3), now) is True
    assert time.monotonic() - started < 1.0
    assert [r.levelname for r in caplog.records] == ["WARNING"]

    records.go_on.set()
    await guard.aclose(grace_s=1.0)  # the record still reaches the database
    assert records.remembered == [f"{3:064x}"]


class BrokenRecords(SeenRequests):
    def __init__(self) -> None:
        pass

    async def remember(self, signature: str, *, expires_at: datetime) -> bool:
        raise OperationalError("INSERT INTO seen_requests ...", {}, Exception("disk I/O error"))

    async def forget_expired(self, *, now: datetime) -> int:
        return 0


async def test_a_failing_database_lets_requests_through_with_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    guard = ReplayGuard(BrokenRecords())
    now = int(time.time())

    assert await guard.first_time(signature_of(4), now) is True

    [line] = caplog.records
    assert line.getMessage() == (
        "Replay check: the database failed (OperationalError); checked in memory only"
    )
    assert line.exc_info is None


def test_memory_forgets_a_signature_once_slack_would_refuse_it_anyway() -> None:
    clock = [float(NOW)]
    recent = RecentSignatures(clock=lambda: clock[0])
    assert recent.first_time(signature_of(5), NOW) is True

    clock[0] = NOW + SIGNATURE_MAX_AGE_S  # still within the window: remembered
    assert recent.first_time(signature_of(5), NOW) is False
    clock[0] = NOW + 2 * SIGNATURE_MAX_AGE_S  # its timestamp is refused before this check
    assert recent.first_time(signature_of(5), NOW) is True  # forgotten


async def test_a_request_slack_has_had_its_answer_for_waits_for_the_database() -> None:
    records = SlowRecords()
    guard = ReplayGuard(records, wait_s=0.05)
    checking = asyncio.create_task(
        guard.first_time(signature_of(7), int(time.time()), answered=True)
    )

    await asyncio.sleep(0.2)  # well past wait_s: no ack is at stake, so it waits on
    assert not checking.done()
    records.go_on.set()
    assert await checking is True
    assert records.remembered == [f"{7:064x}"]
