"""Slack delivers one upload several times; the bot analyses and answers it once."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.store import Store, UploadJob
from fakes.nhn import NhnFake
from fakes.slack import TEAM_ID, FakeSlack
from fakes.slack_requests import file_share_message, file_shared_event
from tests.handlers.conftest import RunningBot, bot_settings, running_bot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
UPLOADER = "U_UPLOADER"
# Longer than the harness's FILE_SHARED_GRACE_S (0.3 s): what file_shared would do, it did.
AFTER_GRACE_S = 0.6


def certificate(slack: FakeSlack) -> dict[str, object]:
    return slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)


async def test_message_file_shared_and_a_retry_give_one_analysis(bot: RunningBot) -> None:
    file = certificate(bot.slack)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)

    deliveries = [
        await bot.send.event(message, event_id="Ev0UPLOAD01"),
        await bot.send.event(file_shared_event(str(file["id"]), channel=CHANNEL, user=UPLOADER)),
        await bot.send.event(message, event_id="Ev0UPLOAD01", retry_num=1),
    ]

    assert [response.status_code for response in deliveries] == [200, 200, 200]
    [reply] = await bot.wait_for("chat.postMessage")
    await bot.settle(AFTER_GRACE_S)
    assert bot.nhn.calls("business") == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert reply.params["channel"] == CHANNEL
    assert reply.params["thread_ts"] == message["ts"]
    assert bot.slack.calls_to("files.info") == []  # the message carried the whole file


async def test_file_shared_first_waits_for_the_message_and_its_words(bot: RunningBot) -> None:
    file = bot.slack.add_file("IMG_0001.png", png(), "image/png", "png", channel=CHANNEL)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="사업자등록증입니다")

    await bot.send.event(file_shared_event(str(file["id"]), channel=CHANNEL, user=UPLOADER))
    await bot.send.event(message)

    [reply] = await bot.wait_for("chat.postMessage")
    await bot.settle(AFTER_GRACE_S)
    assert bot.nhn.calls("business") == 1  # the words named it; nobody was asked
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert reply.params["thread_ts"] == message["ts"]


async def test_a_restarted_bot_does_not_analyse_a_file_again(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = certificate(fake_slack)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    shared = file_shared_event(str(file["id"]), channel=CHANNEL, user=UPLOADER)

    async with running_bot(settings, slack_signing_secret, fake_slack) as first:
        await first.event(message, event_id="Ev0UPLOAD02")
        await eventually(
            lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == ["white_check_mark"]
        )
    async with running_bot(settings, slack_signing_secret, fake_slack) as second:
        await second.event(message, event_id="Ev0UPLOAD02", retry_num=2)
        await second.event(shared)
        await second.event(message, event_id="Ev0UPLOAD03")  # Slack may even mint a new id
        await asyncio.sleep(AFTER_GRACE_S)  # time for anything it should not do

    assert fake_nhn.calls("business") == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def enqueue_upload(
    store: Store, file: dict[str, Any], message: dict[str, Any], *, kind: str, now: datetime
) -> int:
    """Record the upload of `file` shared in `message` as a job, as the bot would at `now`."""
    recorded = await store.enqueue_upload(
        UploadJob(
            team_id=TEAM_ID,
            file_id=str(file["id"]),
            channel_id=CHANNEL,
            user_id=UPLOADER,
            message_ts=message["ts"],
            thread_ts=message["ts"],
            channel_type="channel",
            kind=kind,
        ),
        now=now,
    )
    assert recorded is not None
    return recorded.id


async def abandon_job(
    settings: Settings, file: dict[str, Any], message: dict[str, Any], *, claims: int
) -> None:
    """Record the upload as a job that `claims` processes took and died with, long ago."""
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    store = await Store.open(settings.database_url)
    try:
        job_id = await enqueue_upload(store, file, message, kind="business", now=long_ago)
        for claim in range(claims):
            # Each lease ran out long ago: the process holding it died.
            claimed = await store.claim_job(
                job_id,
                f"dead-worker-{claim}",
                now=long_ago + timedelta(minutes=10 * claim),
                lease=timedelta(minutes=5),
            )
            assert claimed is not None
    finally:
        await store.close()


async def test_a_job_a_process_left_running_when_it_died_is_finished_after_a_restart(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = certificate(fake_slack)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    await abandon_job(settings, file, message, claims=1)

    async with running_bot(settings, slack_signing_secret, fake_slack) as sender:
        # The worker's first pass, at start-up, takes the job over.
        await eventually(
            lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == ["white_check_mark"]
        )
        await sender.event(message)  # the message, delivered at last, is not analysed again
        await asyncio.sleep(AFTER_GRACE_S)

    [reply] = fake_slack.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == message["ts"]
    assert "220-81-62517" in str(reply.params["blocks"])
    assert fake_nhn.calls("business") == 1


async def test_a_job_whose_workers_keep_dying_stops_and_tells_the_uploader(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    file = certificate(fake_slack)
    message = file_share_message(file, channel=CHANNEL, user=UPLOADER)
    await abandon_job(settings, file, message, claims=settings.job_max_attempts)

    async with running_bot(settings, slack_signing_secret, fake_slack):
        await eventually(lambda: fake_slack.reactions_on(CHANNEL, message["ts"]) == ["warning"])

    [reply] = fake_slack.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == message["ts"]
    assert "여러 번 시도했지만" in reply.params["text"] + str(reply.params["blocks"])
    assert fake_nhn.calls("business") == 0


async def test_file_shared_alone_is_analysed_once_in_the_thread_of_its_share(
    bot: RunningBot,
) -> None:
    file = bot.slack.add_file(
        "cert.pdf", b"%PDF-1.4 certificate", "application/pdf", "pdf", channel=CHANNEL
    )
    shared = file_shared_event(str(file["id"]), channel=CHANNEL, user=UPLOADER)

    await bot.send.event(shared)
    await bot.send.event(shared, retry_num=1)

    [reply] = await bot.wait_for("chat.postMessage")
    await bot.settle(AFTER_GRACE_S)
    assert bot.nhn.calls("business") == 1
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert reply.params["channel"] == CHANNEL
    share_ts = bot.slack.file_object(str(file["id"]))["shares"]["public"][CHANNEL][0]["ts"]
    assert reply.params["thread_ts"] == share_ts
