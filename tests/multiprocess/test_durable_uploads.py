"""Several bot processes on one PostgreSQL database: every upload analysed exactly once,
and a job left by a killed process finished by another."""

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import file_share_message, file_shared_event
from tests.handlers.images import png
from tests.support.helpers import eventually

pytestmark = pytest.mark.slow

CHANNEL = "C_PURCHASING"


def bot_env(
    slack: FakeSlack, nhn: NhnFake, database_url: str, secret: str, *, lease: str = "3s"
) -> dict[str, str]:
    """`lease` short, so that a job left by a dead process is taken over within the test."""
    return {
        **fakes_env(slack, nhn, database_url, secret),
        "FILE_SHARED_GRACE_S": "0.2",
        "JOB_POLL_INTERVAL": "1s",
        "JOB_LEASE": lease,
    }


def thread_replies(slack: FakeSlack) -> Counter[str]:
    return Counter(
        call.params["thread_ts"]
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") == CHANNEL
    )


async def test_two_processes_analyse_each_of_100_uploads_once(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    # No process dies here: on a loaded machine a 3 s lease could run out under a busy
    # process, and its peer would rightly take the job over and read the file again.
    env = bot_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret, lease="60s")
    image = png(1280, 800)
    with (
        BotProcess(env, tmp_path / "a.log") as first,
        BotProcess(env, tmp_path / "b.log") as second,
    ):
        async with (
            first.sender(fake_slack, slack_signing_secret) as to_first,
            second.sender(fake_slack, slack_signing_secret) as to_second,
        ):
            uploads = []
            for number in range(100):
                file = fake_slack.add_file(
                    f"사업자등록증-{number}.png", image, "image/png", "png", channel=CHANNEL
                )
                event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")
                uploads.append((file, event))
            # Each upload reaches both processes: the message to one, file_shared and a
            # retry of the message to the other, as a load balancer may deliver them.
            deliveries = []
            for file, event in uploads:
                event_id = f"Ev{file['id']}"
                deliveries += [
                    to_first.event(event, event_id=event_id),
                    to_second.event(
                        file_shared_event(file["id"], channel=CHANNEL, user="U_UPLOADER")
                    ),
                    to_second.event(event, event_id=event_id, retry_num=1),
                ]
            responses = await asyncio.gather(*deliveries)
            assert {response.status_code for response in responses} == {200}

            await eventually(lambda: len(thread_replies(fake_slack)) == 100, timeout_s=90)
            await asyncio.sleep(1.5)  # a second analysis would show up here

    assert fake_nhn.calls("business") == 100
    # Every fake certificate carries the same number: the status cache answers most.
    assert 1 <= fake_nhn.calls("business/status") < 100
    replies = thread_replies(fake_slack)
    assert set(replies) == {event["ts"] for _, event in uploads}
    assert set(replies.values()) == {1}
    assert "Traceback" not in first.output() + second.output()


async def test_a_job_left_by_a_killed_process_is_finished_by_another(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    env = bot_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret)
    file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER")

    fake_nhn.latency_s = 30  # the first process will be killed while NHN is reading
    doomed = BotProcess(env, tmp_path / "doomed.log").start()
    await doomed.deliver(fake_slack, slack_signing_secret, event)
    await eventually(lambda: fake_nhn.calls("business") == 1, timeout_s=20)
    doomed.kill()
    fake_nhn.latency_s = 0

    with BotProcess(env, tmp_path / "survivor.log") as survivor:
        await eventually(lambda: len(thread_replies(fake_slack)) == 1, timeout_s=30)
        await asyncio.sleep(2)
        output = survivor.output()

    assert thread_replies(fake_slack) == Counter({event["ts"]: 1})
    assert fake_nhn.calls("business") == 2  # the killed process's call went unanswered
    assert "Traceback" not in output
