"""A bot process killed (SIGKILL) at each step of an upload job, then another started on the
same PostgreSQL database: one answer per upload, and NHN paid again only for the step that
was in flight."""

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.store import JobState
from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import CARD, NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import file_share_message
from tests.handlers.images import jpeg, png
from tests.multiprocess.test_durable_uploads import CHANNEL, bot_env, thread_replies
from tests.support.databases import upload_state
from tests.support.helpers import eventually

pytestmark = pytest.mark.slow

UPLOADER = "U_UPLOADER"
CARD_NUMBER = "4012888888881881"  # Luhn-valid Visa test number
# A peer finds a dead process's job within the default JOB_LEASE (30 s) and
# JOB_POLL_INTERVAL (10 s); the rest is the new process starting and answering.
RESUMED_WITHIN_S = 60


def certificate(slack: FakeSlack) -> tuple[dict[str, Any], dict[str, Any]]:
    file = slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    return file, file_share_message(file, channel=CHANNEL, user=UPLOADER)


async def test_killed_during_ocr_the_job_is_resumed_within_a_minute_at_default_settings(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    # No JOB_LEASE or JOB_POLL_INTERVAL: the defaults are what is under test.
    env = fakes_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret)
    file, event = certificate(fake_slack)
    fake_nhn.latency_s = 120  # NHN holds the request until the process is gone

    doomed = BotProcess(env, tmp_path / "doomed.log").start()
    await doomed.deliver(fake_slack, slack_signing_secret, event)
    await eventually(lambda: fake_nhn.calls("business") == 1, timeout_s=20)
    doomed.kill()
    killed_at = time.monotonic()
    fake_nhn.latency_s = 0

    with BotProcess(env, tmp_path / "restarted.log") as restarted:
        await eventually(lambda: len(thread_replies(fake_slack)) == 1, timeout_s=RESUMED_WITHIN_S)
        resumed_after_s = time.monotonic() - killed_at
        output = restarted.output()

    assert resumed_after_s < RESUMED_WITHIN_S, resumed_after_s
    assert thread_replies(fake_slack) == {event["ts"]: 1}
    assert fake_nhn.calls("business") == 2  # the killed call, and the one read that answered
    assert await upload_state(postgres_url, file) is JobState.DONE
    assert "Traceback" not in output


async def test_killed_after_the_answer_was_posted_but_before_it_was_recorded(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    env = bot_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret, lease="2s")
    file, event = certificate(fake_slack)
    fake_slack.hold("chat.postMessage")  # the answer is in the thread; its reply never comes

    doomed = BotProcess(env, tmp_path / "doomed.log").start()
    await doomed.deliver(fake_slack, slack_signing_secret, event)
    await eventually(lambda: fake_slack.held("chat.postMessage") == 1, timeout_s=20)
    doomed.kill()
    fake_slack.release("chat.postMessage")

    with BotProcess(env, tmp_path / "restarted.log") as restarted:
        await eventually(lambda: fake_slack.calls_to("conversations.replies") != [], timeout_s=20)
        await eventually(
            lambda: fake_slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"],
            timeout_s=10,
        )
        output = restarted.output()

    assert thread_replies(fake_slack) == {event["ts"]: 1}
    assert fake_nhn.calls("business") == 1  # the answer found in the thread was not paid again
    assert await upload_state(postgres_url, file) is JobState.DONE
    assert "Traceback" not in output


async def test_killed_during_the_redacted_card_copy(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    env = bot_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret, lease="2s")
    fake_nhn.card_number = CARD_NUMBER
    file = fake_slack.add_file("IMG_2041.jpg", jpeg(), "image/jpeg", "jpg", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER, text="법인카드")
    fake_slack.hold("upload")  # the copy's bytes reach Slack; the upload never completes

    doomed = BotProcess(env, tmp_path / "doomed.log").start()
    await doomed.deliver(fake_slack, slack_signing_secret, event)
    await eventually(lambda: fake_slack.held("upload") == 1, timeout_s=20)
    doomed.kill()
    fake_slack.release("upload")

    with BotProcess(env, tmp_path / "restarted.log") as restarted:
        # Two leases and more polls: the job, recorded before the copy, is not run again.
        await asyncio.sleep(5)
        output = restarted.output()

    [answer] = fake_slack.calls_to("chat.postEphemeral")  # to the uploader alone, in public
    assert answer.params["user"] == UPLOADER
    assert CARD_NUMBER[-4:] in str(answer.params["blocks"])
    assert fake_nhn.calls(CARD) == 1
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.uploads == []  # the copy was best effort, and died with the process
    assert await upload_state(postgres_url, file) is JobState.DONE
    assert "Traceback" not in output
