"""`ocrbot run` and `ocrbot db upgrade` against a database they cannot reach or open: one
line naming the database and what to check, exit 2, no traceback, no password."""

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_cli import run_cli

PASSWORD = "s3cret-Pa55word"
# Settings `run` checks before it opens the database; nothing here is ever called.
RUN_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-not-used",
    "SLACK_APP_TOKEN": "xapp-not-used",
    "SLACK_SIGNING_SECRET": "not-used",
    "NHN_OCR_APP_KEY": "not-used",
    "NHN_OCR_SECRET_KEY": "not-used",
}
COMMANDS = [["run"], ["run", "--http", "--port", "0"], ["db", "upgrade"]]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Each case: the DATABASE_URL, and what the one line must name.
Case = Callable[[Path], tuple[str, list[str]]]
CASES: dict[str, Case] = {
    "closed port": lambda _: (
        f"postgresql://ocrbot:{PASSWORD}@127.0.0.1:{(port := closed_port())}/ocrbot",
        [f"127.0.0.1:{port}", "nothing accepts connections", "PostgreSQL is running"],
    ),
    "host that does not resolve": lambda _: (
        f"postgresql://ocrbot:{PASSWORD}@db.example.invalid/ocrbot",
        ["db.example.invalid", "does not resolve"],
    ),
    "missing SQLite directory": lambda tmp: (
        f"sqlite:///{tmp / 'no-such-dir' / 'ocrbot.db'}",
        [str(tmp / "no-such-dir"), "does not exist"],
    ),
    "refused login": lambda _: (
        f"postgresql://no_such_role:{PASSWORD}@127.0.0.1:5432/test",
        ["127.0.0.1:5432", "refused the login of user 'no_such_role'", "password"],
    ),
}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", CASES)
def test_an_unreachable_database_is_one_line_and_exit_2(
    tmp_path: Path, case: str, command: list[str]
) -> None:
    database_url, named = CASES[case](tmp_path)

    done = run_cli(tmp_path, {**RUN_ENV, "DATABASE_URL": database_url}, *command)

    assert done.returncode == 2, done.stderr
    assert_one_clear_line(done)
    for words in named:
        assert words in done.stderr
    assert "DATABASE_URL" in done.stderr or "Create it" in done.stderr


def assert_one_clear_line(done: subprocess.CompletedProcess[str]) -> None:
    output = done.stdout + done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert "not-used" not in output


def test_a_file_the_bot_may_not_write_names_the_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "ocrbot.db").mkdir()  # a directory where the file should be

    done = run_cli(tmp_path, {"DATABASE_URL": f"sqlite:///{locked / 'ocrbot.db'}"}, "db", "upgrade")

    assert done.returncode == 2, done.stderr
    assert_one_clear_line(done)
    assert f"SQLite file {locked / 'ocrbot.db'}" in done.stderr


@pytest.mark.parametrize(
    "database_url",
    [f"mysql://root:{PASSWORD}@db/ocrbot", "sqlite:///:memory:", f"{PASSWORD}"],
)
def test_a_database_url_the_store_cannot_use_is_one_line_and_exit_2(
    tmp_path: Path, database_url: str
) -> None:
    done = run_cli(tmp_path, {"DATABASE_URL": database_url}, "db", "upgrade")

    assert done.returncode == 2, done.stderr
    assert_one_clear_line(done)
    assert "sqlite:///" in done.stderr  # what a usable URL looks like
