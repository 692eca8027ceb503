"""Slack's requests are received and answered on the receiver's own loop: an
acknowledgement does not wait for the main loop, where the bot's work runs; what Bolt must
answer (a view submission, url_verification) still gets Bolt's answer; replays are still
dropped, in this process's memory or through the shared record."""

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest

from bot import runtime as runtime_module
from fakes.nhn import STATUS, NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import SlackRequestSender, file_share_message, slack_signature
from tests.handlers.conftest import RunningBot, bot_settings, running_bot
from tests.handlers.images import png
from tests.support.helpers import eventually

OPEN = "220-81-62517"
# How long the main loop is held at most; a bot that cannot answer without it fails then.
HOLD_S = 10.0

T = TypeVar("T")


@contextmanager
def main_loop_held_until(released: threading.Event) -> Iterator[list[bool]]:
    """Block the main loop (the test's, which the bot's work runs on) from its next turn
    until `released` is set, as a long stretch of job work would; the list says, once the
    block has ended, whether `released` came (True) or the hold ran out (False)."""
    ended: list[bool] = []
    asyncio.get_running_loop().call_soon(lambda: ended.append(released.wait(HOLD_S)))
    yield ended


async def from_another_thread(
    send: Callable[[], Coroutine[Any, Any, T]], done: threading.Event
) -> T:
    """Run `send` on a thread and loop of its own (the main loop is held meanwhile), set
    `done` when it has its answer, and return that."""
    answers: list[T] = []

    def client() -> None:
        try:
            answers.append(asyncio.run(send()))
        finally:
            done.set()

    thread = threading.Thread(target=client)
    thread.start()
    await asyncio.sleep(0)  # the hold starts here, before the bot could see the request
    await asyncio.to_thread(thread.join)
    [answer] = answers
    return answer


def another_sender(bot: RunningBot, secret: str) -> SlackRequestSender:
    return SlackRequestSender(bot.send.url, secret, response_urls=bot.slack.response_url)


async def test_a_command_is_acknowledged_while_the_main_loop_is_busy(
    bot: RunningBot, slack_signing_secret: str
) -> None:
    url = bot.slack.response_url()
    acknowledged = threading.Event()

    async def command() -> httpx.Response:
        async with another_sender(bot, slack_signing_secret) as sender:
            return await sender.command(OPEN, response_url=url)

    with main_loop_held_until(acknowledged) as held:
        response = await from_another_thread(command, acknowledged)

    assert held == [True]  # the answer came while the main loop was held
    assert response.status_code == 200
    assert response.content == b""
    await eventually(lambda: len(bot.slack.responses(url)) == 1)  # then it was dispatched
    assert bot.nhn.calls(STATUS) == 1


async def test_an_upload_event_is_acknowledged_while_the_main_loop_is_busy(
    bot: RunningBot, slack_signing_secret: str
) -> None:
    file = bot.slack.add_file("사업자등록증.png", png(), "image/png", "png", channel="C_OPS")
    event = file_share_message(file, channel="C_OPS", user="U_UPLOADER")
    acknowledged = threading.Event()

    async def deliver() -> httpx.Response:
        async with another_sender(bot, slack_signing_secret) as sender:
            return await sender.event(event)

    with main_loop_held_until(acknowledged) as held:
        response = await from_another_thread(deliver, acknowledged)

    assert held == [True]
    assert response.status_code == 200
    await bot.wait_for("chat.postMessage")
    assert bot.nhn.calls("business") == 1


async def test_health_fails_while_the_main_loop_does_not_answer(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "MAIN_LOOP_ANSWER_TIMEOUT_S", 0.2)
    answered = threading.Event()

    async def health() -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.get(bot.runtime.url + "/health")

    with main_loop_held_until(answered) as held:
        unhealthy = await from_another_thread(health, answered)
    healthy = await health()

    assert held == [True]
    assert (unhealthy.status_code, unhealthy.json()) == (503, {"ok": False, "mode": "http"})
    assert (healthy.status_code, healthy.json()) == (200, {"ok": True, "mode": "http"})


def signed_form(secret: str, form: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    body = urlencode(form)
    timestamp = str(int(time.time()))
    return body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(secret, timestamp, body),
    }


async def test_a_request_another_process_took_in_is_answered_and_not_dispatched(
    bot: RunningBot, slack_signing_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = bot.slack.response_url()
    form = {
        "team_id": bot.send.team_id,
        "channel_id": "C_GENERAL",
        "user_id": "U_CHECKER",
        "command": "/bizstatus",
        "text": OPEN,
        "response_url": url,
        "trigger_id": "1.2.3",
    }
    body, headers = signed_form(slack_signing_secret, form)
    # The other process recorded the signature in the shared table; this one never saw it.
    await bot.runtime.services.store.seen_requests.remember(
        headers["X-Slack-Signature"][3:], expires_at=datetime.now(UTC) + timedelta(minutes=6)
    )
    caplog.set_level(logging.WARNING)

    async with httpx.AsyncClient() as client:
        response = await client.post(bot.send.url, content=body, headers=headers)

    assert response.status_code == 200
    await eventually(lambda: "Ignored a replayed request to /slack/events" in caplog.text)
    await bot.settle(0.5)
    assert bot.slack.responses(url) == []
    assert bot.nhn.calls(STATUS) == 0


async def test_url_verification_still_gets_its_challenge_back(
    bot: RunningBot, slack_signing_secret: str
) -> None:
    body = json.dumps(
        {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    )
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(slack_signing_secret, timestamp, body),
    }

    async with httpx.AsyncClient() as client:
        response = await client.post(bot.send.url, content=body, headers=headers)

    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


async def test_stopping_ends_the_receiver_thread(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, slack_signing_secret: str
) -> None:
    settings = bot_settings(fake_slack, fake_nhn, tmp_path / "bot.db", slack_signing_secret)
    async with running_bot(settings, slack_signing_secret, fake_slack) as send:
        assert (await send.command(OPEN)).status_code == 200
        assert "receiver" in [thread.name for thread in threading.enumerate()]

    assert "receiver" not in [thread.name for thread in threading.enumerate()]
