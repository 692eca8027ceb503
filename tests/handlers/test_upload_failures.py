"""Every failure ends in a friendly reply in the upload's thread and a failed reaction."""

from typing import Any

import pytest

from fakes.blockkit import limit_violations
from fakes.nhn import Reply
from fakes.slack import ForeignHost
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually, shown

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
WORKING, DONE, FAILED = "hourglass_flowing_sand", "white_check_mark", "warning"
# Quick job retries: the worker polls every 50 ms and a retry waits one poll, then two.
FAST_RETRIES: dict[str, Any] = {"job_poll_interval": "0.05s", "job_max_attempts": 2}
# The API Gateway's 503, with a Retry-After that lets the OCR client retry at once.
GATEWAY_503 = Reply.error(5030001, headers={"Retry-After": "0"})


def certificate_upload(bot: RunningBot, **file: Any) -> dict[str, Any]:
    added = bot.slack.add_file(
        "사업자등록증.png", file.pop("content", png()), "image/png", "png", channel=CHANNEL, **file
    )
    return file_share_message(added, channel=CHANNEL, user=UPLOADER)


async def failure_reply(bot: RunningBot, event: dict[str, Any]) -> str:
    """Wait for the one reply and the failed reaction; return what the reply says."""
    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    assert reply.params["channel"] == CHANNEL
    assert reply.params["thread_ts"] == event["ts"]
    assert reply.params["text"]
    assert limit_violations(reply.params["blocks"]) == []
    said = shown(reply)
    assert "Traceback" not in said
    assert "Error" not in said  # no exception names either
    return said


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (4000002, "파일을 읽을 수 없습니다"),
        (5003001, "사업자등록증을 인식하지 못했습니다"),
        (4010001, "NHN Cloud 키 설정을 확인"),
    ],
)
async def test_an_ocr_error_code_gets_its_message(bot: RunningBot, code: int, says: str) -> None:
    bot.nhn.script("business", Reply.error(code))
    event = certificate_upload(bot)

    await bot.send.event(event)

    assert says in await failure_reply(bot, event)
    await bot.settle()
    assert bot.nhn.calls("business") == 1  # not worth trying again
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_a_gateway_503_is_retried_by_the_ocr_client_only_and_then_reported(
    bot: RunningBot,
) -> None:
    bot.nhn.script("business", *[GATEWAY_503] * 8)  # enough for two rounds of the client
    event = certificate_upload(bot)

    await bot.send.event(event)

    assert "일시적으로 응답하지 않습니다" in await failure_reply(bot, event)
    await bot.settle()
    # OCR_MAX_ATTEMPTS calls in all: the job does not run the client's retries again.
    assert bot.nhn.calls("business") == bot.runtime.settings.ocr_max_attempts == 4
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_an_ocr_that_recovers_within_the_clients_retries_is_answered(
    bot: RunningBot,
) -> None:
    bot.nhn.script("business", *[GATEWAY_503] * 3)  # the fourth and last attempt works
    event = certificate_upload(bot)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert "220-81-62517" in shown(reply)
    assert bot.nhn.calls("business") == 4


async def test_the_sign_in_page_names_the_missing_scope(bot: RunningBot) -> None:
    event = certificate_upload(bot, serve="html_login")

    await bot.send.event(event)

    assert "files:read" in await failure_reply(bot, event)
    assert bot.nhn.calls("business") == 0


HTML_PAGE = b"<!DOCTYPE html>\n<html><body><h1>Quarterly report</h1></body></html>"


@pytest.mark.parametrize("mimetype", ["application/pdf", "text/html"])
async def test_an_html_page_uploaded_as_scan_pdf_is_told_it_is_not_a_pdf(
    bot: RunningBot, mimetype: str
) -> None:
    # Slack serves the file's bytes with its own type: the person's page, not a sign-in page.
    added = bot.slack.add_file("scan.pdf", HTML_PAGE, mimetype, "pdf", channel=CHANNEL)
    event = file_share_message(added, channel=CHANNEL, user=UPLOADER)

    await bot.send.event(event)

    said = await failure_reply(bot, event)
    assert "읽을 수 있는 PDF나 이미지 파일이 아닙니다" in said
    assert "files:read" not in said
    assert bot.nhn.calls("business") == 0


@pytest.mark.parametrize("bot_overrides", [{"language": "en"}])
async def test_in_english_the_html_page_is_not_a_readable_pdf_and_the_sign_in_page_is_the_scope(
    bot: RunningBot,
) -> None:
    page = bot.slack.add_file("scan.pdf", HTML_PAGE, "application/pdf", "pdf", channel=CHANNEL)
    page_event = file_share_message(page, channel=CHANNEL, user=UPLOADER)
    await bot.send.event(page_event)
    assert "not a readable PDF or image" in await failure_reply(bot, page_event)

    signed_out = certificate_upload(bot, serve="html_login")
    await bot.send.event(signed_out)
    [_, reply] = await bot.wait_for("chat.postMessage", 2)
    said = shown(reply)
    assert "files:read" in said
    assert "not a readable" not in said
    assert bot.nhn.calls("business") == 0


@pytest.mark.parametrize("bot_overrides", [{"file_max_bytes": 1_000_000}])
async def test_a_file_over_the_limit_is_refused_from_its_declared_size(bot: RunningBot) -> None:
    event = certificate_upload(bot, size=80_000_000)

    await bot.send.event(event)

    assert "최대 1 MB" in await failure_reply(bot, event)
    assert bot.slack.downloads == []
    assert bot.nhn.calls("business") == 0


async def test_a_file_on_a_foreign_host_is_never_fetched(
    bot: RunningBot, foreign_host: ForeignHost
) -> None:
    event = certificate_upload(bot)
    foreign_url = foreign_host.serve("/files/cert.png", png(), "image/png")
    event["files"][0]["url_private_download"] = foreign_url

    await bot.send.event(event)

    assert "Slack에 직접 올려" in await failure_reply(bot, event)
    assert foreign_host.requests == []
    assert bot.nhn.calls("business") == 0


async def test_an_empty_file_is_refused(bot: RunningBot) -> None:
    event = certificate_upload(bot, content=b"")

    await bot.send.event(event)

    assert "빈 파일입니다" in await failure_reply(bot, event)
    assert bot.nhn.calls("business") == 0


async def test_a_file_deleted_before_it_was_read_is_reported(bot: RunningBot) -> None:
    added = bot.slack.add_file(
        "사업자등록증.png",
        png(),
        "image/png",
        "png",
        channel=CHANNEL,
        file_access="check_file_info",
    )
    event = file_share_message(added, channel=CHANNEL, user=UPLOADER)
    bot.slack.fail_next("files.info", error="file_deleted", status=200, retry_after=None)

    await bot.send.event(event)

    assert "삭제되었거나" in await failure_reply(bot, event)
    assert bot.slack.downloads == []
