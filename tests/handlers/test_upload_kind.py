"""What an upload is: words in the message or file name, the channel, a PDF, or a question."""

from typing import Any

import pytest

from bot.blocks.ids import CHOOSE_KIND_BUSINESS, CHOOSE_KIND_CARD, CHOOSE_KIND_IGNORE
from fakes.blockkit import limit_violations
from fakes.slack import ApiCall
from fakes.slack_requests import file_share_message, new_ts
from tests.handlers.conftest import RunningBot
from tests.handlers.images import png
from tests.support.helpers import eventually

CHANNEL = "C_GENERAL"
UPLOADER = "U_UPLOADER"
BUSINESS, CARD = "business", "credit-card"  # the NHN endpoints
BUSINESS_CHANNEL, CARD_CHANNEL = "C_VENDORS", "C_CARDS"
DONE = "white_check_mark"


def upload(bot: RunningBot, name: str, *, text: str = "", channel: str = CHANNEL) -> dict[str, Any]:
    data, mimetype, filetype = (
        (b"%PDF-1.4 certificate", "application/pdf", "pdf")
        if name.endswith(".pdf")
        else (png(), "image/png", "png")
    )
    file = bot.slack.add_file(name, data, mimetype, filetype, channel=channel)
    return file_share_message(file, channel=channel, user=UPLOADER, text=text)


async def analysed_as(bot: RunningBot, event: dict[str, Any]) -> str:
    """Send the upload, wait for its answer, and say which NHN endpoint read it."""
    await bot.send.event(event)
    await eventually(lambda: bot.slack.reactions_on(event["channel"], event["ts"]) == [DONE])
    calls = {endpoint: bot.nhn.calls(endpoint) for endpoint in (BUSINESS, CARD)}
    [(endpoint, _)] = [(endpoint, count) for endpoint, count in calls.items() if count == 1]
    assert sum(calls.values()) == 1
    return endpoint


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [
        ("카드 사진입니다", CARD),
        ("new corporate card", CARD),
        ("신용카드", CARD),
        ("사업자등록증 보내드립니다", BUSINESS),
        ("vendor certificate", BUSINESS),
    ],
)
async def test_words_in_the_message_name_the_kind(
    bot: RunningBot, text: str, endpoint: str
) -> None:
    assert await analysed_as(bot, upload(bot, "IMG_0001.png", text=text)) == endpoint


@pytest.mark.parametrize(
    ("name", "endpoint"),
    [
        ("card_front.png", CARD),
        ("사업자등록증_스캔.png", BUSINESS),
        ("business-cert.png", BUSINESS),
    ],
)
async def test_words_in_the_file_name_name_the_kind(
    bot: RunningBot, name: str, endpoint: str
) -> None:
    assert await analysed_as(bot, upload(bot, name, text="확인 부탁드립니다")) == endpoint


async def test_the_message_wins_over_the_file_name(bot: RunningBot) -> None:
    event = upload(bot, "card_front.png", text="사업자등록증입니다")
    assert await analysed_as(bot, event) == BUSINESS


@pytest.mark.parametrize(
    "bot_overrides",
    [{"business_channels": [BUSINESS_CHANNEL], "card_channels": [CARD_CHANNEL]}],
)
@pytest.mark.parametrize(
    ("channel", "endpoint"), [(BUSINESS_CHANNEL, BUSINESS), (CARD_CHANNEL, CARD)]
)
async def test_a_channel_default_names_the_kind(
    bot: RunningBot, channel: str, endpoint: str
) -> None:
    assert await analysed_as(bot, upload(bot, "IMG_0001.png", channel=channel)) == endpoint


@pytest.mark.parametrize("bot_overrides", [{"card_channels": [CARD_CHANNEL]}])
async def test_words_win_over_the_channel_default(bot: RunningBot) -> None:
    event = upload(bot, "IMG_0001.png", text="사업자등록증", channel=CARD_CHANNEL)
    assert await analysed_as(bot, event) == BUSINESS


async def test_a_pdf_is_a_certificate(bot: RunningBot) -> None:
    assert await analysed_as(bot, upload(bot, "scan_0001.pdf")) == BUSINESS


# Asking


def buttons(prompt: ApiCall) -> dict[str, str]:
    """action_id -> value of the prompt's buttons."""
    return {
        element["action_id"]: element["value"]
        for block in prompt.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def ask(bot: RunningBot) -> tuple[dict[str, Any], ApiCall]:
    """Upload a photo nobody can name; return the upload and the prompt in its thread."""
    event = upload(bot, "IMG_0001.png", text="확인 부탁드립니다")
    await bot.send.event(event)
    [prompt] = await bot.wait_for("chat.postMessage")
    return event, prompt


async def click(bot: RunningBot, action_id: str, value: str, event: dict[str, Any]) -> str:
    """Click a prompt button; return the response_url the app should answer at."""
    response_url = bot.slack.response_url()
    payload = bot.send.block_action(
        action_id,
        value,
        user=UPLOADER,
        channel=CHANNEL,
        message_ts=new_ts(),
        thread_ts=event["ts"],
        response_url=response_url,
        block_id="kind_choice",
    )
    response = await bot.send.action(payload)
    assert response.status_code == 200
    return response_url


async def test_an_unnamed_photo_gets_a_prompt_with_three_buttons(bot: RunningBot) -> None:
    event, prompt = await ask(bot)

    assert prompt.params["channel"] == CHANNEL
    assert prompt.params["thread_ts"] == event["ts"]
    assert prompt.params["text"]
    assert limit_violations(prompt.params["blocks"]) == []
    choices = buttons(prompt)
    assert set(choices) == {CHOOSE_KIND_BUSINESS, CHOOSE_KIND_CARD, CHOOSE_KIND_IGNORE}
    assert len(set(choices.values())) == 1  # all three carry the job
    await bot.settle()
    assert bot.nhn.calls(BUSINESS) + bot.nhn.calls(CARD) == 0  # nothing read before a click
    assert bot.slack.reactions_on(CHANNEL, event["ts"]) == []


async def test_choosing_certificate_replaces_the_prompt_and_reads_the_file(
    bot: RunningBot,
) -> None:
    event, prompt = await ask(bot)

    url = await click(bot, CHOOSE_KIND_BUSINESS, buttons(prompt)[CHOOSE_KIND_BUSINESS], event)

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [replacement] = bot.slack.responses(url)
    assert replacement["replace_original"] is True
    assert "사업자등록증" in replacement["text"]
    assert limit_violations(replacement["blocks"]) == []
    [_, result] = await bot.wait_for("chat.postMessage", 2)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert result.params["thread_ts"] == event["ts"]
    assert "220-81-62517" in str(result.params["blocks"])
    assert bot.nhn.calls(BUSINESS) == 1
    assert bot.nhn.calls(CARD) == 0


async def test_choosing_card_replaces_the_prompt_and_reads_the_card(bot: RunningBot) -> None:
    event, prompt = await ask(bot)

    url = await click(bot, CHOOSE_KIND_CARD, buttons(prompt)[CHOOSE_KIND_CARD], event)

    [result] = await bot.wait_for("chat.postEphemeral")  # a public channel: the uploader only
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    [replacement] = bot.slack.responses(url)
    assert replacement["replace_original"] is True
    assert "신용카드" in replacement["text"]
    assert result.params["user"] == UPLOADER
    assert result.params["thread_ts"] == event["ts"]
    assert bot.nhn.calls(CARD) == 1
    assert bot.nhn.calls(BUSINESS) == 0


async def test_choosing_ignore_replaces_the_prompt_and_reads_nothing(bot: RunningBot) -> None:
    event, prompt = await ask(bot)

    url = await click(bot, CHOOSE_KIND_IGNORE, buttons(prompt)[CHOOSE_KIND_IGNORE], event)

    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    [replacement] = bot.slack.responses(url)
    assert replacement["replace_original"] is True
    assert "읽지 않" in replacement["text"]
    await bot.settle()
    assert bot.nhn.calls(BUSINESS) + bot.nhn.calls(CARD) == 0
    assert bot.slack.downloads == []
    assert len(bot.slack.calls_to("chat.postMessage")) == 1  # only the prompt


@pytest.mark.parametrize("first", [CHOOSE_KIND_BUSINESS, CHOOSE_KIND_IGNORE])
async def test_a_second_click_does_nothing(bot: RunningBot, first: str) -> None:
    event, prompt = await ask(bot)
    choices = buttons(prompt)
    first_url = await click(bot, first, choices[first], event)
    await eventually(lambda: len(bot.slack.responses(first_url)) == 1)
    await bot.settle()
    posts = len(bot.slack.calls_to("chat.postMessage"))

    second_url = await click(bot, CHOOSE_KIND_CARD, choices[CHOOSE_KIND_CARD], event)

    await bot.settle()
    assert bot.slack.responses(second_url) == []
    assert bot.nhn.calls(CARD) == 0
    assert bot.nhn.calls(BUSINESS) == (1 if first == CHOOSE_KIND_BUSINESS else 0)
    assert len(bot.slack.calls_to("chat.postMessage")) == posts
    assert bot.slack.calls_to("chat.postEphemeral") == []


@pytest.mark.parametrize("elsewhere", ["another channel", "another team"])
async def test_a_job_id_sent_from_elsewhere_neither_starts_nor_cancels_the_job(
    bot: RunningBot, elsewhere: str
) -> None:
    # Job ids count up, so anyone can name one: a forged click from outside the prompt's
    # channel, or from another workspace, must not read the file as a card or drop it.
    event, prompt = await ask(bot)
    job_id = buttons(prompt)[CHOOSE_KIND_IGNORE]
    forged_urls = []
    for action_id in (CHOOSE_KIND_IGNORE, CHOOSE_KIND_CARD):
        url = bot.slack.response_url()
        payload = bot.send.block_action(
            action_id,
            job_id,
            user="U0FORGER",
            channel="C_ELSEWHERE" if elsewhere == "another channel" else CHANNEL,
            message_ts=new_ts(),
            response_url=url,
            block_id="kind_choice",
        )
        if elsewhere == "another team":
            payload["team"]["id"] = payload["user"]["team_id"] = "T0OTHERTEAM"
        assert (await bot.send.action(payload)).status_code == 200
        forged_urls.append(url)

    await bot.settle()
    assert [bot.slack.responses(url) for url in forged_urls] == [[], []]
    assert bot.nhn.calls(BUSINESS) + bot.nhn.calls(CARD) == 0
    assert bot.slack.downloads == []
    # The job still waits for its own prompt, which still decides it.
    url = await click(bot, CHOOSE_KIND_BUSINESS, job_id, event)
    await eventually(lambda: len(bot.slack.responses(url)) == 1)
    await eventually(lambda: bot.slack.reactions_on(CHANNEL, event["ts"]) == [DONE])
    assert bot.nhn.calls(BUSINESS) == 1


@pytest.mark.parametrize("value", ["²", "9" * 40, "-1", "1e3", ""])
async def test_a_value_that_is_not_a_job_id_does_nothing(bot: RunningBot, value: str) -> None:
    event, _ = await ask(bot)

    url = await click(bot, CHOOSE_KIND_CARD, value, event)

    await bot.settle()
    assert bot.slack.responses(url) == []
    assert bot.nhn.calls(BUSINESS) + bot.nhn.calls(CARD) == 0
