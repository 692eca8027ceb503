"""The bot's messages in a thread, against the fake Slack over real HTTP."""

import logging
from typing import Any

import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.config import Settings
from bot.slack.client import create_web_client
from bot.slack.threads import InPlaceMessage, find_reply, react, reply
from tests.support.slack import FakeSlack

CHANNEL = "C_THREADS"
METADATA = {"event_type": "ocrbot_test", "event_payload": {"job_id": 7}}


def client_for(fake: FakeSlack) -> AsyncWebClient:
    settings = Settings(
        _env_file=None, slack_bot_token=SecretStr(fake.bot_token), slack_api_url=fake.api_url
    )
    return create_web_client(settings)


def said(text: str) -> Message:
    return Message(text=text, blocks=[])


def is_ours(message: dict[str, Any]) -> bool:
    return message.get("metadata") == METADATA


async def test_an_in_place_message_is_posted_once_then_updated(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    parent = await reply(client, CHANNEL, "1700000000.000100", said("the upload"))
    shown = InPlaceMessage(client, CHANNEL, parent, metadata=METADATA)

    await shown.update(said("nothing posted yet"))  # no message to replace: nothing
    await shown.show(said("10% done"))
    await shown.show(said("all done"))

    [post] = [
        call for call in fake_slack.calls_to("chat.postMessage") if call.params.get("metadata")
    ]
    [update] = fake_slack.calls_to("chat.update")
    assert post.params["thread_ts"] == parent
    assert update.params["text"] == "all done"
    assert await find_reply(client, CHANNEL, parent, is_ours) == update.params["ts"]


async def test_an_earlier_runs_message_is_taken_up_again(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    parent = await reply(client, CHANNEL, "1700000000.000100", said("the upload"))
    earlier = await reply(client, CHANNEL, parent, said("40% done"), metadata=METADATA)

    await InPlaceMessage(client, CHANNEL, parent, ts=earlier).show(said("all done"))

    assert len(fake_slack.calls_to("chat.postMessage")) == 2  # no second message
    assert fake_slack.message(CHANNEL, earlier)["text"] == "all done"  # type: ignore[index]


async def test_a_message_slack_refuses_is_logged_not_raised(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail_next("chat.postMessage", error="not_in_channel", status=200, retry_after=None)

    await InPlaceMessage(client_for(fake_slack), CHANNEL, "1700000000.000100").show(said("x"))

    assert "not_in_channel" in caplog.text


async def test_a_reply_is_found_on_a_later_page_and_a_thread_without_it_says_so(
    fake_slack: FakeSlack,
) -> None:
    client = client_for(fake_slack)
    parent = await reply(client, CHANNEL, "1700000000.000100", said("the upload"))
    for number in range(250):  # more than one page of 200
        await reply(client, CHANNEL, parent, said(f"chatter {number}"))

    assert await find_reply(client, CHANNEL, parent, is_ours) is False

    ours = await reply(client, CHANNEL, parent, said("the answer"), metadata=METADATA)

    assert await find_reply(client, CHANNEL, parent, is_ours) == ours
    assert len(fake_slack.calls_to("conversations.replies")) == 4


async def test_a_thread_slack_cannot_show_is_neither_found_nor_empty(
    fake_slack: FakeSlack,
) -> None:
    client = client_for(fake_slack)
    fake_slack.fail_next(
        "conversations.replies", error="service_unavailable", status=503, retry_after=None, times=5
    )

    assert await find_reply(client, CHANNEL, "1700000000.000100", is_ours) is None


async def test_a_reaction_slack_refuses_does_not_stop_the_caller(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.slack.threads")
    client = client_for(fake_slack)
    ts = await reply(client, CHANNEL, "1700000000.000100", said("the upload"))
    fake_slack.fail_next("reactions.add", error="too_many_reactions", status=200, retry_after=None)

    await react(client, CHANNEL, ts, remove="hourglass_flowing_sand", add="white_check_mark")

    assert "too_many_reactions" in caplog.text
    await react(client, CHANNEL, ts, add="white_check_mark")
    assert fake_slack.reactions_on(CHANNEL, ts) == ["white_check_mark"]
