"""Every message about an upload: a text fallback, within Block Kit's limits, text from
outside made inert, and written in the configured language."""

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.blocks.ids import CHOOSE_KIND_CARD
from fakes.blockkit import limit_violations
from fakes.nhn import Reply
from fakes.slack import BOT_USER_ID
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot
from tests.handlers.images import jpeg, png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
# What a file name or OCR text could smuggle in: mentions that ping everyone, a
# disguised link, and a user mention.
HOSTILE = "<!channel> <!here> <https://evil.example/login|국민은행> <@U_CEO>"
HOSTILE_FILE_NAME = "<!channel> <https://evil.example|bank> scan.png"
HANGUL = re.compile(r"[가-힣]")
DONE, FAILED = "white_check_mark", "warning"


def messages(bot: RunningBot, response_urls: list[str]) -> list[dict[str, Any]]:
    """Every message the bot sent: posts, ephemeral posts and response_url answers."""
    sent = [
        call.params
        for method in ("chat.postMessage", "chat.postEphemeral", "chat.update")
        for call in bot.slack.calls_to(method)
    ]
    return sent + [body for url in response_urls for body in bot.slack.responses(url)]


async def certificate_with_hostile_ocr_text(bot: RunningBot) -> list[str]:
    bot.nhn.business_key_values = [
        (key, HOSTILE if key == "상호" else value, confidence)
        for key, value, confidence in bot.nhn.business_key_values
    ]
    file = bot.slack.add_file(HOSTILE_FILE_NAME, png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="certificate")
    await bot.send.event(event)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    return []


async def card_in_a_public_channel(bot: RunningBot) -> list[str]:
    file = bot.slack.add_file(HOSTILE_FILE_NAME, jpeg(), "image/jpeg", "jpg", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="card")
    await bot.send.event(event)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    return []


async def prompt_then_card(bot: RunningBot) -> list[str]:
    file = bot.slack.add_file(HOSTILE_FILE_NAME, png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    await bot.send.event(event)
    [prompt] = await bot.wait_for("chat.postMessage")
    [job] = {
        element["value"]
        for block in prompt.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }
    url = bot.slack.response_url()
    await bot.send.action(
        bot.send.block_action(
            CHOOSE_KIND_CARD,
            job,
            user=UPLOADER,
            channel=CHANNEL,
            message_ts=new_ts(),
            thread_ts=event["ts"],
            response_url=url,
        )
    )
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    return [url]


async def ocr_failure(bot: RunningBot) -> list[str]:
    bot.nhn.script("business", Reply.error(5003001))
    file = bot.slack.add_file(HOSTILE_FILE_NAME, png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="certificate")
    await bot.send.event(event)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    return []


async def unsupported_file_asked_about(bot: RunningBot) -> list[str]:
    file = bot.slack.add_file(
        "<!channel> notes.txt", b"notes", "text/plain", "text", channel=CHANNEL
    )
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text=f"<@{BOT_USER_ID}>")
    await bot.send.event(event)
    await bot.wait_for("chat.postMessage")
    return []


Flow = Callable[[RunningBot], Awaitable[list[str]]]
FLOWS: list[Flow] = [
    certificate_with_hostile_ocr_text,
    card_in_a_public_channel,
    prompt_then_card,
    ocr_failure,
    unsupported_file_asked_about,
]


@pytest.mark.parametrize("bot_overrides", [{"language": "ko"}, {"language": "en"}])
@pytest.mark.parametrize("flow", FLOWS, ids=[flow.__name__ for flow in FLOWS])
async def test_every_message_is_well_formed_and_inert(
    bot: RunningBot, flow: Flow, bot_overrides: dict[str, str]
) -> None:
    response_urls = await flow(bot)

    sent = messages(bot, response_urls)
    assert sent
    for message in sent:
        text, blocks = message.get("text"), message.get("blocks")
        assert isinstance(text, str)
        assert text.strip(), "every message needs a text fallback"
        assert isinstance(blocks, list)
        assert limit_violations(blocks) == []
        shown = text + json.dumps(blocks, ensure_ascii=False)
        for smuggled in ("<!channel>", "<!here>", "<https://evil", "<@U_CEO>"):
            assert smuggled not in shown
        if bot_overrides["language"] == "en" and flow is not certificate_with_hostile_ocr_text:
            assert not HANGUL.search(shown), "Korean in an English reply"
