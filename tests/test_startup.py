"""`ocrbot run` checks each credential once before serving: a wrong one is one message
naming the setting and what to do, and exit 2, without a traceback."""

import logging
import socket
from pathlib import Path

import pytest

from bot.config import Settings
from bot.startup import StartupFailed, check_startup, log_settings
from fakes.bot_process import free_port
from fakes.nhn import PUBLIC_KEY, NhnFake, Reply
from fakes.nts import NtsFake
from fakes.slack import FakeSlack
from tests.test_cli import run_cli

SECRET = "a-signing-secret"


def env(slack: FakeSlack, nhn: NhnFake, tmp_path: Path, **changes: str) -> dict[str, str]:
    return {
        **nhn.env(),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **changes,
    }


def refused_start(tmp_path: Path, environment: dict[str, str], *args: str) -> str:
    """Run the bot, which must refuse to start; what it told the operator."""
    done = run_cli(tmp_path, environment, "run", "--port", str(free_port()), *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "The bot cannot start:" in done.stderr
    return done.stderr[done.stderr.index("The bot cannot start:") :]


def settings(slack: FakeSlack, nhn: NhnFake, tmp_path: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": slack.bot_token,
        "slack_app_token": slack.app_token,
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.api_url,
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
        **changes,
    }
    return nhn.settings(**values)


@pytest.mark.parametrize("http", [True, False])
async def test_good_settings_pass_with_one_cheap_call_each(
    fake_slack: FakeSlack, fake_nhn: NhnFake, fake_nts: NtsFake, tmp_path: Path, http: bool
) -> None:
    await check_startup(settings(fake_slack, fake_nhn, tmp_path, **fake_nts.overrides()), http=http)

    expected = ["auth.test"] if http else ["apps.connections.open", "auth.test"]
    assert sorted(call.method for call in fake_slack.calls) == expected
    assert fake_nhn.tokens_issued == 1  # the key pair's, then used for the card key
    assert fake_nhn.calls("business") == fake_nhn.calls("business/status") == 0  # none paid
    assert fake_nts.batches() == [["2208162517"]]


def test_swapped_slack_tokens_are_named_and_nothing_is_sent(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    swapped = env(
        fake_slack,
        fake_nhn,
        tmp_path,
        SLACK_BOT_TOKEN=fake_slack.app_token,
        SLACK_APP_TOKEN=fake_slack.bot_token,
    )

    said = refused_start(tmp_path, swapped)

    assert "SLACK_BOT_TOKEN holds an xapp-… token, which belongs in SLACK_APP_TOKEN" in said
    assert "SLACK_APP_TOKEN holds an xoxb-… token, which belongs in SLACK_BOT_TOKEN" in said
    assert fake_slack.bot_token not in said
    assert fake_slack.app_token not in said
    assert fake_slack.calls == []


def test_a_revoked_bot_token_is_named(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    revoked = "xoxb-revoked-0000"

    said = refused_start(
        tmp_path, env(fake_slack, fake_nhn, tmp_path, SLACK_BOT_TOKEN=revoked), "--http"
    )

    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in said
    assert revoked not in said
    assert [call.method for call in fake_slack.calls] == ["auth.test"]
    assert fake_slack.take_violations()


def test_a_user_token_is_not_taken_for_a_bot_token(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    said = refused_start(
        tmp_path, env(fake_slack, fake_nhn, tmp_path, SLACK_BOT_TOKEN="xoxp-1-2-3"), "--http"
    )

    assert "SLACK_BOT_TOKEN is not a xoxb-… token" in said
    assert "Bot User OAuth Token" in said


def test_a_wrong_app_token_is_named_after_one_connection_attempt(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    said = refused_start(
        tmp_path, env(fake_slack, fake_nhn, tmp_path, SLACK_APP_TOKEN="xapp-1-wrong")
    )

    assert "SLACK_APP_TOKEN was refused by Slack (invalid_auth)" in said
    assert "App-Level Tokens" in said
    assert len(fake_slack.calls_to("apps.connections.open")) == 1
    assert fake_slack.take_violations()


def test_an_unreachable_slack_is_an_outage_not_a_bad_token(
    fake_nhn: NhnFake, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        environment = env(slack, fake_nhn, tmp_path)
    # The fake is gone: nothing listens at SLACK_API_URL any more.

    said = refused_start(tmp_path, environment)

    assert "SLACK_BOT_TOKEN could not be checked" in said
    assert "SLACK_APP_TOKEN could not be checked" in said
    assert "did not answer after retries" in said


async def test_a_passing_nhn_outage_is_retried_at_start(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    fake_nhn.script(PUBLIC_KEY, Reply.error(5030001))

    await check_startup(settings(fake_slack, fake_nhn, tmp_path), http=True)

    assert fake_nhn.calls(PUBLIC_KEY) == 2


async def test_an_nhn_outage_that_outlasts_the_retries_names_the_url_setting(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    fake_nhn.script(PUBLIC_KEY, *[Reply.error(5030001)] * 3)

    with pytest.raises(StartupFailed) as failed:
        await check_startup(settings(fake_slack, fake_nhn, tmp_path), http=True)

    assert "NHN_OCR_APP_KEY could not be checked" in str(failed.value)
    assert "Check NHN_OCR_BASE_URL" in str(failed.value)
    assert fake_nhn.calls(PUBLIC_KEY) == 3  # then no more: the start stops


def test_wrong_nhn_keys_are_named(fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path) -> None:
    environment = env(fake_slack, fake_nhn, tmp_path, NHN_SECRET_ACCESS_KEY="not-the-secret")

    with fake_nhn.expect_violations():
        said = refused_start(tmp_path, environment, "--http")

    assert "NHN_USER_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY were refused by NHN Cloud" in said
    assert "not-the-secret" not in said
    assert fake_nhn.calls("business") == 0


def test_a_wrong_nhn_app_key_is_named(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    environment = env(fake_slack, fake_nhn, tmp_path, NHN_OCR_APP_KEY="appkey-of-another")

    with fake_nhn.expect_violations():
        said = refused_start(tmp_path, environment, "--http")

    assert "NHN_OCR_APP_KEY was refused by NHN Cloud" in said
    assert "NHN_SECRET_ACCESS_KEY" not in said  # the key pair was fine


def test_a_withdrawn_nts_key_is_named(
    fake_slack: FakeSlack, fake_nhn: NhnFake, fake_nts: NtsFake, tmp_path: Path
) -> None:
    fake_nts.revoke_key()
    environment = env(
        fake_slack,
        fake_nhn,
        tmp_path,
        NTS_SERVICE_KEY=fake_nts.service_key,
        NTS_BASE_URL=fake_nts.base_url,
    )

    said = refused_start(tmp_path, environment, "--http")

    assert "NTS_SERVICE_KEY was refused by data.go.kr" in said
    assert fake_nts.service_key not in said


def test_an_unreachable_database_is_one_line_before_any_call(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    url = f"postgresql://bot:pa55word@127.0.0.1:{free_port()}/ocrbot"
    environment = env(fake_slack, fake_nhn, tmp_path, DATABASE_URL=url)

    done = run_cli(tmp_path, environment, "run", "--http", "--port", str(free_port()))

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr  # tests/test_cli_database.py has more
    assert "127.0.0.1" in done.stderr
    assert "pa55word" not in done.stderr
    assert fake_slack.calls == []
    assert fake_nhn.tokens_issued == 0


async def test_every_failing_credential_is_reported_at_once(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    wrong = settings(
        fake_slack,
        fake_nhn,
        tmp_path,
        slack_bot_token="xapp-swapped",
        slack_app_token="xoxb-swapped",
        nhn_ocr_app_key="appkey-of-another",
    )

    with fake_nhn.expect_violations(), pytest.raises(StartupFailed) as failed:
        await check_startup(wrong, http=False)

    problems = str(failed.value).splitlines()[1:]
    assert [problem.split()[1] for problem in problems] == [
        "SLACK_BOT_TOKEN",
        "NHN_OCR_APP_KEY",
        "SLACK_APP_TOKEN",
    ]


def test_the_settings_are_logged_once_with_secrets_hidden_and_features_off_warned(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chosen = settings(
        fake_slack,
        fake_nhn,
        tmp_path,
        database_url="postgresql://bot:pa55word@db.internal/ocrbot?schema=bot",
        notify_channel=None,
    )
    caplog.set_level(logging.INFO, logger="bot.startup")

    log_settings(chosen, http=True)  # check_startup does, once the database answers

    [summary] = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert summary.startswith("Starting in HTTP mode with ")
    assert "SLACK_BOT_TOKEN=set" in summary
    assert "NTS_SERVICE_KEY=-" in summary
    assert "DATABASE_URL=\"PostgreSQL at db.internal:5432, database 'ocrbot'\"" in summary
    for secret in chosen.secrets():
        assert secret not in caplog.text
    assert "pa55word" not in caplog.text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(w.startswith("NOTIFY_CHANNEL is not set") for w in warnings)
    assert any(w.startswith("NTS_SERVICE_KEY is not set") for w in warnings)


def test_a_port_in_use_is_one_line_naming_it_and_exit_2(
    fake_slack: FakeSlack, fake_nhn: NhnFake, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli(
            tmp_path,
            env(fake_slack, fake_nhn, tmp_path),
            "run",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"The bot cannot listen on 127.0.0.1:{port}: Address already in use." in done.stderr
