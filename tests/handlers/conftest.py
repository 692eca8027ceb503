"""The real bot, served over HTTP on 127.0.0.1, against the fake Slack and the fake NHN."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime import BotRuntime
from bot.web import EVENTS_PATH
from fakes.nhn import NhnFake
from fakes.slack import TEAM_ID, ApiCall, FakeSlack
from fakes.slack_requests import SlackRequestSender
from tests.support.helpers import eventually

ALERTS_CHANNEL = "C_ALERTS"
AuditRow = tuple[str | None, str, str, str]


@dataclass
class RunningBot:
    runtime: BotRuntime
    send: SlackRequestSender
    slack: FakeSlack
    nhn: NhnFake
    database: Path

    async def wait_for(
        self, method: str, count: int = 1, *, timeout_s: float = 10
    ) -> list[ApiCall]:
        """Wait until the bot has made `count` calls of a Web API method; return them."""
        await eventually(lambda: len(self.slack.calls_to(method)) >= count, timeout_s=timeout_s)
        return self.slack.calls_to(method)

    async def settle(self, seconds: float = 0.5) -> None:
        """Give the bot time to do anything it should not do (a second analysis, a post)."""
        await asyncio.sleep(seconds)

    async def audited(self, count: int = 0) -> list[AuditRow]:
        """The team's audit entries, oldest first: who, action, subject, outcome.

        They are written after the answer, so this waits until there are `count`, then a
        little longer for any that should not be there.
        """

        async def rows() -> list[AuditRow]:
            entries = await self.runtime.services.store.audit.recent(TEAM_ID, limit=50)
            return [(e.user_id, e.action, e.subject, e.outcome) for e in reversed(entries)]

        for _ in range(200):
            if len(await rows()) >= count:
                break
            await self.settle(0.02)
        await self.settle(0.2)
        return await rows()


def bolt_listeners_running() -> list[asyncio.Task[object]]:
    """Bolt's listener tasks (those it runs on after `ack()`) not yet ended.

    Found by their coroutine, not through the runtime's own count, so that a runtime which
    stops without waiting for them fails the tests that started them.
    """
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and "run_ack_function_asynchronously" in _coroutine_name(task)
    ]


def _coroutine_name(task: asyncio.Task[object]) -> str:
    return str(getattr(task.get_coro(), "__qualname__", ""))


def bot_settings(
    fake_slack: FakeSlack, fake_nhn: NhnFake, database: Path, secret: str, **overrides: Any
) -> Any:
    values: dict[str, Any] = {
        "slack_bot_token": fake_slack.bot_token,
        "slack_signing_secret": secret,
        "slack_api_url": fake_slack.api_url,
        "database_url": f"sqlite:///{database}",
        "notify_channel": ALERTS_CHANNEL,
        "file_shared_grace_s": 0.3,
        "job_poll_interval": "60s",
    }
    values.update(overrides)
    return fake_nhn.settings(**values)


@pytest.fixture
def bot_overrides() -> dict[str, Any]:
    """Settings a test module changes for its bot (override this fixture)."""
    return {}


@asynccontextmanager
async def running_bot(
    settings: Settings, secret: str, slack: FakeSlack
) -> AsyncIterator[SlackRequestSender]:
    """A bot started on `settings`, for tests that restart it or run two; its sender."""
    async with (
        BotRuntime(settings, http=True, host="127.0.0.1", port=0) as runtime,
        SlackRequestSender(
            runtime.url + EVENTS_PATH, secret, response_urls=slack.response_url
        ) as sender,
    ):
        yield sender
    assert bolt_listeners_running() == [], "the bot stopped under a running listener"


@pytest.fixture
async def bot(
    fake_slack: FakeSlack,
    fake_nhn: NhnFake,
    tmp_path: Path,
    slack_signing_secret: str,
    bot_overrides: dict[str, Any],
) -> AsyncIterator[RunningBot]:
    database = tmp_path / "bot.db"
    settings = bot_settings(fake_slack, fake_nhn, database, slack_signing_secret, **bot_overrides)
    async with (
        BotRuntime(settings, http=True, host="127.0.0.1", port=0) as runtime,
        SlackRequestSender(
            runtime.url + EVENTS_PATH, slack_signing_secret, response_urls=fake_slack.response_url
        ) as sender,
    ):
        yield RunningBot(runtime, sender, fake_slack, fake_nhn, database)
    assert bolt_listeners_running() == [], "the bot stopped under a running listener"
