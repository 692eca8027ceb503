"""Fetching the upload: files.info where the event has only a stub, the token only to Slack."""

from fakes.slack import BOT_TOKEN, ForeignHost
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_SHARED_VENDOR"
UPLOADER = "U_PARTNER"


async def test_a_slack_connect_stub_is_looked_up_and_analysed(bot: RunningBot) -> None:
    stub = bot.slack.add_file(
        "사업자등록증.png",
        png(),
        "image/png",
        "png",
        channel=CHANNEL,
        user=UPLOADER,
        file_access="check_file_info",
    )
    assert "url_private_download" not in stub
    event = file_share_message(stub, channel=CHANNEL, user=UPLOADER)

    await bot.send.event(event)

    [reply] = await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"])
    assert reply.params["thread_ts"] == event["ts"]
    assert "220-81-62517" in str(reply.params["blocks"])
    [info] = bot.slack.calls_to("files.info")
    assert info.params["file"] == stub["id"]
    [download] = bot.slack.downloads
    assert download.served == "file"
    assert download.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert bot.nhn.calls("business") == 1


async def test_a_redirect_away_from_slack_is_followed_without_the_token(
    bot: RunningBot, foreign_host: ForeignHost
) -> None:
    elsewhere = foreign_host.serve("/cdn/cert.png", png(), "image/png")
    file = bot.slack.add_file(
        "사업자등록증.png",
        png(),
        "image/png",
        "png",
        channel=CHANNEL,
        serve="redirect",
        redirect_to=elsewhere,
    )
    event = file_share_message(file, channel=CHANNEL, user=UPLOADER)

    await bot.send.event(event)

    await bot.wait_for("chat.postMessage")
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == ["white_check_mark"])
    [first_hop] = bot.slack.downloads
    assert first_hop.headers["Authorization"] == f"Bearer {BOT_TOKEN}"  # Slack's own host
    assert [request.path for request in foreign_host.requests] == ["/cdn/cert.png"]
    assert not foreign_host.saw_authorization
