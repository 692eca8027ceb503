"""A signed request captured and sent again within Slack's five minutes does nothing the
second time, on whichever process it lands; Slack's own retries are signed afresh and
are still taken in."""

import asyncio
import time
from pathlib import Path

import httpx

from fakes.nhn import STATUS, NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot, bot_settings, running_bot
from tests.handlers.images import png
from tests.handlers.test_database_outage import database_locked
from tests.support.helpers import eventually

OPEN = "220-81-62517"
OPEN_DIGITS = "2208162517"
CHANNEL = "C_GENERAL"
CHECKER = "U0CHECKER"
# Longer than any answer takes against the fakes: what a replay would do, it did.
AFTER_S = 0.6


async def test_a_replayed_slash_command_gets_one_answer(bot: RunningBot) -> None:
    url = bot.slack.response_url()
    first = await bot.send.command(OPEN, user_id=CHECKER, response_url=url)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)

    again = await bot.send.replay(first)

    await bot.settle(AFTER_S)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(bot.slack.responses(url)) == 1
    assert bot.nhn.calls(STATUS) == 1


async def test_a_replay_sent_at_once_still_gets_one_answer(bot: RunningBot) -> None:
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        "recheck_status",
        OPEN_DIGITS,
        user=CHECKER,
        channel=CHANNEL,
        message_ts=new_ts(),
        response_url=url,
    )
    first = await bot.send.action(payload)

    replays = await asyncio.gather(*(bot.send.replay(first) for _ in range(5)))

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    await bot.settle(AFTER_S)
    assert [r.status_code for r in (first, *replays)] == [200] * 6
    assert len(bot.slack.responses(url)) == 1
    assert bot.nhn.calls(STATUS) == 1  # the re-check is a fresh, billed lookup: once


async def test_a_replayed_share_click_posts_once(bot: RunningBot) -> None:
    answer_url = bot.slack.response_url()
    await bot.send.command(OPEN, user_id=CHECKER, channel_id=CHANNEL, response_url=answer_url)
    await eventually(lambda: len(bot.slack.responses(answer_url)) == 1)
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        "share_status",
        f'["{OPEN_DIGITS}"]',
        user=CHECKER,
        channel=CHANNEL,
        message_ts=new_ts(),
        response_url=url,
    )
    first = await bot.send.action(payload)
    await eventually(lambda: len(bot.slack.responses(url)) == 2)  # the share, the removal

    await bot.send.replay(first)

    await bot.settle(AFTER_S)
    assert [answer.get("response_type") for answer in bot.slack.responses(url)] == [
        "in_channel",
        None,  # {"delete_original": true}
    ]


async def test_slacks_retry_of_an_event_is_signed_afresh_and_acknowledged(
    bot: RunningBot,
) -> None:
    file = bot.slack.add_file("cert.png", png(), "image/png", "png", channel="C_PURCHASING")
    event = file_share_message(file, channel="C_PURCHASING", user="U0UPLOADER", text="사업자")
    first = await bot.send.event(event)

    retries = [await bot.send.redeliver(first, retry_num=n) for n in (1, 2)]

    assert [r.status_code for r in (first, *retries)] == [200, 200, 200]
    await bot.wait_for("chat.postMessage")
    await bot.settle(AFTER_S)
    # The retries were taken in, and the uploads' own deduplication (by file) kept the
    # answer to one.
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert bot.nhn.calls("business") == 1


async def test_a_replay_is_caught_in_memory_while_the_database_is_locked(
    bot: RunningBot,
) -> None:
    url = bot.slack.response_url()
    async with database_locked(bot.database):
        started = time.monotonic()
        first = await bot.send.command(OPEN, user_id=CHECKER, response_url=url)
        again = await bot.send.replay(first)
        acknowledged_s = time.monotonic() - started

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    await bot.settle(AFTER_S)
    assert (first.status_code, again.status_code) == (200, 200)
    assert acknowledged_s < 1.5  # well within Slack's 3 s, though the database was not
    assert len(bot.slack.responses(url)) == 1
    assert bot.nhn.calls(STATUS) == 1


async def test_a_request_replayed_to_another_process_on_the_same_database_does_nothing(
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    tmp_path: Path,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    """Several bots behind a load balancer share one PostgreSQL, and nothing else."""
    settings = bot_settings(
        fake_slack,
        fake_nhn,
        tmp_path / "unused.db",
        slack_signing_secret,
        database_url=postgres_url,
    )
    url = fake_slack.response_url()
    async with (
        running_bot(settings, slack_signing_secret, fake_slack) as first_bot,
        running_bot(settings, slack_signing_secret, fake_slack) as second_bot,
    ):
        first = await first_bot.command(OPEN, user_id=CHECKER, response_url=url)
        await eventually(lambda: len(fake_slack.responses(url)) == 1)

        again: httpx.Response = await second_bot.replay(first)

        await asyncio.sleep(AFTER_S)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.request.url != first.request.url  # the other process
    assert len(fake_slack.responses(url)) == 1
    assert fake_nhn.calls(STATUS) == 1
