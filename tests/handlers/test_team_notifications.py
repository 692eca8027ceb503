"""A lookup that finds an inactive (05) or closed (06) business tells NOTIFY_CHANNEL, once."""

import asyncio
import logging
import time

import pytest

from fakes.blockkit import limit_violations
from fakes.nhn import STATUS
from fakes.slack import ApiCall
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually, shown

NUMBER = "220-81-62517"
DIGITS = "2208162517"
CHECKER = "U0CHECKER"
NOTIFIER_LOG = "bot.services.notifier"


def alerts(bot: RunningBot) -> list[ApiCall]:
    """Successful posts to the alerts channel."""
    return [
        call
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params.get("channel") == ALERTS_CHANNEL and call.error is None
    ]


async def wait_for_alerts(bot: RunningBot, count: int = 1) -> list[ApiCall]:
    await eventually(lambda: len(alerts(bot)) >= count)
    return alerts(bot)


async def look_up(
    bot: RunningBot, text: str = NUMBER, *, user_id: str = CHECKER, channel_id: str = "C_GENERAL"
) -> None:
    """Run `/bizstatus` in `channel_id` and wait for its answer."""
    url = bot.slack.response_url()
    await bot.send.command(text, user_id=user_id, channel_id=channel_id, response_url=url)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)


async def click_recheck(
    bot: RunningBot,
    *,
    user: str = CHECKER,
    channel: str = "C_GENERAL",
    message_ts: str | None = None,
    ephemeral: bool = False,
) -> None:
    """Click "Re-check status" for NUMBER on a message in `channel`; wait for the answer."""
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        "recheck_status",
        DIGITS,
        user=user,
        channel=channel,
        message_ts=message_ts or new_ts(),
        response_url=url,
    )
    payload["container"]["is_ephemeral"] = ephemeral  # a /bizstatus answer is ephemeral
    await bot.send.action(payload)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)


def footer(call: ApiCall) -> str:
    """The alert's last line: when it was checked, and where."""
    text: str = call.params["blocks"][-1]["elements"][0]["text"]
    return text


def assert_well_formed(call: ApiCall) -> None:
    assert call.params["text"]
    assert limit_violations(call.params["blocks"]) == []


@pytest.mark.parametrize(("code", "badge"), [("05", "🟡 휴업자"), ("06", "🔴 폐업자")])
async def test_a_lookup_finding_an_inactive_or_closed_business_tells_the_team(
    bot: RunningBot, code: str, badge: str
) -> None:
    bot.nhn.statuses[DIGITS] = code

    await look_up(bot)

    [alert] = await wait_for_alerts(bot)
    assert NUMBER in shown(alert)
    assert badge in shown(alert)
    assert f"<@{CHECKER}>" in shown(alert)
    assert NUMBER in alert.params["text"]
    assert_well_formed(alert)
    assert bot.nhn.calls(STATUS) == 1


async def test_a_second_lookup_within_the_cooldown_posts_nothing(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    await look_up(bot)
    await wait_for_alerts(bot)

    await look_up(bot, user_id="U0OTHER")
    await bot.settle()

    assert len(alerts(bot)) == 1


COOLDOWN_S = 0.5


@pytest.mark.parametrize("bot_overrides", [{"notify_cooldown": f"{COOLDOWN_S}s"}])
async def test_after_the_cooldown_the_next_lookup_tells_the_team_again(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    await look_up(bot)
    await wait_for_alerts(bot)
    announced = time.monotonic()

    await asyncio.sleep(max(0.0, announced + COOLDOWN_S - time.monotonic()))
    await look_up(bot)

    assert len(await wait_for_alerts(bot, 2)) == 2


async def test_a_business_that_closes_after_being_inactive_is_announced_again(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[DIGITS] = "05"
    await look_up(bot)
    await wait_for_alerts(bot)
    bot.nhn.statuses[DIGITS] = "06"

    await click_recheck(bot)  # a fresh lookup, past the status cache

    first, second = await wait_for_alerts(bot, 2)
    assert "🟡" in shown(first)
    assert "🔴" in shown(second)


@pytest.mark.parametrize("code", ["00", "01"])
async def test_other_statuses_tell_nobody(bot: RunningBot, code: str) -> None:
    bot.nhn.statuses[DIGITS] = code

    await look_up(bot)
    await bot.settle(0.3)

    assert bot.slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("bot_overrides", [{"notify_channel": None}])
async def test_without_a_notify_channel_nothing_is_posted(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"

    await look_up(bot)
    await bot.settle()

    assert bot.slack.calls_to("chat.postMessage") == []


async def test_the_recheck_button_tells_the_team(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "05"

    await click_recheck(bot, user="U0CLICKER")

    [alert] = await wait_for_alerts(bot)
    assert "🟡 휴업자" in shown(alert)
    assert "<@U0CLICKER>" in shown(alert)
    assert_well_formed(alert)


async def test_a_certificate_upload_tells_the_team_with_trade_name_and_permalink(
    bot: RunningBot,
) -> None:
    channel, uploader = "C_PURCHASING", "U0UPLOADER"
    bot.nhn.statuses[DIGITS] = "06"
    file = bot.slack.add_file("cert.png", png(), "image/png", "png", channel=channel, user=uploader)
    event = file_share_message(file, channel=channel, user=uploader, text="사업자등록증")

    await bot.send.event(event)

    [alert] = await wait_for_alerts(bot)
    text = shown(alert)
    assert NUMBER in text
    assert "주식회사 한빛테크놀로지" in text
    assert "주식회사 한빛테크놀로지" in alert.params["text"]
    assert "🔴 폐업자" in text
    assert f"<@{uploader}>" in text
    permalink = f"https://example.slack.com/archives/{channel}/p{event['ts'].replace('.', '')}"
    assert f"<{permalink}|" in text
    assert_well_formed(alert)


async def test_an_upload_and_a_lookup_of_the_same_closed_business_announce_once(
    bot: RunningBot,
) -> None:
    channel = "C_PURCHASING"
    bot.nhn.statuses[DIGITS] = "06"
    file = bot.slack.add_file(
        "cert.pdf", b"%PDF-1.4 certificate", "application/pdf", "pdf", channel=channel
    )
    await bot.send.event(file_share_message(file, channel=channel, user="U0UPLOADER"))
    await wait_for_alerts(bot)

    await look_up(bot)
    await bot.settle()

    assert len(alerts(bot)) == 1


async def test_a_server_error_on_the_post_is_retried(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    bot.slack.fail_next("chat.postMessage", error="internal_error", status=500, retry_after=None)

    await look_up(bot)

    [alert] = await wait_for_alerts(bot)
    assert NUMBER in shown(alert)
    failed, posted = bot.slack.calls_to("chat.postMessage")
    assert failed.error == "internal_error"
    assert posted.error is None


async def test_a_rate_limited_post_waits_for_retry_after_and_arrives(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    bot.slack.fail_next("chat.postMessage", retry_after=0)

    await look_up(bot)

    [alert] = await wait_for_alerts(bot)
    assert NUMBER in shown(alert)
    assert [call.error for call in bot.slack.calls_to("chat.postMessage")] == ["ratelimited", None]


async def test_a_post_that_fails_is_logged_and_announced_by_the_next_lookup(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger=NOTIFIER_LOG)
    bot.nhn.statuses[DIGITS] = "06"
    bot.slack.add_channel(ALERTS_CHANNEL, bot_is_member=False)

    await look_up(bot)

    await eventually(lambda: any(r.name == NOTIFIER_LOG for r in caplog.records))
    [record] = [r for r in caplog.records if r.name == NOTIFIER_LOG]
    assert record.levelno == logging.ERROR
    assert DIGITS in record.getMessage()
    assert "not_in_channel" in record.getMessage()
    assert ALERTS_CHANNEL in record.getMessage()
    assert alerts(bot) == []

    bot.slack.add_channel(ALERTS_CHANNEL, bot_is_member=True)  # someone invites the bot
    await look_up(bot)

    [alert] = await wait_for_alerts(bot)
    assert NUMBER in shown(alert)


async def test_the_answer_does_not_wait_for_the_team_post(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    bot.slack.set_latency(0.5, method="chat.postMessage")
    url = bot.slack.response_url()

    await bot.send.command(NUMBER, user_id=CHECKER, response_url=url)

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    assert bot.slack.calls_to("chat.postMessage") == []  # still on its way
    await wait_for_alerts(bot)


async def test_the_alert_for_a_lookup_names_the_channel_it_was_typed_in(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"

    await look_up(bot, channel_id="C_PURCHASING")

    [alert] = await wait_for_alerts(bot)
    assert footer(alert).endswith(" · <#C_PURCHASING>에서")
    assert bot.slack.calls_to("chat.getPermalink") == []  # a command leaves no message to link
    assert_well_formed(alert)


async def test_the_alert_for_a_lookup_in_a_direct_message_says_so(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"

    await look_up(bot, channel_id="D0CHECKER")

    [alert] = await wait_for_alerts(bot)
    assert footer(alert).endswith(" · 개인 메시지에서")
    assert "D0CHECKER" not in shown(alert)


async def test_the_alert_for_a_recheck_links_the_message_with_the_button(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    ts = new_ts()

    await click_recheck(bot, channel="C_PURCHASING", message_ts=ts)

    [alert] = await wait_for_alerts(bot)
    permalink = f"https://example.slack.com/archives/C_PURCHASING/p{ts.replace('.', '')}"
    assert footer(alert).endswith(f" · <{permalink}|원본 메시지 보기>")
    assert_well_formed(alert)


async def test_the_alert_for_a_recheck_in_a_private_answer_names_the_channel(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[DIGITS] = "06"

    await click_recheck(bot, channel="C_PURCHASING", ephemeral=True)

    [alert] = await wait_for_alerts(bot)
    assert footer(alert).endswith(" · <#C_PURCHASING>에서")
    assert bot.slack.calls_to("chat.getPermalink") == []  # Slack has none for it


async def test_without_a_permalink_the_recheck_alert_names_the_channel(bot: RunningBot) -> None:
    bot.nhn.statuses[DIGITS] = "06"
    bot.slack.fail_next("chat.getPermalink", error="message_not_found", status=200)

    await click_recheck(bot, channel="C_PURCHASING")

    [alert] = await wait_for_alerts(bot)
    assert footer(alert).endswith(" · <#C_PURCHASING>에서")
    [asked] = bot.slack.calls_to("chat.getPermalink")
    assert asked.error == "message_not_found"


async def test_a_recheck_that_tells_nobody_asks_for_no_permalink(bot: RunningBot) -> None:
    await click_recheck(bot, channel="C_PURCHASING")  # open: no alert
    await bot.settle(0.3)

    assert bot.slack.calls_to("chat.getPermalink") == []
    assert alerts(bot) == []
