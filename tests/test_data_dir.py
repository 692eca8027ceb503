"""One SQLite file for every command of an installation, whatever the working directory."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings, data_dir
from bot.store import Store
from fakes.nhn import STATUS, NhnFake
from fakes.slack import FakeSlack
from tests.test_cli import run_cli


def test_the_default_database_is_in_the_data_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = Settings(_env_file=None).database_url  # type: ignore[call-arg]
    assert url == f"sqlite:///{data_dir() / 'ocrbot.db'}"
    assert Path(os.environ["XDG_DATA_HOME"]) in data_dir().parents
    assert data_dir().is_dir()
    assert list(tmp_path.iterdir()) == []


async def test_recheck_from_another_directory_opens_the_bots_database(
    tmp_path: Path, fake_nhn: NhnFake, fake_slack: FakeSlack
) -> None:
    data_home = tmp_path / "data"
    env = {
        **fake_nhn.env(),
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_API_URL": fake_slack.api_url,
        "XDG_DATA_HOME": str(data_home),
        "LANGUAGE": "en",
    }
    where_the_bot_runs, where_cron_runs = tmp_path / "bot", tmp_path / "cron"
    where_the_bot_runs.mkdir()
    where_cron_runs.mkdir()

    upgraded = run_cli(where_the_bot_runs, env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    database = data_home / "ocrbot" / "ocrbot.db"
    assert database.is_file()
    assert list(where_the_bot_runs.iterdir()) == []

    store = await Store.open(f"sqlite:///{database}")
    now = datetime.now(UTC)
    await store.watches.add(
        "T0001",
        "2208162517",
        label=None,
        channel_id="C0ALERTS",
        created_by="U0BUYER",
        now=now,
        first_check_at=now - timedelta(minutes=1),
    )
    await store.close()

    done = run_cli(where_cron_runs, env, "recheck")
    assert done.returncode == 0, done.stderr
    assert "Re-checked 1" in done.stdout
    assert fake_nhn.calls(STATUS) == 1
    assert list(where_cron_runs.iterdir()) == []
