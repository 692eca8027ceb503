"""ResponseUrl: how answers to /bizstatus and its buttons are posted, and failures logged.

That a 429 is retried is shown end to end in tests/handlers/test_bizstatus.py.
"""

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.message import Message
from bot.config import Settings
from bot.slack.client import create_web_client
from bot.slack.response_url import ResponseUrl

LOGGER = "bot.slack.response_url"
PATH = "/commands/T0001/1/secret-part-of-the-url"
MESSAGE = Message(
    text="사업자 상태 조회 결과",
    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "🟢"}}],
)


class ScriptedResponseUrl:
    """A response_url that answers with the queued HTTP statuses first, then 200."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status == 200 else "no_service")


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, ScriptedResponseUrl]]:
    scripted = ScriptedResponseUrl()
    app = web.Application()
    app.router.add_post(PATH, scripted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}{PATH}", scripted
    await runner.cleanup()


@pytest.fixture
def client() -> AsyncWebClient:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-unused")  # type: ignore[call-arg]
    return create_web_client(settings, retry_interval=FixedValueRetryIntervalCalculator(0))


async def test_an_answer_is_posted_with_its_response_type(
    endpoint: tuple[str, ScriptedResponseUrl], client: AsyncWebClient
) -> None:
    url, scripted = endpoint

    await ResponseUrl(url, client).send(MESSAGE, response_type="in_channel")
    await ResponseUrl(url, client).delete_original()

    assert scripted.received == [
        {"response_type": "in_channel", "replace_original": False, **MESSAGE.as_kwargs()},
        {"delete_original": True},
    ]


async def test_a_refused_answer_is_logged_without_the_url(
    endpoint: tuple[str, ScriptedResponseUrl],
    client: AsyncWebClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, scripted = endpoint
    scripted.statuses.append(404)  # an expired response_url
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    await ResponseUrl(url, client).send(MESSAGE, response_type="ephemeral")

    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert "404" in record.getMessage()
    assert "no_service" in record.getMessage()
    assert "secret-part-of-the-url" not in caplog.text


async def test_an_unreachable_response_url_is_logged_without_the_url(
    client: AsyncWebClient, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    caplog.set_level(logging.ERROR, logger=LOGGER)

    await ResponseUrl(f"http://127.0.0.1:{port}{PATH}", client).delete_original()

    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert "secret-part-of-the-url" not in caplog.text


async def test_card_numbers_in_an_answer_are_masked(
    endpoint: tuple[str, ScriptedResponseUrl], client: AsyncWebClient
) -> None:
    url, scripted = endpoint
    written = "라벨 4556 0767\u00a06001-6584"
    message = Message(
        text=written, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": written}}]
    )

    await ResponseUrl(url, client).send(message, response_type="ephemeral")

    [body] = scripted.received
    assert body["text"] == "라벨 •••• •••• •••• 6584"
    assert body["blocks"][0]["text"]["text"] == "라벨 •••• •••• •••• 6584"
