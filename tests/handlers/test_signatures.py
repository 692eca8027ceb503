"""Requests not signed by Slack, or signed too long ago, are refused and nothing runs."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from fakes.nhn import STATUS
from fakes.slack_requests import Signing, file_share_message, new_ts
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
Send = Callable[[RunningBot, Signing], Awaitable[httpx.Response]]


async def upload(bot: RunningBot, signing: Signing) -> httpx.Response:
    file = bot.slack.add_file("cert.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U0UPLOADER", text="사업자등록증")
    return await bot.send.event(event, signing=signing)


async def slash_command(bot: RunningBot, signing: Signing) -> httpx.Response:
    return await bot.send.command("220-81-62517", signing=signing)


async def recheck_click(bot: RunningBot, signing: Signing) -> httpx.Response:
    payload = bot.send.block_action(
        "recheck_status", "2208162517", user="U0CHECKER", channel=CHANNEL, message_ts=new_ts()
    )
    return await bot.send.action(payload, signing=signing)


REQUESTS = [
    pytest.param(upload, id="event"),
    pytest.param(slash_command, id="command"),
    pytest.param(recheck_click, id="action"),
]


def nothing_ran(bot: RunningBot) -> bool:
    return bot.slack.calls == [] and bot.slack.downloads == [] and bot.nhn.requests == []


@pytest.mark.parametrize("send", REQUESTS)
@pytest.mark.parametrize("signing", [Signing.WRONG_SIGNATURE, Signing.STALE_TIMESTAMP])
async def test_a_forged_or_stale_request_gets_401_and_nothing_runs(
    bot: RunningBot, send: Send, signing: Signing
) -> None:
    response = await send(bot, signing)
    await bot.settle(0.3)

    assert response.status_code == 401
    assert nothing_ran(bot)


@pytest.mark.parametrize("send", REQUESTS)
async def test_the_same_request_signed_now_is_accepted(bot: RunningBot, send: Send) -> None:
    response = await send(bot, Signing.VALID)

    assert response.status_code == 200
    await eventually(lambda: bot.nhn.calls(STATUS) == 1)  # the lookup each one makes
