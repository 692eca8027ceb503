"""Where the answer goes: the upload's own thread, or the thread the file was shared in."""

from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_PURCHASING"


async def test_a_file_shared_as_a_thread_reply_is_answered_in_that_thread(
    bot: RunningBot,
) -> None:
    parent = new_ts()
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)
    event = file_share_message(file, channel=CHANNEL, user="U_UPLOADER", thread_ts=parent)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == parent
    # Progress shows on the upload itself, not on the thread's first message.
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"])
    assert bot.slack.reactions_on(CHANNEL, parent) == []
