"""A business registration certificate uploaded in a channel is answered in its thread."""

import io
import json

import pytest
from PIL import Image

from tests.handlers.conftest import RunningBot, eventually
from tests.handlers.images import png
from tests.ocr.images import numbered_pdf
from tests.support.nhn import Reply
from tests.support.slack_requests import file_share_message

CHANNEL = "C_PURCHASING"


def blocks_text(params: dict[str, object]) -> str:
    return json.dumps(params.get("blocks"), ensure_ascii=False) + str(params.get("text"))


async def test_certificate_upload_gets_fields_and_status_in_the_thread(bot: RunningBot) -> None:
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER", text="신규 거래처입니다")

    response = await bot.send.event(event)

    assert response.status_code == 200
    [reply] = await bot.wait_for("chat.postMessage")
    assert reply.params["channel"] == CHANNEL
    assert reply.params["thread_ts"] == event["ts"]
    shown = blocks_text(reply.params)
    assert "주식회사 한빛테크놀로지" in shown
    assert "220-81-62517" in shown
    assert "🟢" in shown  # the status badge
    assert reply.params["text"]  # the notification fallback
    assert bot.nhn.calls("business") == 1
    assert bot.nhn.calls("business/status") == 1
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"])


async def test_a_closed_business_shows_its_badge_and_a_recheck_button(bot: RunningBot) -> None:
    bot.nhn.statuses["2208162517"] = "06"
    file = bot.slack.add_file(
        "cert.pdf", b"%PDF-1.4 certificate", "application/pdf", "pdf", channel=CHANNEL
    )
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")

    await bot.send.event(event)

    replies = await bot.wait_for("chat.postMessage")
    thread_reply = next(c for c in replies if c.params["channel"] == CHANNEL)
    shown = blocks_text(thread_reply.params)
    assert "🔴" in shown
    buttons = [
        element
        for block in thread_reply.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert [b["value"] for b in buttons if b["action_id"] == "recheck_status"] == ["2208162517"]


@pytest.mark.parametrize("bot_overrides", [{"language": "en"}])
async def test_english_replies_when_language_is_en(bot: RunningBot) -> None:
    file = bot.slack.add_file("certificate.png", png(), "image/png", "png", channel=CHANNEL)
    await bot.send.event(
        file_share_message(file, channel=CHANNEL, user="U_UPLOADER", text="business certificate")
    )
    [reply] = await bot.wait_for("chat.postMessage")
    assert "Trade name" in blocks_text(reply.params)


async def test_a_webp_photo_is_converted_and_read(bot: RunningBot) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 900), "white").save(buffer, "WEBP")
    file = bot.slack.add_file(
        "사업자등록증.webp", buffer.getvalue(), "image/webp", "webp", channel=CHANNEL
    )
    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))
    [reply] = await bot.wait_for("chat.postMessage")
    assert "220-81-62517" in blocks_text(reply.params)
    assert bot.nhn.calls("business") == 1  # the fake refuses anything but JPEG, PNG or PDF


BLANK_PAGE = {"fileType": "png", "unitType": "pixel", "keyValues": [], "boxes": []}


@pytest.mark.parametrize("bot_overrides", [{"language": "en", "max_pdf_pages": 2}])
async def test_each_page_of_a_long_pdf_is_read_and_the_reply_says_which_held_what(
    bot: RunningBot,
) -> None:
    bot.nhn.script("business", Reply.ok(BLANK_PAGE), Reply.ok())  # a cover page, then the copy
    file = bot.slack.add_file(
        "certificate.pdf", numbered_pdf(3), "application/pdf", "pdf", channel=CHANNEL
    )
    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))

    [reply] = await bot.wait_for("chat.postMessage")
    shown = blocks_text(reply.params)
    assert bot.nhn.calls("business") == 2  # pages 1 and 2; page 3 is past MAX_PDF_PAGES
    assert "Read 2 of the PDF's 3 pages" in shown
    assert "Page 1: nothing read" in shown
    assert "Page 2: the registration number" in shown
    assert "Pages 3–3 were not read" in shown
    assert "220-81-62517" in shown
    assert bot.nhn.calls("business/status") == 1


async def test_a_one_page_pdf_goes_to_nhn_as_it_is(bot: RunningBot) -> None:
    file = bot.slack.add_file(
        "certificate.pdf", numbered_pdf(1), "application/pdf", "pdf", channel=CHANNEL
    )
    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))
    [reply] = await bot.wait_for("chat.postMessage")
    assert "220-81-62517" in blocks_text(reply.params)
    [sent] = bot.nhn.requests_to("business")
    assert sent.body["content_type"] == "application/pdf"
