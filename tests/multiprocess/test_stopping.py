"""SIGTERM stops a real bot process within SHUTDOWN_GRACE_S, with exit code 0, whatever
it is doing: checking its credentials, failing to connect again and again, analysing
uploads, or waiting for work."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from fakes.bot_process import OCRBOT, BotProcess, fakes_env
from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import file_share_message
from tests.handlers.images import png
from tests.support.helpers import eventually

pytestmark = pytest.mark.slow

GRACE_S = 2.0
# Beyond the grace: the interpreter's own exit, on a machine that may be busy.
EXIT_MARGIN_S = 4.0


class SocketModeBot(BotProcess):
    def command(self) -> list[str]:
        return [OCRBOT, "run", "--host", "127.0.0.1", "--port", str(self.port)]


def bot_env(slack: FakeSlack, nhn: NhnFake, tmp_path: Path, secret: str) -> dict[str, str]:
    return {
        **fakes_env(slack, nhn, f"sqlite:///{tmp_path / 'bot.db'}", secret),
        "SLACK_APP_TOKEN": slack.app_token,
        "SHUTDOWN_GRACE_S": str(GRACE_S),
        "SOCKET_PING_INTERVAL_S": "0.5",
        "FILE_SHARED_GRACE_S": "0.2",
        "JOB_LEASE": "60s",
    }


def stops_in_time(bot: BotProcess) -> None:
    code, took = bot.terminate(timeout_s=GRACE_S + EXIT_MARGIN_S)
    assert code == 0, bot.output()
    assert took < GRACE_S + EXIT_MARGIN_S
    assert "Traceback" not in bot.output()


async def test_while_checking_its_credentials(
    tmp_path: Path, fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str
) -> None:
    fake_slack.hold("auth.test")  # Slack takes the call and never answers
    env = bot_env(fake_slack, fake_nhn, tmp_path, slack_signing_secret)
    bot = BotProcess(env, tmp_path / "b.log")
    try:
        bot.launch()
        await eventually(lambda: fake_slack.held("auth.test") == 1, timeout_s=30)

        stops_in_time(bot)
    finally:
        fake_slack.release("auth.test")
        bot.stop()


async def test_while_failing_to_connect_again_and_again(
    tmp_path: Path, fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str
) -> None:
    fake_slack.fail_connections_after(1)  # the start-up check's; then an outage
    bot = SocketModeBot(
        bot_env(fake_slack, fake_nhn, tmp_path, slack_signing_secret), tmp_path / "b.log"
    )
    try:
        bot.launch()

        def failed_connections() -> int:
            calls = fake_slack.calls_to("apps.connections.open")
            return sum(call.error == "internal_error" for call in calls)

        await eventually(lambda: failed_connections() >= 2, timeout_s=30)  # retrying

        stops_in_time(bot)
        assert fake_slack.socket_connections == 0
    finally:
        bot.stop()


async def test_while_connected_and_idle(
    tmp_path: Path, fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str
) -> None:
    bot = SocketModeBot(
        bot_env(fake_slack, fake_nhn, tmp_path, slack_signing_secret), tmp_path / "b.log"
    )
    with bot:
        await eventually(lambda: fake_slack.socket_connections == 1, timeout_s=30)

        stops_in_time(bot)


async def test_while_an_analysis_runs_it_is_left_to_another_process(
    tmp_path: Path, fake_slack: FakeSlack, fake_nhn: NhnFake, slack_signing_secret: str
) -> None:
    fake_nhn.latency_s = 60  # NHN is slow to read the certificate: the job outlasts the grace
    database = tmp_path / "bot.db"
    env = bot_env(fake_slack, fake_nhn, tmp_path, slack_signing_secret)
    bot = BotProcess(env, tmp_path / "b.log")
    with bot:
        file = fake_slack.add_file("사업자등록증.png", png(), "image/png", "png", channel="C_OPS")
        await bot.deliver(
            fake_slack, slack_signing_secret, file_share_message(file, channel="C_OPS", user="U1")
        )

        def running() -> bool:
            with sqlite3.connect(database) as connection:
                states = [row[0] for row in connection.execute("SELECT state FROM upload_jobs")]
            return states == ["running"]

        await eventually(running, timeout_s=30)
        await asyncio.sleep(0.5)  # the analysis is under way at NHN

        stops_in_time(bot)

    # Still claimed, as after a crash: another process takes it over when its lease runs out.
    assert running()
