"""Real `ocrbot run --http` processes pointed at the fakes: for the multi-process tests,
the benchmark and the demo."""

import compileall
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from fakes.nhn import NhnFake
from fakes.slack import FakeSlack
from fakes.slack_requests import SlackRequestSender

OCRBOT = str(Path(sys.executable).with_name("ocrbot"))
# The bot's own packages, in the checkout the venv installed in editable mode.
_SOURCES = [Path(__file__).parent.parent / package for package in ("bot", "handlers")]


def fakes_env(slack: FakeSlack, nhn: NhnFake, database_url: str, secret: str) -> dict[str, str]:
    """The settings that point a bot process at the fakes, a database and a signing secret."""
    return {
        **nhn.env(),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def compile_bytecode() -> None:
    """Compile the bot's modules as `pip install` does for an installed package. Where
    PYTHONDONTWRITEBYTECODE is set (as on the CI machines), an editable install never
    writes them, and every start compiled the bot's 170 modules again: some 0.3 s of a
    1.3 s start. Modules already compiled and unchanged are skipped."""
    for source in _SOURCES:
        compileall.compile_dir(source, quiet=1)


class BotProcess:
    """One bot process in HTTP mode on 127.0.0.1, its output kept in a log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("NHN_", "SLACK_"))}
        self._env = {**clean, **env}
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        self.launch()
        self._wait_healthy()
        return self

    def launch(self) -> Self:
        """Start the process without waiting for it to serve (to catch it starting up)."""
        compile_bytecode()
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603
                self.command(),
                env=self._env,
                cwd=self.cwd(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        return self._started().pid

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("not started")
        return self._process

    def sender(self, slack: FakeSlack, secret: str) -> SlackRequestSender:
        """Signed requests to this process's Slack endpoint, response_urls on the fake."""
        return SlackRequestSender(
            self.url + "/slack/events", secret, response_urls=slack.response_url
        )

    async def deliver(self, slack: FakeSlack, secret: str, event: dict[str, Any]) -> None:
        """One event delivered and acknowledged."""
        async with self.sender(slack, secret) as sender:
            status = (await sender.event(event)).status_code
        if status != 200:
            raise AssertionError(f"the bot answered the event with HTTP {status}")

    def command(self) -> list[str]:
        return [OCRBOT, "run", "--http", "--host", "127.0.0.1", "--port", str(self.port)]

    def cwd(self) -> Path:
        return self.log.parent

    def healthy(self) -> bool:
        return httpx.get(self.url + "/health", timeout=1).status_code == 200

    def _wait_healthy(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._started().poll() is not None:
                raise AssertionError(f"bot exited early:\n{self.output()}")
            try:
                if self.healthy():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)  # the benchmark's spawn time is measured to this step
        raise AssertionError(f"bot never became healthy:\n{self.output()}")

    def terminate(self, timeout_s: float) -> tuple[int, float]:
        """SIGTERM, then wait up to `timeout_s`: the exit code and how long it took."""
        process = self._started()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            output = self.output()
            raise AssertionError(f"still running {timeout_s} s after SIGTERM:\n{output}") from None
        return code, time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no clean-up, as when a machine dies."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
