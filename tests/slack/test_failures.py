"""The one rule for failed Slack calls, against what the client really raises."""

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.slack_response import SlackResponse

from bot.config import Settings
from bot.slack.client import MAX_RETRIES, create_web_client
from bot.slack.failures import SLACK_FAILURES, describe, is_retryable, retry_after_s
from tests.support.slack import FakeSlack

NO_BACKOFF = FixedValueRetryIntervalCalculator(0)


def client_for(fake: FakeSlack) -> AsyncWebClient:
    settings = Settings(
        _env_file=None, slack_bot_token=SecretStr(fake.bot_token), slack_api_url=fake.api_url
    )
    return create_web_client(settings, retry_interval=NO_BACKOFF)


async def failure_of(fake: FakeSlack) -> BaseException:
    with pytest.raises(SLACK_FAILURES) as raised:
        await client_for(fake).auth_test()
    return raised.value


async def test_a_connection_reset_on_every_try_is_retryable(fake_slack: FakeSlack) -> None:
    fake_slack.reset_next("auth.test", times=1 + MAX_RETRIES)

    error = await failure_of(fake_slack)

    assert is_retryable(error)
    assert describe(error) == type(error).__name__


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (429, "ratelimited", True),
        (503, "service_unavailable", True),
        (200, "internal_error", True),  # Slack's outage, answered with 200
        (200, "request_timeout", True),
        (200, "invalid_blocks", False),
        (200, "not_in_channel", False),
    ],
)
async def test_slacks_own_refusals_are_retryable_only_when_they_pass(
    fake_slack: FakeSlack, status: int, code: str, retryable: bool
) -> None:
    fake_slack.fail_next("auth.test", error=code, status=status, retry_after=None, times=5)

    error = await failure_of(fake_slack)

    assert isinstance(error, SlackApiError)
    assert is_retryable(error) is retryable
    assert describe(error) == code


async def test_retry_after_is_read_from_a_rate_limited_answer(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("auth.test", retry_after=0, times=1 + MAX_RETRIES)

    error = await failure_of(fake_slack)

    assert retry_after_s(error) == 0.0
    assert retry_after_s(ConnectionResetError()) is None


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError(104, "Connection reset by peer"),
        ConnectionRefusedError(111, "Connection refused"),
        OSError(101, "Network is unreachable"),  # a bare OSError, as connect() raises it
        TimeoutError(),
        aiohttp.ServerDisconnectedError(),
    ],
)
def test_network_failures_are_retryable(error: BaseException) -> None:
    assert isinstance(error, SLACK_FAILURES)
    assert is_retryable(error)


def test_a_request_the_client_refuses_to_build_is_not_retryable() -> None:
    assert not is_retryable(SlackRequestError("file must be bytes"))


def test_a_refusal_without_a_code_is_described_by_its_http_status() -> None:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/auth.test",
        req_args={},
        data={"ok": False},
        headers={},
        status_code=502,
    )

    error = SlackApiError("refused", response)

    assert describe(error) == "HTTP 502"
    assert is_retryable(error)
