"""The Web client factory, against the fake Slack over real HTTP."""

import pytest
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.config import ConfigError, Settings
from bot.slack.client import MAX_RETRIES, create_web_client
from tests.support.slack import FakeSlack

NO_BACKOFF = FixedValueRetryIntervalCalculator(0)


def settings_for(fake: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=SecretStr(fake.bot_token),
        slack_api_url=fake.api_url,
    )


async def test_calls_go_to_slack_api_url_with_the_bot_token(fake_slack: FakeSlack) -> None:
    client = create_web_client(settings_for(fake_slack))

    answer = await client.auth_test()

    assert answer["user_id"] == "UBOT"
    (call,) = fake_slack.calls_to("auth.test")
    assert call.headers["Authorization"] == f"Bearer {fake_slack.bot_token}"


async def test_a_rate_limited_call_waits_for_retry_after_and_succeeds(
    fake_slack: FakeSlack,
) -> None:
    client = create_web_client(settings_for(fake_slack))
    fake_slack.fail_next("auth.test", error="ratelimited", status=429, retry_after=1)

    answer = await client.auth_test()

    assert answer["ok"] is True
    assert [call.error for call in fake_slack.calls_to("auth.test")] == ["ratelimited", None]


async def test_a_server_error_is_retried(fake_slack: FakeSlack) -> None:
    client = create_web_client(settings_for(fake_slack), retry_interval=NO_BACKOFF)
    fake_slack.fail_next("auth.test", error="internal_error", status=500, retry_after=None)

    answer = await client.auth_test()

    assert answer["ok"] is True
    assert [call.error for call in fake_slack.calls_to("auth.test")] == ["internal_error", None]


async def test_a_reset_connection_is_retried(fake_slack: FakeSlack) -> None:
    client = create_web_client(settings_for(fake_slack), retry_interval=NO_BACKOFF)
    fake_slack.reset_next("auth.test")

    answer = await client.auth_test()

    assert answer["ok"] is True
    assert len(fake_slack.calls_to("auth.test")) == 2


async def test_retries_are_bounded(fake_slack: FakeSlack) -> None:
    client = create_web_client(settings_for(fake_slack), retry_interval=NO_BACKOFF)
    fake_slack.fail_next(
        "auth.test", error="service_unavailable", status=503, retry_after=None, times=10
    )

    with pytest.raises(SlackApiError) as raised:
        await client.auth_test()

    assert raised.value.response["error"] == "service_unavailable"
    assert len(fake_slack.calls_to("auth.test")) == 1 + MAX_RETRIES


def test_a_missing_bot_token_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        create_web_client(Settings(_env_file=None, slack_bot_token=None))
