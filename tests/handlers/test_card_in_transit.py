"""A card photo sent through the real bot: with User Access Key credentials it reaches
NHN only encrypted (credit-card API v2.1) and its number comes back only encrypted."""

from typing import Any

import pytest

from bot.blocks.errors import explain
from bot.ocr.errors import error_for_code
from fakes.nhn import CARD, PUBLIC_KEY, Reply
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import jpeg
from tests.support.helpers import eventually, shown
from tests.support.leaks import plaintext_on_the_wire

CARD_NUMBER = "4012888888881881"  # Luhn-valid Visa test number
CHANNEL = "C_PRIVATE_TEAM"  # a private channel: the answer is a thread reply
UPLOADER = "U_UPLOADER"
V1_0_SECRET_KEY = "sk-v1-0-card-setup"


def card_upload(bot: RunningBot, photo: bytes, name: str = "IMG_2041.jpg") -> dict[str, Any]:
    bot.nhn.card_number = CARD_NUMBER
    file = bot.slack.add_file(name, photo, "image/jpeg", "jpg", channel=CHANNEL)
    return file_share_message(
        file, channel=CHANNEL, user=UPLOADER, text="법인카드 등록", channel_type="group"
    )


async def finished(bot: RunningBot, event: dict[str, Any], reaction: str) -> None:
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, str(event["ts"])) == [reaction])


async def test_a_card_upload_crosses_the_wire_encrypted(bot: RunningBot) -> None:
    bot.nhn.record_wire = True
    photos = [jpeg(), jpeg(1200, 760)]
    events = [card_upload(bot, photo, f"카드 {n}.jpg") for n, photo in enumerate(photos)]

    for event in events:
        await bot.send.event(event)
        await finished(bot, event, "white_check_mark")

    replies = bot.slack.calls_to("chat.postMessage")
    answers = [reply for reply in replies if "1881" in shown(reply)]
    assert len(answers) == 2  # each read, the last four shown
    card_calls = [exchange for exchange in bot.nhn.wire if exchange.endpoint == CARD]
    assert [exchange.path.split("/")[1] for exchange in card_calls] == ["v2.1", "v2.1"]
    assert len(bot.nhn.card_images) == 2  # what NHN decrypted: real images
    images = [*photos, *bot.nhn.card_images]
    assert plaintext_on_the_wire(bot.nhn.wire, images, CARD_NUMBER) == []
    assert bot.nhn.calls(PUBLIC_KEY) == 1  # cached for the process


@pytest.mark.parametrize("code", [4000301, 4000303])
async def test_a_refused_envelope_is_told_in_its_own_words(bot: RunningBot, code: int) -> None:
    bot.nhn.script(CARD, *[Reply.error(code)] * 2)
    event = card_upload(bot, jpeg())

    await bot.send.event(event)

    await finished(bot, event, "warning")
    [reply] = bot.slack.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == event["ts"]
    advice = explain(error_for_code(code, endpoint="credit-card", http_status=200))
    assert advice.ko in shown(reply)
    await bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "bot_overrides",
    [
        {
            "nhn_user_access_key_id": None,
            "nhn_secret_access_key": None,
            "nhn_ocr_secret_key": V1_0_SECRET_KEY,
        }
    ],
)
async def test_a_secret_key_setup_keeps_the_v1_0_card_call(bot: RunningBot) -> None:
    bot.nhn.secret_key = V1_0_SECRET_KEY
    event = card_upload(bot, jpeg())

    await bot.send.event(event)

    await finished(bot, event, "white_check_mark")
    [sent] = bot.nhn.requests_to(CARD)
    assert sent.path.split("/")[1] == "v1.0"
    assert "symmetric-key" not in sent.headers
    assert bot.nhn.calls(PUBLIC_KEY) == 0
    assert any("1881" in shown(reply) for reply in bot.slack.calls_to("chat.postMessage"))
