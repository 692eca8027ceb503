"""Socket Mode: the bot connects with the app token, answers over the socket (at once, on
the receiver's loop, unless Bolt must answer), and reconnects when Slack drops the
connection; /ready says whether it is connected."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.blocks.authenticity import NUMBER_INPUT, OPENED_INPUT, REPRESENTATIVE_INPUT
from bot.blocks.ids import CORRECT_DETAILS_VIEW
from bot.runtime import BotRuntime
from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import file_share_message
from tests.handlers.conftest import bot_settings
from tests.handlers.images import png
from tests.support.helpers import eventually


@pytest.fixture
async def socket_bot(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> AsyncIterator[BotRuntime]:
    settings = bot_settings(
        fake_slack,
        fake_nhn,
        tmp_path / "bot.db",
        "unused-in-socket-mode",
        slack_app_token=fake_slack.app_token,
        socket_ping_interval_s=0.2,
    )
    async with BotRuntime(settings, http=False, host="127.0.0.1", port=0) as runtime:
        yield runtime


async def get(runtime: BotRuntime, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(runtime.url + path)


def events_api(event: dict[str, object]) -> dict[str, object]:
    return {
        "type": "event_callback",
        "team_id": "T0001",
        "api_app_id": "A0OCRBOT",
        "event": event,
        "event_id": "Ev0SOCKET",
        "event_time": 1,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }


async def test_an_upload_over_the_socket_is_acknowledged_and_answered(
    socket_bot: BotRuntime, fake_slack: FakeSlack, fake_nhn: NhnFake
) -> None:
    assert fake_slack.socket_connections == 1
    file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel="C_OPS")
    event = file_share_message(file, channel="C_OPS", user="U_UPLOADER")

    envelope_id = fake_slack.send_socket_envelope("events_api", events_api(event))

    await eventually(lambda: envelope_id in fake_slack.socket_acks)
    await eventually(lambda: len(fake_slack.calls_to("chat.postMessage")) == 1)
    [reply] = fake_slack.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == event["ts"]
    assert fake_nhn.calls("business") == 1
    assert (await get(socket_bot, "/health")).json() == {"ok": True, "mode": "socket"}
    response = await get(socket_bot, "/ready")
    assert response.status_code == 200
    assert response.json()["slack"] == {"ok": True, "socket_connected": True}


async def test_a_dropped_connection_is_reopened(
    socket_bot: BotRuntime, fake_slack: FakeSlack
) -> None:
    fake_slack.drop_socket()
    await eventually(lambda: fake_slack.socket_connections == 2)
    await eventually(lambda: len(fake_slack.calls_to("apps.connections.open")) == 2)
    await asyncio.sleep(0.1)
    assert (await get(socket_bot, "/ready")).json()["slack"]["socket_connected"] is True


async def test_ready_reports_a_connection_that_cannot_be_reopened(
    socket_bot: BotRuntime, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next(
        "apps.connections.open", error="internal_error", status=500, retry_after=None, times=1000
    )
    fake_slack.drop_socket()

    async def unready() -> bool:
        return (await get(socket_bot, "/ready")).status_code == 503

    deadline = asyncio.get_running_loop().time() + 10
    while not await unready():
        assert asyncio.get_running_loop().time() < deadline, "/ready never reported the drop"
        await asyncio.sleep(0.05)
    report = (await get(socket_bot, "/ready")).json()
    assert report["slack"] == {"ok": False, "socket_connected": False}
    assert report["database"] == {"ok": True}
    assert (await get(socket_bot, "/health")).status_code == 200  # alive: it keeps trying


async def test_metrics_are_served_on_the_port_in_socket_mode_too(socket_bot: BotRuntime) -> None:
    response = await get(socket_bot, "/metrics")
    assert response.status_code == 200
    assert "ocrbot_job_backlog 0.0" in response.text


async def test_an_envelope_is_acknowledged_while_the_main_loop_is_busy(
    socket_bot: BotRuntime, fake_slack: FakeSlack, fake_nhn: NhnFake
) -> None:
    file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel="C_OPS")
    event = file_share_message(file, channel="C_OPS", user="U_UPLOADER")
    held: list[bool] = []

    def hold_until_acknowledged(envelope_id: str) -> None:
        """Blocks the main loop, as a long stretch of job work would."""
        deadline = time.monotonic() + 10
        while envelope_id not in fake_slack.socket_acks and time.monotonic() < deadline:
            time.sleep(0.01)
        held.append(envelope_id in fake_slack.socket_acks)

    loop = asyncio.get_running_loop()
    envelope_ids: list[str] = []
    loop.call_soon(lambda: hold_until_acknowledged(envelope_ids[0]))
    envelope_ids.append(fake_slack.send_socket_envelope("events_api", events_api(event)))
    await asyncio.sleep(0)  # the hold starts here

    assert held == [True]
    assert fake_slack.socket_acks[envelope_ids[0]] == {"envelope_id": envelope_ids[0]}
    await eventually(lambda: len(fake_slack.calls_to("chat.postMessage")) == 1)
    assert fake_nhn.calls("business") == 1


async def test_a_view_submission_over_the_socket_gets_its_inline_errors(
    socket_bot: BotRuntime, fake_slack: FakeSlack
) -> None:
    thread = json.dumps({"c": "C_OPS", "t": "1700000000.000100", "u": "U0BUYER"})
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "ocrbot"},
        "user": {"id": "U0BUYER", "team_id": "T0001"},
        "api_app_id": "A0OCRBOT",
        "view": {
            "id": "V0DIALOG",
            "type": "modal",
            "callback_id": CORRECT_DETAILS_VIEW,
            "private_metadata": thread,
            "state": {"values": {}},  # nothing typed: each required detail is missing
        },
    }

    envelope_id = fake_slack.send_socket_envelope("interactive", submission)

    await eventually(lambda: envelope_id in fake_slack.socket_acks)
    answer = fake_slack.socket_acks[envelope_id]["payload"]
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {NUMBER_INPUT, OPENED_INPUT, REPRESENTATIVE_INPUT}
