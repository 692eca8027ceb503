"""Two real bot processes on one PostgreSQL, as behind a load balancer: a signed request
captured and sent again to the other process does nothing there."""

import asyncio
from pathlib import Path

import pytest

from fakes.bot_process import BotProcess, fakes_env
from fakes.nhn import STATUS, NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import new_ts
from tests.support.helpers import eventually
from tests.support.numbers import valid_business_numbers

pytestmark = pytest.mark.slow

ROUNDS = 20


async def test_requests_replayed_to_the_other_process_get_no_second_answer(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    postgres_url: str,
    slack_signing_secret: str,
) -> None:
    env = fakes_env(fake_slack, fake_nhn, postgres_url, slack_signing_secret)
    numbers = valid_business_numbers(ROUNDS)
    urls = [fake_slack.response_url() for _ in range(2 * ROUNDS)]
    with (
        BotProcess(env, tmp_path / "a.log") as first,
        BotProcess(env, tmp_path / "b.log") as second,
    ):
        async with (
            first.sender(fake_slack, slack_signing_secret) as to_first,
            second.sender(fake_slack, slack_signing_secret) as to_second,
        ):
            replays = []
            for number, command_url, click_url in zip(
                numbers, urls[:ROUNDS], urls[ROUNDS:], strict=True
            ):
                command = await to_first.command(number, response_url=command_url)
                # Answered before the re-check is clicked, as a person would see it first:
                # taken in after it, the command would find the re-check's fresh answer cached.
                await eventually(lambda url=command_url: bool(fake_slack.responses(url)))
                click = to_first.block_action(
                    "recheck_status",
                    number,
                    user="U0CHECKER",
                    channel="C_GENERAL",
                    message_ts=new_ts(),
                    response_url=click_url,
                )
                action = await to_first.action(click)
                replays += [to_second.replay(command), to_second.replay(action)]
            responses = await asyncio.gather(*replays)
            assert {response.status_code for response in responses} == {200}

            await eventually(lambda: all(fake_slack.responses(url) for url in urls), timeout_s=60)
            await asyncio.sleep(1.5)  # a second answer would show up here
        outputs = first.output() + second.output()

    assert [len(fake_slack.responses(url)) for url in urls] == [1] * (2 * ROUNDS)
    # One lookup per command and one fresh one per re-check: none for the replays.
    assert fake_nhn.calls(STATUS) == 2 * ROUNDS
    # Each request was dropped by one process: usually the second, but the first answers
    # Slack before it records the request, so the replay may reach the record first.
    assert outputs.count("Ignored a replayed request") == 2 * ROUNDS
