"""Signed requests, checked by slack_sdk's verifier and by a real Bolt app served over HTTP."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from fakes.slack_requests import (
    Signing,
    SlackRequestSender,
    file_share_message,
    file_shared_event,
    slack_signature,
)

# A guard against hanging forever, not a speed expectation.
LISTENER_TIMEOUT_S = 10


def test_the_signature_is_the_one_slack_sdk_verifies(slack_signing_secret: str) -> None:
    body = '{"type":"event_callback","event":{"text":"사업자등록증"}}'
    timestamp = str(int(time.time()))
    signature = slack_signature(slack_signing_secret, timestamp, body)

    assert SignatureVerifier(slack_signing_secret).is_valid(body, timestamp, signature)
    assert not SignatureVerifier("another-secret").is_valid(body, timestamp, signature)
    assert not SignatureVerifier(slack_signing_secret).is_valid(body + " ", timestamp, signature)


@pytest.fixture
async def bolt_app(fake_slack: FakeSlack, slack_signing_secret: str) -> AsyncApp:
    """A Bolt app talking to the fake; listeners are added by each test."""
    return AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url),
        signing_secret=slack_signing_secret,
    )


@pytest.fixture
async def sender(
    bolt_app: AsyncApp, fake_slack: FakeSlack, slack_signing_secret: str
) -> AsyncIterator[SlackRequestSender]:
    """A sender aimed at `bolt_app`, served by aiohttp on a free port in this loop."""
    runner = web.AppRunner(bolt_app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listener).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/slack/events"
    try:
        async with SlackRequestSender(
            url, slack_signing_secret, response_urls=fake_slack.response_url
        ) as signed:
            yield signed
    finally:
        await runner.cleanup()


async def test_a_file_share_event_reaches_bolt(
    bolt_app: AsyncApp, sender: SlackRequestSender, fake_slack: FakeSlack
) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bolt_app.event("message")
    async def on_message(body: dict[str, Any]) -> None:
        await received.put(body)

    shared = fake_slack.add_file("card.png", b"png", "image/png", "png", channel="C_CARD")
    event = file_share_message(shared, channel="C_CARD", user="U_KIM", text="법인카드")

    response = await sender.event(event, event_id="Ev0001")
    body = await asyncio.wait_for(received.get(), LISTENER_TIMEOUT_S)

    assert response.status_code == 200
    assert body["event"] == event
    assert (body["event_id"], body["team_id"], body["type"]) == (
        "Ev0001",
        TEAM_ID,
        "event_callback",
    )
    assert body["event"]["subtype"] == "file_share"
    assert body["event"]["files"] == [shared]
    assert fake_slack.calls_to("auth.test")  # Bolt authorized the request against the fake


async def test_a_redelivered_event_carries_the_retry_headers(
    bolt_app: AsyncApp, sender: SlackRequestSender
) -> None:
    received: asyncio.Queue[AsyncBoltRequest] = asyncio.Queue()

    @bolt_app.event("file_shared")
    async def on_file_shared(request: AsyncBoltRequest) -> None:
        await received.put(request)

    event = file_shared_event("F0001", channel="C_BIZ", user="U_KIM")

    await sender.event(event, event_id="Ev0002", retry_num=1)
    request = await asyncio.wait_for(received.get(), LISTENER_TIMEOUT_S)

    assert request.headers["x-slack-retry-num"] == ["1"]
    assert request.headers["x-slack-retry-reason"] == ["http_timeout"]
    assert request.body["event_id"] == "Ev0002"
    assert request.body["event"]["file"] == {"id": "F0001"}


async def test_a_slash_command_and_its_response_url(
    bolt_app: AsyncApp, sender: SlackRequestSender, fake_slack: FakeSlack
) -> None:
    commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bolt_app.command("/bizstatus")
    async def on_bizstatus(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(f"{command['text']}: 계속사업자")
        await commands.put(command)

    url = fake_slack.response_url()
    response = await sender.command("220-81-62517", response_url=url)
    command = await asyncio.wait_for(commands.get(), LISTENER_TIMEOUT_S)

    assert response.status_code == 200
    assert command["command"] == "/bizstatus"
    assert (command["user_id"], command["channel_id"]) == ("U_CHECKER", "C_GENERAL")
    assert {"trigger_id", "team_id", "team_domain", "channel_name", "user_name"} <= set(command)
    assert fake_slack.responses(url) == [{"text": "220-81-62517: 계속사업자"}]


async def test_a_command_gets_a_fresh_response_url_from_the_fake(
    bolt_app: AsyncApp, sender: SlackRequestSender, fake_slack: FakeSlack
) -> None:
    commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bolt_app.command("/bizstatus")
    async def on_bizstatus(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        await commands.put(command)

    await sender.command("124-81-00998")
    command = await asyncio.wait_for(commands.get(), LISTENER_TIMEOUT_S)

    assert command["response_url"].startswith(fake_slack.base_url)
    assert fake_slack.responses(command["response_url"]) == []


async def test_a_block_action(bolt_app: AsyncApp, sender: SlackRequestSender) -> None:
    actions: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    @bolt_app.action("recheck")
    async def on_recheck(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await actions.put(body)

    payload = sender.block_action(
        "recheck",
        "220-81-62517",
        user="U_KIM",
        channel="C_BIZ",
        message_ts="1700000000.000100",
        thread_ts="1700000000.000001",
    )

    response = await sender.action(payload)
    body = await asyncio.wait_for(actions.get(), LISTENER_TIMEOUT_S)

    assert response.status_code == 200
    assert body == payload
    assert body["actions"][0]["value"] == "220-81-62517"
    assert body["container"]["thread_ts"] == "1700000000.000001"


@pytest.mark.parametrize("signing", [Signing.WRONG_SIGNATURE, Signing.STALE_TIMESTAMP])
async def test_forged_requests_are_refused_by_bolt(
    bolt_app: AsyncApp, sender: SlackRequestSender, signing: Signing
) -> None:
    handled: list[dict[str, Any]] = []

    @bolt_app.command("/bizstatus")
    async def on_bizstatus(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        handled.append(command)

    refused = await sender.command("220-81-62517", signing=signing)
    accepted = await sender.command("220-81-62517")

    assert refused.status_code == 401
    assert accepted.status_code == 200
    assert len(handled) == 1
