"""`ocrbot recheck` for cron: a real process against the NHN fake, the fake Slack and a SQLite
file."""

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.watches import FirstCheck, Watch
from fakes.nhn import STATUS, NhnFake, Reply
from fakes.slack import FakeSlack
from tests.support.databases import sqlite_url
from tests.test_cli import run_cli, run_module

TEAM = "T0001"
ALERTS = "C0ALERTS"
OPEN, CLOSED, LATER = "2208162517", "1248100998", "1018100340"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(sqlite_url(tmp_path))
    yield opened
    await opened.close()


def env(tmp_path: Path, fake_nhn: NhnFake, fake_slack: FakeSlack) -> dict[str, str]:
    return {
        **fake_nhn.env(),
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": sqlite_url(tmp_path),
        "NOTIFY_CHANNEL": ALERTS,
        "LANGUAGE": "en",
    }


async def watch(store: Store, number: str, *, due_in: timedelta) -> None:
    now = datetime.now(UTC)
    added = await store.watches.add(
        TEAM,
        number,
        label=None,
        channel_id=ALERTS,
        created_by="U0BUYER",
        now=now,
        first_check_at=now + due_in,
    )
    assert added is not None


async def watched(store: Store, number: str) -> Watch:
    found = await store.watches.get(TEAM, number)
    assert found is not None
    return found


def looked_up(fake_nhn: NhnFake) -> Counter[str]:
    return Counter(
        str(request.body["businessNumber"])
        for request in fake_nhn.requests_to(STATUS)
        if request.body is not None
    )


async def test_recheck_looks_up_every_due_watch_once_announces_and_exits_0(
    tmp_path: Path, store: Store, fake_nhn: NhnFake, fake_slack: FakeSlack
) -> None:
    await watch(store, OPEN, due_in=-timedelta(minutes=5))
    await watch(store, CLOSED, due_in=-timedelta(hours=1))
    await watch(store, LATER, due_in=timedelta(hours=3))
    fake_nhn.statuses[CLOSED] = "06"

    done = run_cli(tmp_path, env(tmp_path, fake_nhn, fake_slack), "recheck")

    assert done.returncode == 0, done.stderr
    assert "Re-checked 2" in done.stdout
    assert looked_up(fake_nhn) == Counter({OPEN: 1, CLOSED: 1})
    [post] = [call.params for call in fake_slack.calls_to("chat.postMessage")]
    assert post["channel"] == ALERTS
    assert "124-81-00998" in json.dumps(post["blocks"])
    assert (await watched(store, CLOSED)).last_status_code == "06"
    assert (await watched(store, OPEN)).last_status_code == "01"
    assert (await watched(store, LATER)).last_status_code is None

    # Run again at once, as an overeager cron would: nothing is due.
    again = run_cli(tmp_path, env(tmp_path, fake_nhn, fake_slack), "recheck")
    assert again.returncode == 0, again.stderr
    assert "Re-checked 0" in again.stdout
    assert fake_nhn.calls(STATUS) == 2


async def test_recheck_exits_1_when_lookups_fail_and_keeps_the_watch_due_soon(
    tmp_path: Path, store: Store, fake_nhn: NhnFake, fake_slack: FakeSlack
) -> None:
    await watch(store, OPEN, due_in=-timedelta(minutes=5))
    fake_nhn.script(STATUS, Reply.error(4010001))
    started = datetime.now(UTC)

    done = run_cli(tmp_path, env(tmp_path, fake_nhn, fake_slack), "recheck")

    assert done.returncode == 1
    assert "1 lookups failed" in done.stdout
    assert "Traceback" not in done.stderr
    retry = await watched(store, OPEN)
    assert retry.last_status_code is None
    assert started < retry.next_check_at < started + timedelta(hours=1)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_recheck_without_a_slack_token_names_it_and_exits_2(
    tmp_path: Path, fake_nhn: NhnFake, fake_slack: FakeSlack
) -> None:
    settings = env(tmp_path, fake_nhn, fake_slack)
    del settings["SLACK_BOT_TOKEN"]
    done = run_cli(tmp_path, settings, "recheck")
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN" in done.stderr


async def test_recheck_all_checks_every_watch_now_and_prints_what_changed(
    tmp_path: Path, store: Store, fake_nhn: NhnFake, fake_slack: FakeSlack
) -> None:
    # None is due: an operator forces a pass after an outage.
    for number in (OPEN, CLOSED, LATER):
        await watch(store, number, due_in=timedelta(hours=3))
    earlier = datetime.now(UTC) - timedelta(days=1)
    await store.watches.record_first_checks(
        [
            FirstCheck(
                (await watched(store, number)).id,
                "01",
                earlier,
                earlier + timedelta(days=1, hours=3),
            )
            for number in (OPEN, CLOSED)
        ]
    )
    fake_nhn.statuses[CLOSED] = "06"
    settings = {**env(tmp_path, fake_nhn, fake_slack), "STATUS_RATE_PER_S": "50"}

    due_only = run_cli(tmp_path, settings, "recheck")
    assert "Re-checked 0" in due_only.stdout  # plain recheck still checks only what is due
    assert fake_nhn.calls(STATUS) == 0

    done = run_cli(tmp_path, settings, "recheck", "--all")

    assert done.returncode == 0, done.stderr
    assert looked_up(fake_nhn) == Counter({OPEN: 1, CLOSED: 1, LATER: 1})
    lines = done.stdout.splitlines()
    assert lines == [
        "124-81-00998  01 Open (VAT general) -> 06 Closed",
        "Re-checked 3 watched businesses; 0 lookups failed (tried again shortly).",
    ]
    assert (await watched(store, CLOSED)).last_status_code == "06"
    assert (await watched(store, LATER)).last_status_code == "01"  # its first check
    [post] = [call.params for call in fake_slack.calls_to("chat.postMessage")]
    assert post["channel"] == ALERTS
    assert "124-81-00998" in json.dumps(post["blocks"])


def test_python_m_bot_runs_the_same_command_line(tmp_path: Path, fake_nhn: NhnFake) -> None:
    for args in (["--help"], ["recheck", "--help"], ["status", "--help"]):
        module = run_module(tmp_path, fake_nhn.env(), *args)
        script = run_cli(tmp_path, fake_nhn.env(), *args)
        assert module.returncode == script.returncode == 0
        assert module.stdout.replace("__main__.py", "ocrbot") == script.stdout
    done = run_module(tmp_path, fake_nhn.env(), "status", "--json", "220-81-62517")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["code"] == "01"
    assert fake_nhn.calls(STATUS) == 1
    refused = run_module(tmp_path, fake_nhn.env(), "status", "000-00-00000")
    assert refused.returncode == 2
    assert fake_nhn.calls(STATUS) == 1
