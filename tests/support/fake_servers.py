"""The fake Slack, NHN and NTS servers (the `fakes` package) as fixtures.

Each fixture fails the test at teardown if the bot sent what the real service would
refuse; a test that provokes that on purpose collects it first (`take_violations()`,
`expect_violations()`).
"""

from collections.abc import Iterator

import pytest

from fakes.nhn import NhnFake
from fakes.nts import NtsFake
from fakes.slack import FakeSlack, ForeignHost
from fakes.slack_requests import SIGNING_SECRET


@pytest.fixture
def slack_signing_secret() -> str:
    return SIGNING_SECRET


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Slack; the test fails if the app sent anything Slack would reject.

    A test that provokes a violation on purpose collects it with `take_violations()`.
    """
    with FakeSlack() as fake:
        yield fake
    if fake.violations:
        pytest.fail(
            "Requests real Slack would reject:\n" + "\n".join(fake.violations), pytrace=False
        )


@pytest.fixture
def foreign_host() -> Iterator[ForeignHost]:
    """A server on another host (127.0.0.2) that records whether requests carried a token."""
    with ForeignHost() as host:
        yield host


@pytest.fixture
def fake_nhn() -> Iterator[NhnFake]:
    """A started fake; fails the test if the client broke the contract unexpectedly."""
    fake = NhnFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    if fake.violations:
        pytest.fail("NHN contract violations:\n" + "\n".join(fake.violations))


@pytest.fixture
def fake_nts() -> Iterator[NtsFake]:
    """A started fake; fails the test if the client broke the contract unexpectedly."""
    fake = NtsFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    if fake.violations:
        pytest.fail("NTS contract violations:\n" + "\n".join(fake.violations))
