"""`make demo`: the real bot against the fakes, every thread printed, in under a minute."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.__main__ import CARD_NUMBER, CLOSED_NUMBER
from tests.support.leaks import card_number_runs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_shows_each_answer_without_the_card_number() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    took = time.monotonic() - started

    assert done.returncode == 0, done.stdout + done.stderr
    shown = done.stdout
    for heading in (
        "shared 사업자등록증.png",
        "shared corporate-card.jpg",
        "shared vendor-pack.pdf",
        "/bizstatus 220-81-62517",
        "#C_ALERTS (NOTIFY_CHANNEL)",
    ):
        assert heading in shown
    assert "국세청 등록 정보와 일치합니다" in shown  # the certificate matched the register
    assert shown.count("폐업자") >= 3  # the pack's closed business: thread, command, alert
    assert f"{CLOSED_NUMBER[:3]}-{CLOSED_NUMBER[3:5]}-{CLOSED_NUMBER[5:]}" in shown
    assert f"•••• •••• •••• {CARD_NUMBER[-4:]}" in shown
    assert card_number_runs(shown + done.stderr, CARD_NUMBER) == []
    assert took < 60
