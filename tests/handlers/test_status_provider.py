"""With STATUS_PROVIDER=nts, /bizstatus and certificate replies get their statuses from the NTS."""

import json
from typing import Any

import pytest

from fakes.nhn import STATUS
from fakes.nts import CLOSED, INACTIVE, NtsFake
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import ALERTS_CHANNEL, RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

OPEN = "220-81-62517"
OPEN_DIGITS = "2208162517"
SHUT = "124-81-00998"
SHUT_DIGITS = "1248100998"
UNKNOWN = "101-81-12341"  # possible and valid, but not in the register
UNKNOWN_DIGITS = "1018112341"
CHANNEL = "C_PURCHASING"


@pytest.fixture
def bot_overrides(fake_nts: NtsFake) -> dict[str, Any]:
    return fake_nts.overrides()


async def ask(bot: RunningBot, text: str) -> str:
    """Run `/bizstatus <text>`; the answer's blocks and fallback text."""
    url = bot.slack.response_url()
    response = await bot.send.command(text, response_url=url)
    assert response.status_code == 200
    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [answer] = bot.slack.responses(url)
    return json.dumps(answer["blocks"], ensure_ascii=False) + answer["text"]


def alerts(bot: RunningBot) -> list[str]:
    return [
        json.dumps(call.params["blocks"], ensure_ascii=False)
        for call in bot.slack.calls_to("chat.postMessage")
        if call.params.get("channel") == ALERTS_CHANNEL
    ]


async def test_bizstatus_looks_every_number_up_in_one_nts_call(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    fake_nts.businesses[SHUT_DIGITS] = CLOSED
    fake_nts.unregistered.add(UNKNOWN_DIGITS)

    shown = await ask(bot, f"{OPEN} {SHUT} {UNKNOWN}")

    assert fake_nts.batches() == [[OPEN_DIGITS, SHUT_DIGITS, UNKNOWN_DIGITS]]
    assert bot.nhn.calls(STATUS) == 0
    assert "🟢 계속사업자(일반과세자)" in shown
    assert "🔴 폐업자" in shown
    assert "⚪ 등록되지 않은 사업자" in shown
    await eventually(lambda: len(alerts(bot)) == 1)
    assert SHUT in alerts(bot)[0]


async def test_a_second_lookup_within_the_ttl_costs_no_call(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    first = await ask(bot, OPEN)
    second = await ask(bot, f"{OPEN} {SHUT}")

    assert fake_nts.batches() == [[OPEN_DIGITS], [SHUT_DIGITS]]
    assert "🟢" in first
    assert second.count("🟢") == 2


async def test_a_withdrawn_service_key_is_explained_with_what_to_do(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    fake_nts.revoke_key()

    shown = await ask(bot, f"{OPEN} {SHUT}")

    assert f"{OPEN}: 조회하지 못함" in shown  # the fallback text, one line per number
    assert f"{SHUT}: 조회하지 못함" in shown
    assert "NTS_SERVICE_KEY" in shown
    assert "관리자" in shown
    assert fake_nts.calls == 1
    assert bot.nhn.calls(STATUS) == 0


async def test_the_recheck_button_asks_the_nts_again_despite_the_cache(
    bot: RunningBot, fake_nts: NtsFake
) -> None:
    await ask(bot, OPEN)
    fake_nts.businesses[OPEN_DIGITS] = INACTIVE
    url = bot.slack.response_url()
    click = bot.send.block_action(
        "recheck_status",
        OPEN_DIGITS,
        user="U0CHECKER",
        channel=CHANNEL,
        message_ts=new_ts(),
        response_url=url,
    )

    assert (await bot.send.action(click)).status_code == 200

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [answer] = bot.slack.responses(url)
    assert "🟡 휴업자" in json.dumps(answer["blocks"], ensure_ascii=False)
    assert fake_nts.batches() == [[OPEN_DIGITS], [OPEN_DIGITS]]


async def test_a_certificate_reply_shows_the_nts_status(bot: RunningBot, fake_nts: NtsFake) -> None:
    fake_nts.businesses[OPEN_DIGITS] = CLOSED  # the number the fake OCR reads
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel=CHANNEL)

    await bot.send.event(file_share_message(file, channel=CHANNEL, user="U_UPLOADER"))

    replies = await bot.wait_for("chat.postMessage")
    thread_reply = next(call for call in replies if call.params["channel"] == CHANNEL)
    assert "🔴" in json.dumps(thread_reply.params["blocks"], ensure_ascii=False)
    assert fake_nts.batches() == [[OPEN_DIGITS]]
    assert bot.nhn.calls(STATUS) == 0
    assert bot.nhn.calls("business") == 1
