"""The `fake_slack` fixture fails a test that sent what Slack would reject."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

TESTS = """
import httpx

def test_sends_without_a_token(fake_slack):
    httpx.post(fake_slack.api_url + "auth.test")

def test_collects_the_violation_it_provoked(fake_slack):
    httpx.post(fake_slack.api_url + "auth.test")
    assert fake_slack.take_violations() == ["auth.test: not_authed"]

def test_sends_nothing_wrong(fake_slack):
    assert httpx.post(
        fake_slack.api_url + "auth.test",
        headers={"Authorization": "Bearer " + fake_slack.bot_token},
    ).json()["ok"]
"""


@pytest.fixture
def outcome(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_uses_fake_slack.py").write_text(TESTS)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.support.fake_servers",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_violations_left_at_the_end_fail_the_test(
    outcome: subprocess.CompletedProcess[str],
) -> None:
    # The test body passes; its teardown errors.
    assert "3 passed, 1 error" in outcome.stdout, outcome.stdout
    assert "ERROR at teardown of test_sends_without_a_token" in outcome.stdout
    assert "Requests real Slack would reject:\nauth.test: not_authed" in outcome.stdout
