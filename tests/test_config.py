from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, OcrApiVersion, Settings, load_settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_token_mode_when_user_access_key_is_complete() -> None:
    s = settings(nhn_ocr_app_key="app", nhn_user_access_key_id="id", nhn_secret_access_key="secret")
    assert s.ocr_api_version() is OcrApiVersion.V1_1


def test_secret_key_mode_for_api_v1_0() -> None:
    s = settings(nhn_ocr_app_key="app", nhn_ocr_secret_key="secret")
    assert s.ocr_api_version() is OcrApiVersion.V1_0


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, ["NHN_OCR_APP_KEY", "NHN_USER_ACCESS_KEY_ID", "NHN_OCR_SECRET_KEY"]),
        ({"nhn_ocr_app_key": "a", "nhn_user_access_key_id": "id"}, ["NHN_SECRET_ACCESS_KEY"]),
        ({"nhn_ocr_app_key": "a", "nhn_secret_access_key": "s"}, ["NHN_USER_ACCESS_KEY_ID"]),
        ({"nhn_ocr_secret_key": "s"}, ["NHN_OCR_APP_KEY"]),
    ],
)
def test_missing_credentials_name_the_variables(values: dict[str, str], named: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(**values).ocr_api_version()
    for variable in named:
        assert variable in str(caught.value)


def test_secrets_never_appear_in_repr() -> None:
    s = settings(
        nhn_ocr_app_key="app-key-value",
        nhn_user_access_key_id="key-id-value",
        nhn_secret_access_key="secret-value",
        nhn_ocr_secret_key="v10-secret",
        slack_bot_token="xoxb-123-456",
    )
    text = repr(s) + str(s) + s.model_dump_json()
    for secret in ("app-key-value", "key-id-value", "secret-value", "v10-secret", "xoxb-123"):
        assert secret not in text


def test_lists_and_durations_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUSINESS_CHANNELS", "C111, C222")
    monkeypatch.setenv("CARD_CHANNELS", "C333")
    monkeypatch.setenv("NOTIFY_COOLDOWN", "36h")
    s = settings()
    assert s.business_channels == ["C111", "C222"]
    assert s.card_channels == ["C333"]
    assert s.notify_cooldown == timedelta(hours=36)


def test_urls_are_normalised() -> None:
    s = settings(nhn_ocr_base_url="http://127.0.0.1:9/", slack_api_url="http://127.0.0.1:9/api")
    assert s.nhn_ocr_base_url == "http://127.0.0.1:9"
    assert s.slack_api_url == "http://127.0.0.1:9/api/"


def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_CONCURRENCY", "lots")
    monkeypatch.setenv("LANGUAGE", "fr")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "OCR_CONCURRENCY" in str(caught.value)
    assert "LANGUAGE" in str(caught.value)


def test_secrets_lists_every_secret_value_set() -> None:
    s = settings(nhn_ocr_app_key="app", nhn_ocr_secret_key="v10", slack_bot_token="xoxb-9")
    assert set(s.secrets()) == {"app", "v10", "xoxb-9"}


def test_job_durations_accept_short_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOB_LEASE", "90s")
    monkeypatch.setenv("JOB_POLL_INTERVAL", "1m")
    s = settings()
    assert s.job_lease == timedelta(seconds=90)
    assert s.job_poll_interval == timedelta(minutes=1)


def test_empty_values_mean_not_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=\nNHN_OCR_APP_KEY=\nSLACK_APP_TOKEN=xapp-1\n")
    for name in ("SLACK_BOT_TOKEN", "NHN_OCR_APP_KEY", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert s.slack_bot_token is None
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        s.check_run(http=False)


@pytest.mark.parametrize(
    ("http", "named", "not_named"),
    [
        (False, ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"], "SLACK_SIGNING_SECRET"),
        (True, ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], "SLACK_APP_TOKEN"),
    ],
)
def test_running_names_every_missing_setting_in_one_error(
    http: bool, named: list[str], not_named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings().check_run(http=http)
    message = str(caught.value)
    for variable in ["NHN_OCR_APP_KEY", "NHN_USER_ACCESS_KEY_ID", "NHN_OCR_SECRET_KEY", *named]:
        assert variable in message
    assert not_named not in message
    assert ("HTTP mode" if http else "Socket Mode") in message
    assert "README.md" in message


def test_running_with_only_slack_missing_names_only_slack() -> None:
    s = settings(nhn_ocr_app_key="app", nhn_ocr_secret_key="v10", slack_bot_token="xoxb-1")
    with pytest.raises(ConfigError) as caught:
        s.check_run(http=False)
    assert "SLACK_APP_TOKEN" in str(caught.value)
    assert "NHN_" not in str(caught.value)
    assert "SLACK_BOT_TOKEN" not in str(caught.value)


def test_running_names_the_nts_key_with_the_rest() -> None:
    with pytest.raises(ConfigError) as caught:
        settings(status_provider="nts").check_run(http=True)
    for variable in ("NTS_SERVICE_KEY", "NHN_OCR_APP_KEY", "SLACK_SIGNING_SECRET"):
        assert variable in str(caught.value)


def test_running_when_everything_is_set_gives_the_api_version() -> None:
    s = settings(
        nhn_ocr_app_key="app",
        nhn_user_access_key_id="id",
        nhn_secret_access_key="secret",
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
    )
    assert s.check_run(http=False) is OcrApiVersion.V1_1
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        s.check_run(http=True)
