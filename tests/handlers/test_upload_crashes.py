"""A process that dies mid-job: the next run answers once, and never pays NHN twice for an
answer already given; a slow NHN is told at once, not after rounds of job retries."""

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.services.uploads.answer import ANSWER_EVENT
from bot.store import JobState, Store
from tests.handlers.conftest import RunningBot, bot_settings, eventually, running_bot
from tests.handlers.images import png
from tests.handlers.test_upload_duplicates import enqueue_upload
from tests.handlers.test_upload_failures import failure_reply
from tests.ocr.images import numbered_pdf
from tests.support.databases import upload_state
from tests.support.nhn import CARD, NhnFake, Reply
from tests.support.slack import FakeSlack, file_share_message

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
DONE = "white_check_mark"
DEAD = "dead-worker"


async def abandon_while_answering(
    settings: Settings, file: dict[str, Any], message: dict[str, Any], *, kind: str
) -> int:
    """Record the upload as a job whose process began to post the answer and then died."""
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    store = await Store.open(settings.database_url)
    try:
        job_id = await enqueue_upload(store, file, message, kind=kind, now=long_ago)
        lease = timedelta(minutes=5)
        assert await store.claim_job(job_id, DEAD, now=long_ago, lease=lease) is not None
        assert await store.begin_answer(job_id, DEAD, now=long_ago, lease=lease)
        return job_id
    finally:
        await store.close()


def answer_metadata(job_id: int, file: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": ANSWER_EVENT, "event_payload": {"job_id": job_id, "file_id": file["id"]}}


async def test_an_answer_posted_before_the_death_is_found_and_not_given_again(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    job_id = await abandon_while_answering(settings, file, message, kind="business")
    # What the dead process got in before it could record it: the answer, with its metadata.
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    await client.chat_postMessage(
        channel=CHANNEL,
        thread_ts=message["ts"],
        text="220-81-62517",
        metadata=answer_metadata(job_id, file),
    )

    async with running_bot(settings, slack_signing_secret, fake_slack):
        await eventually(lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == [DONE])
        await asyncio.sleep(0.3)  # time for anything it should not do

    assert fake_nhn.calls("business") == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the dead process's answer
    [lookup] = fake_slack.calls_to("conversations.replies")
    assert lookup.params["ts"] == message["ts"]
    assert lookup.params["include_all_metadata"] in (True, "true", "1")
    assert await upload_state(settings.database_url, file) is JobState.DONE


async def test_an_answer_begun_but_never_posted_is_given_once(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    job_id = await abandon_while_answering(settings, file, message, kind="business")

    async with running_bot(settings, slack_signing_secret, fake_slack):
        await eventually(lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == [DONE])
        await asyncio.sleep(0.3)

    [answer] = fake_slack.calls_to("chat.postMessage")
    assert answer.params["thread_ts"] == message["ts"]
    assert "220-81-62517" in str(answer.params["blocks"])
    assert answer.params["metadata"] == answer_metadata(job_id, file)
    assert fake_nhn.calls("business") == 1


async def test_a_private_card_answer_begun_before_the_death_is_not_paid_for_again(
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    tmp_path: Path,
    slack_signing_secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # In a public channel a card's answer goes to the uploader alone, and Slack keeps no
    # ephemeral message to look for: the begun answer is taken as given.
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = fake_slack.add_file("card.png", png(), "image/png", "png", channel=CHANNEL)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    await abandon_while_answering(settings, file, message, kind="card")

    async with running_bot(settings, slack_signing_secret, fake_slack):
        await eventually(lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == [DONE])
        await asyncio.sleep(0.3)

    assert fake_nhn.calls(CARD) == 0
    assert fake_slack.calls_to("chat.postEphemeral") == []
    assert fake_slack.calls_to("chat.postMessage") == []
    assert await upload_state(settings.database_url, file) is JobState.DONE
    [warning] = [r for r in caplog.records if "cannot be checked" in r.getMessage()]
    assert warning.levelno == logging.WARNING


@pytest.mark.parametrize(
    "bot_overrides", [{"ocr_timeout_s": 0.5, "ocr_deadline_s": 2.0, "job_poll_interval": "0.05s"}]
)
async def test_a_slow_nhn_is_told_within_one_deadline_for_at_most_the_clients_attempts(
    bot: RunningBot,
) -> None:
    bot.nhn.latency_s = 10  # far past every attempt's timeout
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    started = time.monotonic()

    await bot.send.event(event)

    said = await failure_reply(bot, event)
    told_after_s = time.monotonic() - started
    bot.nhn.latency_s = 0
    await bot.settle()
    settings = bot.runtime.settings
    assert "너무 늦습니다" in said
    assert told_after_s < 2 * settings.ocr_deadline_s  # one deadline, and the posting
    assert 1 <= bot.nhn.calls("business") <= settings.ocr_max_attempts
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("bot_overrides", [{"job_poll_interval": "0.05s"}])
async def test_a_failing_nhn_is_not_asked_again_for_each_page_of_a_pdf(bot: RunningBot) -> None:
    gateway_503 = Reply.error(5030001, headers={"Retry-After": "0"})
    bot.nhn.script("business", *[gateway_503] * 20)
    file = bot.slack.add_file(
        "certificate.pdf", numbered_pdf(3), "application/pdf", "pdf", channel=CHANNEL
    )
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER)

    await bot.send.event(event)

    assert "일시적으로 응답하지 않습니다" in await failure_reply(bot, event)
    await bot.settle()
    # One page's attempts in all: NHN failing is no reason to try the next page.
    assert bot.nhn.calls("business") == bot.runtime.settings.ocr_max_attempts


@pytest.mark.parametrize("bot_overrides", [{"job_lease": "0.6s"}])
async def test_a_long_analysis_keeps_its_short_lease_alive(bot: RunningBot) -> None:
    bot.nhn.latency_s = 2.0  # three leases long
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    store = bot.runtime.services.store

    await bot.send.event(event)
    await eventually(lambda: bot.nhn.calls("business") == 1)
    taken = []
    while not bot.slack.calls_to("chat.postMessage"):
        # What a peer process does every poll: nothing is free while the holder lives.
        taken += await store.claim_jobs("peer", now=datetime.now(UTC), lease=timedelta(seconds=1))
        await asyncio.sleep(0.1)

    assert taken == []
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert bot.nhn.calls("business") == 1


async def test_a_bulk_check_cut_short_by_a_death_finishes_in_its_own_message(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    content = "사업자등록번호\r\n220-81-62517\r\n124-81-00998\r\n".encode()
    file = fake_slack.add_file("거래처.csv", content, "text/csv", "csv", channel=CHANNEL)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="bizstatus")
    job_id = await abandon_while_answering(settings, file, message, kind="bulk")
    # The dead process got its progress message in, with the job in its metadata.
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    progress = await client.chat_postMessage(
        channel=CHANNEL,
        thread_ts=message["ts"],
        text="조회 중: 0 / 2",
        metadata=answer_metadata(job_id, file),
    )

    async with running_bot(settings, slack_signing_secret, fake_slack):
        await eventually(lambda: len(fake_slack.uploads) == 1)
        await eventually(lambda: bool(fake_slack.calls_to("chat.update")))
        await asyncio.sleep(0.3)  # time for anything it should not do

    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the dead process's, no other
    updated = {call.params["ts"] for call in fake_slack.calls_to("chat.update")}
    assert updated == {progress["ts"]}
    assert "일괄 조회 결과" in str(fake_slack.calls_to("chat.update")[-1].params)
    assert await upload_state(settings.database_url, file) is JobState.DONE


async def test_a_bulk_check_gets_the_job_in_its_message(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = fake_slack.add_file(
        "거래처.csv", b"220-81-62517\r\n", "text/csv", "csv", channel=CHANNEL
    )
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="bizstatus")

    async with running_bot(settings, slack_signing_secret, fake_slack) as send:
        await send.event(message)
        await eventually(lambda: len(fake_slack.uploads) == 1)

    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.params["metadata"]["event_type"] == ANSWER_EVENT
    assert post.params["metadata"]["event_payload"]["file_id"] == file["id"]
