"""Faults mid-upload: a download cut short, Slack refusing the answer, files.info failing."""

import logging
import sqlite3
import time
from typing import Any

import pytest

from bot.slack.client import MAX_RETRIES
from bot.store import JobState
from fakes.slack import TEAM_ID, ApiCall
from fakes.slack_requests import file_shared_event
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.handlers.test_upload_failures import (
    CHANNEL,
    DONE,
    FAILED,
    FAST_RETRIES,
    UPLOADER,
    certificate_upload,
    failure_reply,
)
from tests.support.helpers import eventually, shown

NUMBER = "220-81-62517"  # what the fake NHN reads on every certificate
# One call of the bot's Slack client: its first try and every retry of slack_sdk's handlers.
CLIENT_TRIES = MAX_RETRIES + 1
# Rate limited, with a Retry-After of 0 so the client's own retries come quickly.
RATE_LIMITED: dict[str, Any] = {"error": "ratelimited", "status": 429, "retry_after": 0}
SERVER_ERROR: dict[str, Any] = {"error": "service_unavailable", "status": 503, "retry_after": None}


def posted(bot: RunningBot) -> list[ApiCall]:
    """The chat.postMessage calls Slack accepted."""
    return [call for call in bot.slack.calls_to("chat.postMessage") if call.error is None]


# A download cut half-way


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_a_download_cut_half_way_is_tried_again_and_answered_once(bot: RunningBot) -> None:
    image = png()
    bot.slack.cut_next_download(after_bytes=len(image) // 2)
    event = certificate_upload(bot, content=image)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert NUMBER in shown(reply)
    assert [download.served for download in bot.slack.downloads] == ["cut", "file"]
    assert bot.nhn.calls("business") == 1  # the half file was never sent to the OCR
    await bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_a_download_cut_on_every_try_gets_a_clear_reply(bot: RunningBot) -> None:
    bot.slack.cut_next_download(after_bytes=1000, times=FAST_RETRIES["job_max_attempts"])
    event = certificate_upload(bot)

    await bot.send.event(event)

    assert "네트워크 오류" in await failure_reply(bot, event)
    assert [download.served for download in bot.slack.downloads] == ["cut", "cut"]
    assert bot.nhn.calls("business") == 0


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_a_body_shorter_than_the_declared_size_is_never_analysed(bot: RunningBot) -> None:
    # The body arrives as a complete HTTP answer, only shorter than Slack says the file is.
    image = png()
    event = certificate_upload(bot, content=image, size=len(image) + 1000)

    await bot.send.event(event)

    assert "네트워크 오류" in await failure_reply(bot, event)
    assert [download.served for download in bot.slack.downloads] == ["file", "file"]
    assert bot.nhn.calls("business") == 0


# Slack refusing the answer


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
@pytest.mark.parametrize("fault", [RATE_LIMITED, SERVER_ERROR], ids=["429", "503"])
async def test_an_answer_slack_refused_is_posted_on_the_retry(
    bot: RunningBot, fault: dict[str, Any]
) -> None:
    bot.slack.fail_next("chat.postMessage", **fault, times=CLIENT_TRIES)
    event = certificate_upload(bot)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage", CLIENT_TRIES + 1)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    [answer] = posted(bot)
    assert answer.params["thread_ts"] == event["ts"]
    assert NUMBER in shown(answer)
    assert bot.nhn.calls("business") == 1  # the retry posted the analysis it had
    await bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == CLIENT_TRIES + 1


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_an_answer_slack_refuses_on_every_try_ends_in_a_clear_reply(
    bot: RunningBot,
) -> None:
    tries = FAST_RETRIES["job_max_attempts"] * CLIENT_TRIES
    bot.slack.fail_next("chat.postMessage", **RATE_LIMITED, times=tries)
    event = certificate_upload(bot)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage", tries + 1)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    [reply] = posted(bot)  # Slack is back in time for the failure to be told
    assert reply.params["thread_ts"] == event["ts"]
    said = shown(reply)
    assert "Slack이 답을 받아 주지 않아" in said
    assert NUMBER not in said
    assert bot.nhn.calls("business") == 1
    await bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == tries + 1


async def test_an_answer_slack_rejects_outright_is_not_retried(bot: RunningBot) -> None:
    # Not a passing failure: trying the same answer again would be refused again.
    bot.slack.fail_next("chat.postMessage", error="invalid_blocks", status=200, retry_after=None)
    event = certificate_upload(bot)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage", 2)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    [reply] = posted(bot)
    assert "Slack이 답을 받아 주지 않아" in shown(reply)
    job = await bot.runtime.services.store.find_upload(TEAM_ID, event["files"][0]["id"])
    assert job is not None
    assert job.state is JobState.FAILED
    assert bot.nhn.calls("business") == 1


# files.info failing for a file_shared event


async def test_a_file_shared_event_whose_lookup_failed_is_analysed_when_delivered_again(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    share_ts = "1700000000.000100"
    file = bot.slack.add_file(
        "사업자등록증.png", png(), "image/png", "png", channel=CHANNEL, share_ts=share_ts
    )
    event = file_shared_event(file["id"], channel=CHANNEL, user=UPLOADER)
    bot.slack.fail_next("files.info", **RATE_LIMITED, times=CLIENT_TRIES)

    await bot.send.event(event)

    await eventually(lambda: len(bot.slack.calls_to("files.info")) == CLIENT_TRIES)
    await eventually(lambda: "files.info failed" in caplog.text)
    [warning] = [record for record in caplog.records if "files.info failed" in record.getMessage()]
    assert warning.levelno == logging.WARNING
    assert await bot.runtime.services.store.find_upload(TEAM_ID, file["id"]) is None
    assert bot.slack.calls_to("chat.postMessage") == []

    await bot.send.event(event)  # Slack's redelivery, or the message event, later

    [reply] = await bot.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == share_ts
    assert NUMBER in shown(reply)
    assert bot.nhn.calls("business") == 1


async def test_a_job_taken_over_while_it_ran_leaves_the_answer_to_the_new_worker(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.nhn.latency_s = 1.0  # time to hand the job to another worker meanwhile
    event = certificate_upload(bot)

    await bot.send.event(event)
    await eventually(lambda: bot.nhn.calls("business") == 1)
    # What another process does when this one's lease has run out: the job is now its own.
    with sqlite3.connect(bot.database) as connection:
        connection.execute("UPDATE upload_jobs SET worker_id = 'another-process'")
    await eventually(lambda: "taken over" in caplog.text, timeout_s=10)
    await bot.settle()

    assert bot.slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("bot_overrides", [FAST_RETRIES])
async def test_the_answer_is_posted_again_no_sooner_than_slacks_retry_after(
    bot: RunningBot,
) -> None:
    bot.slack.fail_next(
        "chat.postMessage", **{**RATE_LIMITED, "retry_after": 1}, times=CLIENT_TRIES
    )
    event = certificate_upload(bot)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage", CLIENT_TRIES)
    refused_at = time.monotonic()
    await bot.wait_for("chat.postMessage", CLIENT_TRIES + 1)
    # The job's own retry waits for Slack's Retry-After, not the 50 ms poll interval.
    assert time.monotonic() - refused_at >= 0.9
    [answer] = posted(bot)
    assert NUMBER in shown(answer)
    assert bot.nhn.calls("business") == 1
