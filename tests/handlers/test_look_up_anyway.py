"""Numbers that fail only the check digit, end to end: explained at no cost, looked up or
watched anyway on a click, which costs exactly one lookup."""

from typing import Any

import pytest

from bot.blocks.ids import LOOK_UP_ANYWAY, WATCH_ANYWAY, per_number
from fakes.blockkit import limit_violations
from fakes.nhn import STATUS
from fakes.slack_requests import new_ts
from tests.handlers.conftest import RunningBot
from tests.support.helpers import eventually, shown

CHANNEL = "C_PURCHASING"
CHECKER = "U0CHECKER"
OPEN = "220-81-62517"
# The example, and a real number python-stdnum lists that fails the usual rule.
TYPO, REAL = "1234567890", "3068200417"


def accessories(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [block["accessory"] for block in answer["blocks"] if "accessory" in block]


def looked_up(bot: RunningBot) -> list[str]:
    return [
        str(request.body["businessNumber"])
        for request in bot.nhn.requests_to(STATUS)
        if request.body
    ]


async def ask(bot: RunningBot, text: str) -> dict[str, Any]:
    url = bot.slack.response_url()
    await bot.send.command(text, user_id=CHECKER, channel_id=CHANNEL, response_url=url)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [answer] = bot.slack.responses(url)
    assert limit_violations(answer["blocks"]) == []
    return answer


async def click(bot: RunningBot, action_id: str, value: str) -> dict[str, Any]:
    """Click a button on the private answer in CHANNEL; the one answer to the click."""
    url = bot.slack.response_url()
    payload = bot.send.block_action(
        action_id, value, user=CHECKER, channel=CHANNEL, message_ts=new_ts(), response_url=url
    )
    payload["container"]["is_ephemeral"] = True
    assert (await bot.send.action(payload)).status_code == 200
    await eventually(lambda: len(bot.slack.responses(url)) >= 1)
    await bot.settle(0.2)
    [answer] = bot.slack.responses(url)
    assert answer["response_type"] == "ephemeral"
    assert limit_violations(answer["blocks"]) == []
    return answer


async def test_the_products_own_example_explains_then_one_click_costs_one_lookup(
    bot: RunningBot,
) -> None:
    answer = await ask(bot, TYPO)

    assert "123-45-67890" in shown(answer)
    assert "검증번호 불일치" in shown(answer)
    assert "공식 규칙이 아니어서" in shown(answer)
    [anyway] = accessories(answer)
    assert anyway["action_id"] == per_number(LOOK_UP_ANYWAY, TYPO)
    assert anyway["value"] == TYPO
    await bot.settle(0.2)
    assert bot.nhn.calls(STATUS) == 0  # explaining costs nothing

    result = await click(bot, anyway["action_id"], anyway["value"])

    assert looked_up(bot) == [TYPO]  # exactly one call, on the click
    assert "🟢 계속사업자(일반과세자)" in shown(result)
    assert "검증번호가 흔히 쓰는 규칙과 다른 번호입니다" in shown(result)  # the warning stays
    # Audited once. (The audit log keeps in full only ten digits that pass the check
    # digit, so its subject here is cut to the last four: see bot/store/audit.py.)
    [(user, action, subject, outcome)] = await bot.audited(1)
    assert (user, action, subject[-4:], outcome) == (CHECKER, "status_lookup", "7890", "01")
    # The result can be watched without being asked about the check digit again.
    [watch] = accessories(result)
    assert watch["action_id"] == per_number(WATCH_ANYWAY, TYPO)
    watched = await click(bot, watch["action_id"], watch["value"])
    assert "123-45-67890" in shown(watched)
    assert "🟢" in shown(watched)
    assert looked_up(bot) == [TYPO]  # the fresh answer in the cache served the new watch


async def test_a_mixed_list_looks_up_the_valid_numbers_and_offers_the_others(
    bot: RunningBot,
) -> None:
    answer = await ask(bot, f"{OPEN}, 306-82-00417, 000-00-00000, 3068200417")

    assert looked_up(bot) == ["2208162517"]
    text = shown(answer)
    assert "000-00-00000" in text
    assert "세무서 코드가 아닙니다" in text  # refused: no tax office issues it
    anyway = [a for a in accessories(answer) if a["action_id"].startswith(LOOK_UP_ANYWAY)]
    assert [a["value"] for a in anyway] == [REAL]  # once, however often it was typed


@pytest.mark.parametrize(
    "forged",
    ["000-00-00000", "101-00-12342", "22081625", "<!channel>", "", "1" * 3000],
)
async def test_a_forged_look_up_anyway_value_costs_nothing(bot: RunningBot, forged: str) -> None:
    answer = await click(bot, per_number(LOOK_UP_ANYWAY, TYPO), forged)

    assert "❌" in shown(answer)
    assert "<!channel>" not in shown(answer)
    assert bot.nhn.calls(STATUS) == 0
    assert [row for row in await bot.audited() if row[1] == "status_lookup"] == []


async def test_watch_explains_then_watch_anyway_costs_one_lookup(bot: RunningBot) -> None:
    answer = await ask(bot, "watch 306-82-00417 재단 본부")

    assert "흔히 쓰는 규칙과 맞지 않아" in shown(answer)
    [offer] = accessories(answer)
    assert offer["action_id"] == WATCH_ANYWAY
    watches = bot.runtime.services.store.watches
    assert await watches.list(bot.send.team_id) == []
    await bot.settle(0.2)
    assert bot.nhn.calls(STATUS) == 0

    added = await click(bot, offer["action_id"], offer["value"])

    assert looked_up(bot) == [REAL]
    assert "306-82-00417" in shown(added)
    assert "재단 본부" in shown(added)
    assert "🟢" in shown(added)
    [watch] = await watches.list(bot.send.team_id)
    assert (watch.business_number, watch.label, watch.created_by) == (REAL, "재단 본부", CHECKER)
    assert watch.last_status_code == "01"


@pytest.mark.parametrize(
    "forged", ['["000-00-00000",""]', '"3068200417"', "3068200417", '{"a": 1}', "[" * 500]
)
async def test_a_forged_watch_anyway_value_watches_nothing(bot: RunningBot, forged: str) -> None:
    answer = await click(bot, WATCH_ANYWAY, forged)

    assert "⚠️" in shown(answer)
    assert await bot.runtime.services.store.watches.list(bot.send.team_id) == []
    assert bot.nhn.calls(STATUS) == 0
