"""The `ocrbot` command end to end: real processes against the NHN fake and real files."""

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.store.tables import metadata
from fakes.nhn import NhnFake, Reply
from tests.support.leaks import card_number_runs

OCRBOT = str(Path(sys.executable).with_name("ocrbot"))
ROOT = Path(__file__).resolve().parent.parent


def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run([OCRBOT, *args], tmp_path, env)


def run_module(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` with `args`, as `run_cli` runs `ocrbot`."""
    return _run([sys.executable, "-m", "bot", *args], tmp_path, env)


def _run(
    command: list[str], tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NHN_", "OCR_", "SLACK_", "NTS_", "STATUS_"))
    }
    return subprocess.run(  # noqa: S603
        command,
        env={**clean, **env},
        cwd=tmp_path,  # no .env here
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 900), "white").save(buffer, "PNG")
    path = tmp_path / "scan.png"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("version", ["v1.1", "v1.0"])
def test_status_of_several_numbers(tmp_path: Path, fake_nhn: NhnFake, version: str) -> None:
    fake_nhn.statuses["1248100998"] = "06"
    done = run_cli(tmp_path, fake_nhn.env(version), "status", "220-81-62517", "124 81 00998")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("220-81-62517  01")
    assert lines[1].startswith("124-81-00998  06")
    assert "폐업" in lines[1]
    assert fake_nhn.calls("business/status") == 2


def test_status_json_in_english(tmp_path: Path, fake_nhn: NhnFake) -> None:
    env = {**fake_nhn.env(), "LANGUAGE": "en"}
    done = run_cli(tmp_path, env, "status", "2208162517", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["number"] == "2208162517"
    assert answer["code"] == "01"
    assert answer["alert"] is False


def test_invalid_number_exits_2_without_a_call(tmp_path: Path, fake_nhn: NhnFake) -> None:
    done = run_cli(tmp_path, fake_nhn.env(), "status", "123-45-67890", "12345")
    assert done.returncode == 2
    assert "123-45-67890" in done.stderr
    assert "12345" in done.stderr
    assert fake_nhn.calls("business/status") == 0


def test_a_number_failing_the_check_digit_is_looked_up_only_with_anyway(
    tmp_path: Path, fake_nhn: NhnFake
) -> None:
    env = {**fake_nhn.env(), "LANGUAGE": "en"}
    refused = run_cli(tmp_path, env, "status", "306-82-00417")
    assert refused.returncode == 2
    assert "usual check-digit rule" in refused.stderr
    assert "--anyway" in refused.stderr
    assert fake_nhn.calls("business/status") == 0

    done = run_cli(tmp_path, env, "status", "--anyway", "306-82-00417", "220-81-62517")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "306-82-00417  01 Open (VAT general)  (check digit differs from the usual rule)"
    assert second == "220-81-62517  01 Open (VAT general)"
    assert fake_nhn.calls("business/status") == 2

    as_json = run_cli(tmp_path, env, "status", "--anyway", "--json", "3068200417")
    assert json.loads(as_json.stdout)["check_digit_ok"] is False


def test_anyway_still_refuses_a_number_no_tax_office_issues(
    tmp_path: Path, fake_nhn: NhnFake
) -> None:
    done = run_cli(tmp_path, fake_nhn.env(), "status", "--anyway", "000-00-00000", "306-82-00417")
    assert done.returncode == 2
    assert "000-00-00000" in done.stderr
    assert "세무서 코드" in done.stderr
    assert fake_nhn.calls("business/status") == 0


def test_api_failure_exits_1_with_the_user_message(tmp_path: Path, fake_nhn: NhnFake) -> None:
    fake_nhn.script("business/status", Reply.error(4010001))
    env = {**fake_nhn.env(), "LANGUAGE": "en"}
    done = run_cli(tmp_path, env, "status", "220-81-62517")
    assert done.returncode == 1
    assert "admin" in done.stderr.lower()
    # The operator also gets NHN's code and the setting to check.
    assert "NHN 4010001" in done.stderr
    assert "NHN_OCR_APP_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_analyze_business_reads_fields_and_looks_up_the_status(
    tmp_path: Path, fake_nhn: NhnFake, photo: Path
) -> None:
    done = run_cli(tmp_path, fake_nhn.env(), "analyze", str(photo))
    assert done.returncode == 0, done.stderr
    assert "상호: 주식회사 한빛테크놀로지" in done.stdout
    assert "220-81-62517" in done.stdout
    assert fake_nhn.calls("business") == 1
    assert fake_nhn.calls("business/status") == 1


def test_analyze_business_json(tmp_path: Path, fake_nhn: NhnFake, photo: Path) -> None:
    fake_nhn.statuses["2208162517"] = "05"
    done = run_cli(tmp_path, fake_nhn.env(), "analyze", str(photo), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["kind"] == "business"
    assert answer["registration_number"] == {
        "text": "220-81-62517",
        "digits": "2208162517",
        "checksum_ok": True,
    }
    assert answer["status"]["code"] == "05"
    assert answer["status"]["alert"] is True
    fields = {f["field"]: f["value"] for f in answer["fields"]}
    assert fields["type"] == "법인사업자"


def test_card_analysis_never_shows_the_full_number(
    tmp_path: Path, fake_nhn: NhnFake, photo: Path
) -> None:
    fake_nhn.card_number = "4012888888881881"
    for args in (["--json"], []):
        done = run_cli(
            tmp_path, fake_nhn.env(), "-v", "analyze", str(photo), "--kind", "card", *args
        )
        assert done.returncode == 0, done.stderr
        assert "1881" in done.stdout
        everything = done.stdout + done.stderr
        assert card_number_runs(everything, fake_nhn.card_number) == []
    assert "DEBUG" in done.stderr  # the debug logs were really captured and searched


@pytest.mark.parametrize(
    ("content", "kind", "reason"),
    [
        (b"", "business", "빈 파일"),
        (b"PK\x03\x04 a zip archive", "business", "PDF"),
        (b"%PDF-1.7 fake", "card", "PNG"),
    ],
)
def test_bad_files_exit_2_without_a_call(
    tmp_path: Path, fake_nhn: NhnFake, content: bytes, kind: str, reason: str
) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    done = run_cli(tmp_path, fake_nhn.env(), "analyze", str(path), "--kind", kind)
    assert done.returncode == 2
    assert reason in done.stderr
    assert fake_nhn.calls("business") + fake_nhn.calls("credit-card") == 0


def test_missing_file_exits_2(tmp_path: Path, fake_nhn: NhnFake) -> None:
    done = run_cli(tmp_path, fake_nhn.env(), "analyze", str(tmp_path / "nope.png"))
    assert done.returncode == 2
    assert "nope.png" in done.stderr


def test_missing_credentials_name_the_variables(tmp_path: Path) -> None:
    done = run_cli(tmp_path, {}, "status", "220-81-62517")
    assert done.returncode == 2
    assert "NHN_OCR_APP_KEY" in done.stderr
    assert "NHN_USER_ACCESS_KEY_ID" in done.stderr


RUN_NEEDS = {
    "socket": (["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"], "SLACK_SIGNING_SECRET"),
    "http": (["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], "SLACK_APP_TOKEN"),
}
NHN_NEEDS = ["NHN_OCR_APP_KEY", "NHN_USER_ACCESS_KEY_ID", "NHN_SECRET_ACCESS_KEY"]


def assert_one_message_naming_everything(done: subprocess.CompletedProcess[str], mode: str) -> None:
    slack, other_mode_only = RUN_NEEDS[mode]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    for variable in [*NHN_NEEDS, "NHN_OCR_SECRET_KEY", *slack]:
        assert variable in done.stderr
    assert other_mode_only not in done.stderr
    # One message: a single pointer to the README, and every section it names exists there.
    assert done.stderr.count("README.md") == 1
    headings = {
        line.lstrip("#").strip()
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    pointer = done.stderr[done.stderr.index("README.md") :]
    sections = re.findall(r"'([^']+)'", pointer)
    assert sections
    assert set(sections) <= headings


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_run_without_settings_names_everything_to_set_at_once(tmp_path: Path, mode: str) -> None:
    done = run_cli(tmp_path, {}, "run", *(["--http"] if mode == "http" else []))
    assert_one_message_naming_everything(done, mode)


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_run_with_env_example_copied_unfilled_is_the_same(tmp_path: Path, mode: str) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    args = ["run", *(["--http"] if mode == "http" else [])]
    done = run_cli(tmp_path, {}, *args)
    assert_one_message_naming_everything(done, mode)
    # The empty values count as unset: exactly what no .env at all gives.
    (tmp_path / ".env").unlink()
    assert run_cli(tmp_path, {}, *args).stderr == done.stderr


def test_db_upgrade_creates_the_tables_and_can_run_again(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    for _ in range(2):  # the second run finds the schema current
        done = run_cli(tmp_path, env, "db", "upgrade")
        assert done.returncode == 0, done.stderr
        assert "up to date" in done.stdout
        with contextlib.closing(sqlite3.connect(database)) as connection:
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            [(revisions,)] = connection.execute("SELECT count(*) FROM alembic_version")
        assert set(metadata.tables) <= tables
        assert "alembic_version" in tables
        assert revisions == 1


# LOG_LEVEL and LOG_FORMAT: the operator's choice, in every command.


def test_status_logs_warnings_only_unless_log_level_says_otherwise(
    tmp_path: Path, fake_nhn: NhnFake
) -> None:
    quiet = run_cli(tmp_path, fake_nhn.env(), "status", "2208162517")
    told = run_cli(tmp_path, {**fake_nhn.env(), "LOG_LEVEL": "info"}, "status", "2208162517")

    assert quiet.returncode == told.returncode == 0, quiet.stderr + told.stderr
    assert "nhn_ocr business/status" not in quiet.stderr
    assert "INFO bot.ocr.client: nhn_ocr business/status http=200 code=0" in told.stderr
    assert told.stdout == quiet.stdout


def test_log_format_json_writes_one_object_a_line(tmp_path: Path, fake_nhn: NhnFake) -> None:
    env = {**fake_nhn.env(), "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}
    done = run_cli(tmp_path, env, "status", "2208162517")

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert {line["level"] for line in lines} >= {"DEBUG", "INFO"}
    [call] = [line for line in lines if line["message"].startswith("nhn_ocr business/status")]
    assert call["logger"] == "bot.ocr.client"
    assert done.stdout.startswith("220-81-62517  01")
    assert fake_nhn.app_key not in done.stderr


@pytest.mark.parametrize(("name", "value"), [("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml")])
def test_an_unknown_log_setting_exits_2_naming_it(
    tmp_path: Path, fake_nhn: NhnFake, name: str, value: str
) -> None:
    done = run_cli(tmp_path, {**fake_nhn.env(), name: value}, "status", "2208162517")
    assert done.returncode == 2
    assert name in done.stderr
    assert "Traceback" not in done.stderr
    assert fake_nhn.calls("business/status") == 0
