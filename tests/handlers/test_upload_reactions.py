"""Progress on the upload itself: working while the file is read, then done or failed."""

from typing import Any

from fakes.nhn import Reply
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"
WORKING, DONE, FAILED = "hourglass_flowing_sand", "white_check_mark", "warning"


def certificate_upload(bot: RunningBot) -> dict[str, Any]:
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    return file_share_message(file, channel=CHANNEL, user="U_UPLOADER")


def reaction_calls(bot: RunningBot) -> list[tuple[str, str]]:
    return [
        (call.method, call.params["name"])
        for call in bot.slack.calls
        if call.method.startswith("reactions.")
    ]


async def test_working_while_reading_then_done(bot: RunningBot) -> None:
    bot.nhn.script("business", Reply.delay(0.5))
    event = certificate_upload(bot)

    await bot.send.event(event)

    await eventually(lambda: bot.nhn.calls("business") == 1)
    assert bot.slack.reactions_on(CHANNEL, event["ts"]) == [WORKING]
    assert bot.slack.calls_to("chat.postMessage") == []
    await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert reaction_calls(bot) == [
        ("reactions.add", WORKING),
        ("reactions.remove", WORKING),
        ("reactions.add", DONE),
    ]
    assert all(
        call.params["timestamp"] == event["ts"] for call in bot.slack.calls_to("reactions.add")
    )


async def test_working_then_failed(bot: RunningBot) -> None:
    bot.nhn.script("business", Reply.error(4000002))
    event = certificate_upload(bot)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [FAILED])
    assert reaction_calls(bot) == [
        ("reactions.add", WORKING),
        ("reactions.remove", WORKING),
        ("reactions.add", FAILED),
    ]


async def test_a_reaction_slack_refuses_does_not_stop_the_answer(bot: RunningBot) -> None:
    bot.slack.fail_next("reactions.add", error="too_many_reactions", status=200, retry_after=None)
    event = certificate_upload(bot)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == event["ts"]
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
