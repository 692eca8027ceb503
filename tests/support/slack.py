"""Slack for the tests: a fake Slack server, a signed-request sender, and their fixtures.

Import what tests need from here:

    from tests.support.slack import FakeSlack, SlackRequestSender, file_share_message

The fake lives in slack_fake.py, Block Kit limits in slack_blocks.py, the sender and
event builders in slack_requests.py.
"""

from collections.abc import Iterator

import pytest

from tests.support.slack_blocks import Rejection, message_rejection, view_rejection
from tests.support.slack_fake import (
    API_APP_ID,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    TEAM_ID,
    ApiCall,
    ChannelKind,
    Download,
    FakeSlack,
    ForeignHost,
    RecordedRequest,
    Serve,
    Upload,
)
from tests.support.slack_requests import (
    Signing,
    SlackRequestSender,
    file_share_message,
    file_shared_event,
    new_ts,
    slack_signature,
)

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "SIGNING_SECRET",
    "TEAM_ID",
    "ApiCall",
    "ChannelKind",
    "Download",
    "FakeSlack",
    "ForeignHost",
    "RecordedRequest",
    "Rejection",
    "Serve",
    "Signing",
    "SlackRequestSender",
    "Upload",
    "fake_slack",
    "file_share_message",
    "file_shared_event",
    "foreign_host",
    "message_rejection",
    "new_ts",
    "slack_signature",
    "slack_signing_secret",
    "view_rejection",
]

SIGNING_SECRET = "ocrbot-test-signing-secret-8f14e45fceea167a"


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
