"""Files the bot cannot read are left alone unless someone asks it; its own files always are."""

import pytest

from fakes.blockkit import limit_violations
from fakes.slack import BOT_ID, BOT_USER_ID
from fakes.slack_requests import file_share_message, file_shared_event
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png

CHANNEL = "C_GENERAL"
UPLOADER = "U_UPLOADER"
OTHER_FILES = [
    ("notes.txt", b"meeting notes", "text/plain", "text"),
    ("contract.docx", b"PK\x03\x04 a word document", "application/msword", "docx"),
]


def nothing_happened(bot: RunningBot) -> bool:
    return (
        bot.slack.calls_to("chat.postMessage") == []
        and bot.slack.calls_to("reactions.add") == []
        and bot.slack.downloads == []
        and bot.nhn.calls("business") + bot.nhn.calls("credit-card") == 0
    )


@pytest.mark.parametrize(("name", "content", "mimetype", "filetype"), OTHER_FILES)
async def test_an_unsupported_file_is_ignored_silently(
    bot: RunningBot, name: str, content: bytes, mimetype: str, filetype: str
) -> None:
    file = bot.slack.add_file(name, content, mimetype, filetype, channel=CHANNEL)

    response = await bot.send.event(
        file_share_message(file, channel=CHANNEL, user=UPLOADER, text="사업자등록증 첨부합니다")
    )

    assert response.status_code == 200
    await bot.settle()
    assert nothing_happened(bot)


@pytest.mark.parametrize(("name", "content", "mimetype", "filetype"), OTHER_FILES)
async def test_asked_about_an_unsupported_file_the_bot_says_once_what_it_reads(
    bot: RunningBot, name: str, content: bytes, mimetype: str, filetype: str
) -> None:
    file = bot.slack.add_file(name, content, mimetype, filetype, channel=CHANNEL)
    event = file_share_message(
        file, channel=CHANNEL, user=UPLOADER, text=f"<@{BOT_USER_ID}> 이것도 읽어 줄래?"
    )

    await bot.send.event(event, event_id="Ev0ASKED01")
    await bot.send.event(event, event_id="Ev0ASKED01", retry_num=1)
    await bot.send.event(file_shared_event(str(file["id"]), channel=CHANNEL, user=UPLOADER))

    [reply] = await bot.wait_for("chat.postMessage")
    await bot.settle(0.6)  # past the file_shared grace period
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert reply.params["thread_ts"] == event["ts"]
    assert "JPEG, PNG" in reply.params["blocks"][0]["text"]["text"]
    assert name in str(reply.params["blocks"])
    assert reply.params["text"]
    assert limit_violations(reply.params["blocks"]) == []
    assert bot.slack.downloads == []


async def test_the_bots_own_upload_is_ignored(bot: RunningBot) -> None:
    file = bot.slack.add_file(
        "사업자등록증.png", png(), "image/png", "png", channel=CHANNEL, user=BOT_USER_ID
    )
    own = file_share_message(file, channel=CHANNEL, user=BOT_USER_ID, text="사업자등록증")
    own["bot_id"] = BOT_ID

    await bot.send.event(own)
    await bot.send.event(file_shared_event(str(file["id"]), channel=CHANNEL, user=BOT_USER_ID))

    await bot.settle(0.6)
    assert nothing_happened(bot)
    assert bot.slack.calls_to("files.info") == []


async def test_another_apps_upload_is_ignored_in_both_events(bot: RunningBot) -> None:
    file = bot.slack.add_file(
        "사업자등록증.png", png(), "image/png", "png", channel=CHANNEL, user="U_WORKFLOW"
    )
    from_a_bot = file_share_message(file, channel=CHANNEL, user="U_WORKFLOW", text="사업자등록증")
    from_a_bot["bot_id"] = "B_WORKFLOW"

    await bot.send.event(from_a_bot)
    await bot.send.event(file_shared_event(str(file["id"]), channel=CHANNEL, user="U_WORKFLOW"))

    await bot.settle(0.6)
    assert nothing_happened(bot)
    assert bot.slack.calls_to("files.info") == []
