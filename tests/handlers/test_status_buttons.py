"""The buttons under status results: "Share to channel" and "Re-check status"."""

from typing import Any

from fakes.blockkit import limit_violations
from fakes.nhn import STATUS, Reply
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually, shown

OPEN = "220-81-62517"
OPEN_DIGITS = "2208162517"
CLOSED = "124-81-00998"
CLOSED_DIGITS = "1248100998"
CHANNEL = "C_GENERAL"
CHECKER = "U0CHECKER"


async def answers(bot: RunningBot, url: str, count: int = 1) -> list[dict[str, Any]]:
    await eventually(lambda: len(bot.slack.responses(url)) >= count)
    return bot.slack.responses(url)


def button(answer: dict[str, Any], action_id: str) -> dict[str, Any]:
    [found] = [
        element
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]
    return found


def action_ids(answer: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def private_answer(bot: RunningBot, text: str) -> dict[str, Any]:
    url = bot.slack.response_url()
    await bot.send.command(text, user_id=CHECKER, channel_id=CHANNEL, response_url=url)
    [answer] = await answers(bot, url)
    return answer


async def click(bot: RunningBot, action_id: str, value: str, *, user: str = CHECKER) -> str:
    """Click a button on a bot message in CHANNEL; returns the click's response_url."""
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        action_id, value, user=user, channel=CHANNEL, message_ts=new_ts(), response_url=url
    )
    response = await bot.send.action(payload)
    assert response.status_code == 200
    return url


async def test_share_posts_the_same_results_in_the_channel_and_removes_the_private_copy(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[CLOSED_DIGITS] = "06"
    private = await private_answer(bot, f"{OPEN} {CLOSED}")
    value = button(private, "share_status")["value"]

    url = await click(bot, "share_status", value, user="U0SHARER")

    shared, removal = await answers(bot, url, 2)
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    text = shown(shared)
    assert text.index(OPEN) < text.index(CLOSED)
    assert "🟢" in text
    assert "🔴 폐업자" in text
    assert "<@U0SHARER>" in text
    assert action_ids(shared) == []
    assert shared["text"]
    assert limit_violations(shared["blocks"]) == []
    assert removal == {"delete_original": True}
    assert bot.nhn.calls(STATUS) == 2  # the two lookups of the command, none for sharing


async def test_a_forged_share_value_is_refused_privately_and_keeps_the_original(
    bot: RunningBot,
) -> None:
    # No tax office issues 000-00-00000: not a number the bot could have looked up.
    url = await click(bot, "share_status", '[["0000000000","06","2026-01-01T00:00:00+00:00"]]')

    [answer] = await answers(bot, url)
    await bot.settle()
    assert answer["response_type"] == "ephemeral"
    assert "공유할 조회 결과가 없습니다" in answer["text"]
    assert limit_violations(answer["blocks"]) == []
    assert bot.slack.responses(url) == [answer]  # the private result stays
    assert bot.nhn.calls(STATUS) == 0


async def test_a_forged_closed_status_in_a_share_value_is_not_posted(bot: RunningBot) -> None:
    await private_answer(bot, OPEN)  # the bot recorded: open
    # A clicker's own value, in the form buttons had before: "closed", with a time.
    forged = f'[["{OPEN_DIGITS}","06","2026-01-01T00:00:00+00:00"]]'

    url = await click(bot, "share_status", forged, user="U0FORGER")

    shared, _ = await answers(bot, url, 2)
    text = shown(shared) + shared["text"]
    assert shared["response_type"] == "in_channel"
    assert OPEN in text
    assert "🟢" in text
    assert "폐업" not in text
    assert "2026-01-01" not in text
    assert bot.nhn.calls(STATUS) == 1  # the command's lookup; sharing asks nobody


async def test_a_share_value_naming_a_number_never_checked_posts_nothing(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[CLOSED_DIGITS] = "06"

    url = await click(bot, "share_status", f'["{CLOSED_DIGITS}"]')

    [answer] = await answers(bot, url)
    await bot.settle()
    assert answer["response_type"] == "ephemeral"
    assert "공유할 조회 결과가 없습니다" in answer["text"]
    assert bot.slack.responses(url) == [answer]
    assert bot.nhn.calls(STATUS) == 0


async def test_share_posts_the_latest_recorded_status_with_its_time(bot: RunningBot) -> None:
    private = await private_answer(bot, OPEN)
    value = button(private, "share_status")["value"]
    bot.nhn.statuses[OPEN_DIGITS] = "06"
    await answers(bot, await click(bot, "recheck_status", OPEN_DIGITS))  # closed since

    url = await click(bot, "share_status", value, user="U0SHARER")

    shared, _ = await answers(bot, url, 2)
    # The channel sees what the bot knows now, not the open status of the private copy.
    assert "🔴 폐업자" in shown(shared)
    assert "🟢" not in shown(shared)
    assert bot.nhn.calls(STATUS) == 2


async def test_recheck_looks_up_again_and_answers_the_clicker_privately(bot: RunningBot) -> None:
    await private_answer(bot, OPEN)
    bot.nhn.statuses[OPEN_DIGITS] = "06"  # closed since the first lookup

    url = await click(bot, "recheck_status", OPEN_DIGITS)

    [answer] = await answers(bot, url)
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    assert OPEN in shown(answer)
    assert "🔴 폐업자" in shown(answer)
    assert "share_status" in action_ids(answer)
    assert answer["text"]
    assert limit_violations(answer["blocks"]) == []
    assert bot.nhn.calls(STATUS) == 2


async def test_recheck_under_a_certificate_reply_in_the_thread(bot: RunningBot) -> None:
    channel = "C_PURCHASING"
    file = bot.slack.add_file("cert.png", png(), "image/png", "png", channel=channel)
    await bot.send.event(
        file_share_message(file, channel=channel, user="U_UPLOADER", text="사업자")
    )
    [reply] = await bot.wait_for("chat.postMessage")
    value = button(reply.params, "recheck_status")["value"]
    bot.nhn.statuses[OPEN_DIGITS] = "05"

    url = await click(bot, "recheck_status", value)

    [answer] = await answers(bot, url)
    assert answer["response_type"] == "ephemeral"
    assert "🟡 휴업자" in shown(answer)
    assert bot.nhn.calls(STATUS) == 2


async def test_a_forged_recheck_value_is_explained_without_a_lookup(bot: RunningBot) -> None:
    url = await click(bot, "recheck_status", "<!channel> 2208162518")

    [answer] = await answers(bot, url)
    assert answer["response_type"] == "ephemeral"
    assert "<!channel>" not in shown(answer) + answer["text"]
    assert action_ids(answer) == []
    assert limit_violations(answer["blocks"]) == []
    assert bot.nhn.calls(STATUS) == 0


async def test_a_failed_recheck_says_why(bot: RunningBot) -> None:
    bot.nhn.script(STATUS, Reply.error(4000102))

    url = await click(bot, "recheck_status", OPEN_DIGITS)

    [answer] = await answers(bot, url)
    assert "국세청에 등록되지 않은 사업자등록번호입니다" in shown(answer)
    assert action_ids(answer) == []
    assert bot.nhn.calls(STATUS) == 1


async def test_a_recheck_is_audited_with_who_clicked_and_the_fresh_status(
    bot: RunningBot,
) -> None:
    await private_answer(bot, OPEN)
    bot.nhn.statuses[OPEN_DIGITS] = "06"

    await click(bot, "recheck_status", OPEN_DIGITS, user="U0CLICKER")

    assert await bot.audited(2) == [
        (CHECKER, "status_lookup", OPEN_DIGITS, "01"),
        ("U0CLICKER", "recheck", OPEN_DIGITS, "06"),  # fresh: never "(cached)"
    ]


async def test_a_failed_recheck_is_audited_with_the_kind_of_failure(bot: RunningBot) -> None:
    bot.nhn.script(STATUS, Reply.error(4000102))

    await click(bot, "recheck_status", OPEN)

    assert await bot.audited(1) == [
        (CHECKER, "recheck", OPEN_DIGITS, "failed: NumberNotRegistered")
    ]


async def test_a_forged_recheck_value_is_not_audited(bot: RunningBot) -> None:
    url = await click(bot, "recheck_status", "4111 1111 1111 1111")

    await answers(bot, url)
    assert await bot.audited() == []
