"""`/bizstatus`: acknowledged at once, answered privately at the response_url."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.domain import bizno
from fakes.blockkit import limit_violations
from fakes.nhn import STATUS, Reply
from tests.handlers.conftest import RunningBot
from tests.support.helpers import eventually, shown
from tests.support.numbers import valid_business_numbers

OPEN = "220-81-62517"
OPEN_DIGITS = "2208162517"
CLOSED = "124-81-00998"
CLOSED_DIGITS = "1248100998"


async def answers(bot: RunningBot, url: str, count: int = 1) -> list[dict[str, Any]]:
    """The bodies the bot posted to `url`, once there are `count` of them."""
    await eventually(lambda: len(bot.slack.responses(url)) >= count)
    return bot.slack.responses(url)


async def ask(bot: RunningBot, text: str) -> dict[str, Any]:
    """Run `/bizstatus <text>` and return the one answer."""
    url = bot.slack.response_url()
    response = await bot.send.command(text, response_url=url)
    assert response.status_code == 200
    [answer] = await answers(bot, url)
    assert answer["text"]  # the notification fallback
    assert limit_violations(answer["blocks"]) == []
    return answer


def buttons(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def looked_up(bot: RunningBot) -> list[str]:
    """The numbers sent to NHN's status endpoint, in the order received."""
    return [
        str(request.body["businessNumber"])
        for request in bot.nhn.requests_to(STATUS)
        if request.body
    ]


async def test_one_number_is_acknowledged_at_once_then_answered_privately(bot: RunningBot) -> None:
    bot.nhn.script(STATUS, Reply.delay(0.3))  # the lookup is still running when Slack is acked
    url = bot.slack.response_url()

    response = await bot.send.command(OPEN, response_url=url)

    assert response.status_code == 200
    assert response.text == ""
    assert bot.slack.responses(url) == []  # the ack did not wait for NHN
    [answer] = await answers(bot, url)
    assert answer["response_type"] == "ephemeral"
    assert OPEN in shown(answer)
    assert "🟢 계속사업자" in shown(answer)
    assert OPEN in answer["text"]
    assert limit_violations(answer["blocks"]) == []
    [share] = buttons(answer)
    assert share["action_id"] == "share_status"
    assert looked_up(bot) == [OPEN_DIGITS]


async def test_several_numbers_are_answered_in_input_order_with_duplicates_folded(
    bot: RunningBot,
) -> None:
    bot.nhn.statuses[CLOSED_DIGITS] = "06"

    answer = await ask(bot, f"{OPEN}, {CLOSED} {OPEN_DIGITS},220 81 62517")

    text = shown(answer)
    blocks = shown({"blocks": answer["blocks"]})  # the fallback text names each once more
    assert blocks.index(OPEN) < blocks.index(CLOSED)
    assert blocks.count(OPEN) == 1
    assert "🟢" in text
    assert "🔴 폐업자" in text
    assert sorted(looked_up(bot)) == sorted([OPEN_DIGITS, CLOSED_DIGITS])
    [share] = buttons(answer)
    assert json.loads(share["value"]) == [OPEN_DIGITS, CLOSED_DIGITS]  # numbers, no status


async def test_a_number_written_with_spaces_is_one_number(bot: RunningBot) -> None:
    answer = await ask(bot, "220 81 62517")

    assert OPEN in shown(answer)
    assert "올바르지 않은" not in shown(answer)
    assert looked_up(bot) == [OPEN_DIGITS]


async def test_ten_numbers_are_all_looked_up(bot: RunningBot) -> None:
    numbers = valid_business_numbers(10)

    answer = await ask(bot, " ".join(numbers))

    assert sorted(looked_up(bot)) == sorted(numbers)
    assert all(bizno.format(number) in shown(answer) for number in numbers)


async def test_eleven_numbers_are_refused_without_a_lookup(bot: RunningBot) -> None:
    answer = await ask(bot, ", ".join(valid_business_numbers(11)))

    assert "최대 10개" in answer["text"]
    assert "11개" in answer["text"]
    assert buttons(answer) == []
    assert bot.nhn.calls(STATUS) == 0


@pytest.mark.parametrize(
    ("typed", "explanation"),
    [
        ("22081625", "8자리 입력됨"),
        ("123-45-67890", "마지막 자리(검증번호)가 맞지 않습니다"),
        ("220-81-6251O", "숫자만 들어갑니다"),
    ],
)
async def test_a_malformed_number_is_explained_without_a_lookup(
    bot: RunningBot, typed: str, explanation: str
) -> None:
    answer = await ask(bot, typed)

    assert explanation in shown(answer)
    assert buttons(answer) == []  # nothing checked, nothing to share
    assert bot.nhn.calls(STATUS) == 0


async def test_only_the_valid_numbers_of_a_mixed_list_are_looked_up(bot: RunningBot) -> None:
    answer = await ask(bot, f"123-45-67890 {OPEN}")

    text = shown(answer)
    assert "마지막 자리(검증번호)가 맞지 않습니다" in text
    assert "🟢" in text
    assert looked_up(bot) == [OPEN_DIGITS]
    [share] = buttons(answer)
    assert json.loads(share["value"]) == [OPEN_DIGITS]


async def test_what_a_person_typed_is_shown_inert(bot: RunningBot) -> None:
    answer = await ask(bot, "<!channel> <https://evil.example|220-81-62517>")

    everything = shown(answer) + answer["text"]
    assert "<!channel>" not in everything
    assert "<https://evil.example" not in everything
    assert bot.nhn.calls(STATUS) == 0


@pytest.mark.parametrize("typed", ["", "help", " HELP ", "도움말"])
async def test_no_number_or_help_gives_the_usage(bot: RunningBot, typed: str) -> None:
    answer = await ask(bot, typed)

    assert "/bizstatus 220-81-62517" in shown(answer)
    assert "/bizstatus" in answer["text"]
    assert answer["response_type"] == "ephemeral"
    assert bot.nhn.calls(STATUS) == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (4000102, "국세청에 등록되지 않은 사업자등록번호입니다"),
        (4010001, "NHN Cloud 키 설정을 확인해"),
    ],
)
async def test_an_nhn_error_gives_its_user_facing_message(
    bot: RunningBot, code: int, message: str
) -> None:
    bot.nhn.script(STATUS, Reply.error(code))

    answer = await ask(bot, OPEN)

    assert message in shown(answer)
    assert "조회하지 못함" in shown(answer)
    assert buttons(answer) == []
    assert bot.nhn.calls(STATUS) == 1


@pytest.mark.parametrize("bot_overrides", [{"language": "en"}])
async def test_english_answers_when_language_is_en(bot: RunningBot) -> None:
    answer = await ask(bot, f"{OPEN} 123-45-67890")

    assert "Business status" in answer["text"]
    assert "🟢 " in shown(answer)
    assert "The last digit does not match" in shown(answer)
    assert buttons(answer)[0]["text"]["text"] == "Share to channel"


class RateLimitedResponseUrl:
    """A response_url that answers the first post with 429 and Retry-After, then takes posts."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.accepted: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self.statuses:
            self.statuses.append(429)
            return web.Response(status=429, text="rate_limited", headers={"Retry-After": "0"})
        self.statuses.append(200)
        self.accepted.append(body)
        return web.Response(text="ok")


@pytest.fixture
async def rate_limited_url() -> AsyncIterator[tuple[str, RateLimitedResponseUrl]]:
    endpoint = RateLimitedResponseUrl()
    app = web.Application()
    app.router.add_post("/commands/T0001/1/key", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/commands/T0001/1/key", endpoint
    finally:
        await runner.cleanup()


async def test_a_rate_limited_response_url_still_gets_the_answer(
    bot: RunningBot, rate_limited_url: tuple[str, RateLimitedResponseUrl]
) -> None:
    url, endpoint = rate_limited_url

    await bot.send.command(OPEN, response_url=url)

    await eventually(lambda: len(endpoint.accepted) == 1)
    assert endpoint.statuses == [429, 200]
    assert OPEN in json.dumps(endpoint.accepted[0]["blocks"])
    assert bot.nhn.calls(STATUS) == 1


async def test_each_number_looked_up_is_audited_once_with_its_status(bot: RunningBot) -> None:
    bot.nhn.statuses[CLOSED_DIGITS] = "06"

    await ask(bot, f"{OPEN}, {CLOSED} {OPEN_DIGITS},220 81 62517")

    assert await bot.audited(2) == [
        ("U_CHECKER", "status_lookup", OPEN_DIGITS, "01"),
        ("U_CHECKER", "status_lookup", CLOSED_DIGITS, "06"),
    ]


async def test_an_answer_from_the_cache_is_audited_as_such(bot: RunningBot) -> None:
    await ask(bot, OPEN)
    await ask(bot, OPEN)

    assert await bot.audited(2) == [
        ("U_CHECKER", "status_lookup", OPEN_DIGITS, "01"),
        ("U_CHECKER", "status_lookup", OPEN_DIGITS, "01 (cached)"),
    ]
    assert bot.nhn.calls(STATUS) == 1


async def test_a_failed_lookup_is_audited_with_the_kind_of_failure(bot: RunningBot) -> None:
    bot.nhn.script(STATUS, Reply.error(4000102))

    await ask(bot, OPEN)

    assert await bot.audited(1) == [
        ("U_CHECKER", "status_lookup", OPEN_DIGITS, "failed: NumberNotRegistered")
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "123-45-67890",  # the check digit is wrong: nothing is looked up
        "4111 1111 1111 1111",  # nor is a card number typed by mistake, which is not kept
        "help",
        "list",
        "unwatch 220-81-62517",  # audited by the watchlist, as an unwatch
        ", ".join(valid_business_numbers(11)),
    ],
)
async def test_what_looks_nothing_up_audits_no_lookup(bot: RunningBot, typed: str) -> None:
    await ask(bot, typed)

    assert [row for row in await bot.audited() if row[1] == "status_lookup"] == []
    assert bot.nhn.calls(STATUS) == 0


async def test_only_the_valid_numbers_of_a_mixed_list_are_audited(bot: RunningBot) -> None:
    await ask(bot, f"4111111111111111 123-45-67890 {OPEN}")

    assert await bot.audited(1) == [("U_CHECKER", "status_lookup", OPEN_DIGITS, "01")]
