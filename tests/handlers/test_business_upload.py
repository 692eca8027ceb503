"""A business registration certificate uploaded in a channel is answered in its thread."""

import io
import json

import pytest
from PIL import Image

from bot.blocks import ids
from fakes.nhn import Reply
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.handlers.images import png
from tests.ocr.images import numbered_pdf
from tests.support.helpers import eventually

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


async def test_the_replys_watch_button_adds_the_business_to_the_watchlist(bot: RunningBot) -> None:
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")
    await bot.send.event(event)
    [reply] = await bot.wait_for("chat.postMessage")
    [actions] = [b for b in reply.params["blocks"] if b["type"] == "actions"]
    [watch] = [e for e in actions["elements"] if e["action_id"] == ids.WATCH_BUSINESS]
    assert watch["value"] == "2208162517"
    assert await bot.runtime.services.store.watches.list(bot.send.team_id) == []

    # Click exactly the button the reply carries, as Slack would send it back.
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        watch["action_id"],
        watch["value"],
        user="U_BUYER",
        channel=CHANNEL,
        message_ts=new_ts(),
        thread_ts=event["ts"],
        response_url=url,
        block_id=actions["block_id"],
    )
    response = await bot.send.action(payload)

    assert response.status_code == 200
    await eventually(lambda: len(bot.slack.responses(url)) >= 1)
    [answer] = bot.slack.responses(url)
    assert answer["response_type"] == "ephemeral"
    assert "220-81-62517" in blocks_text(answer)
    stored = await bot.runtime.services.store.watches.get(bot.send.team_id, "2208162517")
    assert stored is not None
    assert (stored.created_by, stored.channel_id) == ("U_BUYER", ALERTS_CHANNEL)
    assert len(bot.slack.calls_to("chat.postMessage")) == 1  # only the reply; the click is private


async def test_a_number_failing_the_check_digit_is_still_looked_up_with_a_warning(
    bot: RunningBot,
) -> None:
    # 206-18-12345 is one of the real numbers the usual check-digit rule rejects.
    bot.nhn.business_key_values = [
        ("등록번호", "206-18-12345", 0.99),
        ("상호", "주식회사 예외", 0.97),
    ]
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)

    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))

    [reply] = await bot.wait_for("chat.postMessage")
    shown = blocks_text(reply.params)
    assert "206-18-12345" in shown
    assert "끝자리가 일반적인 검증 규칙과 맞지 않습니다" in shown
    assert "🟢" in shown  # looked up all the same
    [asked] = bot.nhn.requests_to("business/status")
    assert "2061812345" in json.dumps(asked.body, ensure_ascii=False)


async def test_a_number_no_tax_office_issues_is_shown_but_never_looked_up(
    bot: RunningBot,
) -> None:
    # Serial 0000 passes the check digit, yet no tax office issues it: a misread, likely.
    bot.nhn.business_key_values = [
        ("등록번호", "101-81-00001", 0.71),
        ("상호", "주식회사 오독", 0.97),
    ]
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)

    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))

    [reply] = await bot.wait_for("chat.postMessage")
    shown = blocks_text(reply.params)
    assert "101-81-00001" in shown
    assert "세무서가 발급하지 않는 번호입니다" in shown
    assert bot.nhn.calls("business/status") == 0
    assert ids.WATCH_BUSINESS not in shown  # nothing to watch either
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, file_share_ts(bot)) != [])


def file_share_ts(bot: RunningBot) -> str:
    [reply] = bot.slack.calls_to("chat.postMessage")
    return str(reply.params["thread_ts"])
