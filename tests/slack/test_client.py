"""The Web client factory, against the fake Slack over real HTTP."""

import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.config import ConfigError, Settings
from bot.slack.client import MAX_RETRIES, MaskingAck, MaskingRespond, create_web_client
from fakes.slack import FakeSlack
from tests.support.leaks import card_digit_runs

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


# Masking: whatever the bot sends through the client shows card numbers by their last four.

CARD = "4556076760016584"
WRITTEN = "카드 4556\u00a00767-6001.6584"


async def test_every_string_of_a_call_is_masked_json_encoded_ones_too(
    fake_slack: FakeSlack,
) -> None:
    client = create_web_client(settings_for(fake_slack))
    fake_slack.add_channel("C1")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": WRITTEN}}
    await client.chat_postMessage(
        channel="C1",
        text=WRITTEN,
        blocks=[section],
        attachments=[{"fallback": WRITTEN, "text": WRITTEN}],
    )
    await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section]})
    await client.api_call("chat.postMessage", params={"channel": "C1", "text": WRITTEN})
    calls = fake_slack.calls_to("chat.postMessage") + fake_slack.calls_to("views.publish")
    assert len(calls) == 3
    for call in calls:
        assert card_digit_runs(repr(call.params), CARD) == [], call.params
        assert "•••• •••• •••• 6584" in repr(call.params)


async def test_an_uploaded_text_file_its_name_title_and_comment_are_masked(
    fake_slack: FakeSlack,
) -> None:
    client = create_web_client(settings_for(fake_slack))
    fake_slack.add_channel("C1")
    content = f"number,label\n2208162517,{WRITTEN}\n".encode("utf-8-sig")
    await client.files_upload_v2(
        channel="C1",
        content=content,
        filename=f"result {WRITTEN}.csv",
        title=f"title {WRITTEN}",
        initial_comment=f"comment {WRITTEN}",
    )
    [upload] = fake_slack.uploads  # the fake checks the announced length against the bytes
    for text in (upload.content.decode("utf-8-sig"), upload.filename, upload.title):
        assert card_digit_runs(text, CARD) == [], text
        assert "6584" in text
    assert upload.initial_comment is not None
    assert card_digit_runs(upload.initial_comment, CARD) == []
    assert upload.content.decode("utf-8-sig").startswith("number,label\n2208162517,카드 ")


async def test_an_image_is_uploaded_byte_for_byte_and_a_path_is_refused(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    client = create_web_client(settings_for(fake_slack))
    fake_slack.add_channel("C1")
    jpeg = b"\xff\xd8\xff\xe0" + b"4556 0767 6001 6584" + b"\xff\xd9"  # not UTF-8: binary
    await client.files_upload_v2(channel="C1", content=jpeg, filename="card-redacted.jpg")
    assert fake_slack.uploads[0].content == jpeg
    path = tmp_path / "result.csv"
    path.write_text(WRITTEN)
    with pytest.raises(TypeError, match="masked"):
        await client.files_upload_v2(channel="C1", file=str(path), filename="result.csv")


async def test_bolts_ack_and_respond_mask_what_they_send(fake_slack: FakeSlack) -> None:
    acked = await MaskingAck()(
        f"ack {WRITTEN}", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": WRITTEN}}]
    )
    body = json.loads(acked.body)
    assert body["text"] == "ack 카드 •••• •••• •••• 6584"
    assert body["blocks"][0]["text"]["text"] == "카드 •••• •••• •••• 6584"
    url = fake_slack.response_url()
    await MaskingRespond(response_url=url)(f"respond {WRITTEN}", response_type="ephemeral")
    [body] = fake_slack.responses(url)
    assert body["text"] == "respond 카드 •••• •••• •••• 6584"
