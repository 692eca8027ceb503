"""Settings from the environment and `.env`.

Every setting is optional at load time so that each entry point (the CLI, the
Slack app) can ask only for what it needs and name exactly what is missing.
"""

import contextlib
import os
import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import Language

# One unit for sizes, in limits, settings and messages: a megabyte is 10^6 bytes, as NHN's
# "5 MB" upload limit is (FACTS.md).
MB = 1_000_000
# Decoded pixels that image work holds at once. The largest image under the pixel limit
# (80 MP with transparency: 320 MB decoded, plus its half-scale copy) fits alone.
DEFAULT_IMAGE_MEMORY_BUDGET_MB = 400

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> object:
    """Accept `3600`, `90s`, `30m`, `24h`, `7d` as well as what pydantic takes.

    >>> parse_duration("7d")
    datetime.timedelta(days=7)
    >>> parse_duration(90)
    datetime.timedelta(seconds=90)
    """
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        amount, unit = match.groups()
        return timedelta(seconds=float(amount) * _UNIT_SECONDS[unit])
    return value


def split_list(value: object) -> object:
    """`C1,C2` or `C1 C2` in the environment becomes `["C1", "C2"]`."""
    if isinstance(value, str):
        return [item for item in re.split(r"[\s,]+", value) if item]
    return value


def data_dir() -> Path:
    """Where an installation keeps its SQLite file: `$XDG_DATA_HOME/ocrbot`, by default
    `~/.local/share/ocrbot`.

    Not the working directory: `ocrbot recheck` run by cron from elsewhere must open the
    bot's database, not a new empty one.
    """
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ocrbot"


def default_database_url() -> str:
    """The SQLite file in `data_dir()`, whose folder is made on first use."""
    folder = data_dir()
    with contextlib.suppress(OSError):  # one that cannot be made is reported on opening
        folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ocrbot.db'}"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
IdList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]


class ConfigError(Exception):
    """A setting is missing or inconsistent; the message says what to set."""


class WatchNotify(StrEnum):
    ALERTS = "alerts"  # changes into or out of inactive (05) and closed (06)
    ALL = "all"  # every change of status


class OcrApiVersion(StrEnum):
    V1_1 = "v1.1"  # User Access Key token
    V1_0 = "v1.0"  # console secret key


class StatusProviderName(StrEnum):
    NHN = "nhn"  # NHN Cloud's paid business/status, one number per call
    NTS = "nts"  # the National Tax Service's free API on data.go.kr, 100 numbers per call


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class LogFormat(StrEnum):
    TEXT = "text"  # for a person reading a terminal
    JSON = "json"  # one object a line, for a log collector


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class Settings(BaseSettings):
    # An empty value (as .env.example has) means "not set", so the checks can name it.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # NHN Cloud Document OCR
    nhn_ocr_app_key: SecretStr | None = None
    nhn_user_access_key_id: SecretStr | None = None
    nhn_secret_access_key: SecretStr | None = None
    nhn_ocr_secret_key: SecretStr | None = None
    nhn_ocr_base_url: str = "https://api-ocr.nhncloudservice.com"
    nhn_oauth_url: str = "https://oauth.api.nhncloudservice.com"
    ocr_max_upload_bytes: int = Field(default=5 * MB, gt=0)
    ocr_concurrency: int = Field(default=8, ge=1)
    ocr_timeout_s: float = Field(default=30.0, gt=0)
    ocr_deadline_s: float = Field(default=90.0, gt=0)
    ocr_max_attempts: int = Field(default=4, ge=1, le=10)
    max_pdf_pages: int = Field(default=5, ge=1)  # NHN reads one page; each is sent alone
    image_memory_budget_mb: int = Field(default=DEFAULT_IMAGE_MEMORY_BUDGET_MB, ge=16)
    low_confidence_threshold: float = Field(default=0.8, ge=0, le=1)
    language: Language = Language.KO

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    business_channels: IdList = Field(default_factory=list)
    card_channels: IdList = Field(default_factory=list)
    card_delete_original: bool = False
    file_max_bytes: int = Field(default=50 * MB, gt=0)
    notify_channel: str | None = None
    notify_cooldown: Duration = timedelta(days=7)

    file_shared_grace_s: float = Field(default=3.0, ge=0)
    socket_ping_interval_s: float = Field(default=10.0, gt=0)
    # How long a stopping process gives what it has begun (analyses, listeners that have
    # answered, a watchlist pass); what is still running then is left to another process.
    shutdown_grace_s: float = Field(default=10.0, gt=0)

    # Logging; `ocrbot -v` means DEBUG whatever LOG_LEVEL says
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT

    # Watchlist: scheduled re-checks
    watch_interval: Duration = Field(default=timedelta(hours=24), gt=timedelta(0))
    watch_notify: WatchNotify = WatchNotify.ALERTS
    watch_batch: int = Field(default=100, ge=1)  # watches re-checked per scheduler pass
    watch_poll_interval: Duration = Field(default=timedelta(minutes=1), gt=timedelta(0))
    # A pass holds its watches without renewing the claim, so this outlasts a long pass.
    watch_lease: Duration = Field(default=timedelta(minutes=5), gt=timedelta(0))

    # Storage and jobs
    database_url: str = Field(default_factory=default_database_url)
    # Short, and renewed every third of itself while the job runs: a job whose process died
    # is free again within a lease, and a peer polling every JOB_POLL_INTERVAL resumes it
    # within lease + poll interval (40 s), not minutes later.
    job_lease: Duration = Field(default=timedelta(seconds=30), gt=timedelta(0))
    job_max_attempts: int = Field(default=3, ge=1)
    # Twice OCR_CONCURRENCY: while some jobs download or post, others keep NHN busy.
    job_concurrency: int = Field(default=16, ge=1)
    job_poll_interval: Duration = Field(default=timedelta(seconds=10), gt=timedelta(0))

    # Business status lookups
    status_provider: StatusProviderName = StatusProviderName.NHN
    # data.go.kr shows the key twice: "Decoding" as is, "Encoding" percent-encoded. Either works.
    nts_service_key: SecretStr | None = None
    nts_base_url: str = "https://api.odcloud.kr/api/nts-businessman/v1"
    status_cache_ttl: Duration = Field(default=timedelta(hours=1), ge=timedelta(0))  # 0: off
    status_rate_per_s: float = Field(default=5.0, gt=0)

    @field_validator("nhn_ocr_base_url", "nhn_oauth_url", "nts_base_url")
    @classmethod
    def _strip_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _end_with_slash(cls, url: str) -> str:
        return url if url.endswith("/") else url + "/"

    def _nhn_missing(self) -> list[str]:
        """What NHN Cloud OCR still needs, one entry per thing to set; empty when complete."""
        missing: list[str] = []
        if self.nhn_ocr_app_key is None:
            missing.append("NHN_OCR_APP_KEY")
        key_id, secret = self.nhn_user_access_key_id, self.nhn_secret_access_key
        if (key_id is None) != (secret is None):
            half = "NHN_SECRET_ACCESS_KEY" if secret is None else "NHN_USER_ACCESS_KEY_ID"
            missing.append(f"{half} (the other half of the User Access Key)")
        elif key_id is None and self.nhn_ocr_secret_key is None:
            missing.append(
                "NHN_USER_ACCESS_KEY_ID and NHN_SECRET_ACCESS_KEY (API v1.1), "
                "or NHN_OCR_SECRET_KEY (API v1.0)"
            )
        return missing

    def ocr_api_version(self) -> OcrApiVersion:
        """Which NHN API version (and so which authentication) the credentials allow.

        Raises ConfigError naming the variables to set when none is complete.
        """
        if missing := self._nhn_missing():
            raise ConfigError(
                "NHN Cloud OCR is not configured. Set "
                + "; ".join(missing)
                + " in the environment or in .env (see README.md, 'Configuration')."
            )
        return OcrApiVersion.V1_1 if self.nhn_user_access_key_id is not None else OcrApiVersion.V1_0

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for the log filter to mask wherever one slips through."""
        values = (
            self.nhn_ocr_app_key,
            self.nhn_user_access_key_id,
            self.nhn_secret_access_key,
            self.nhn_ocr_secret_key,
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.nts_service_key,
        )
        return tuple(v.get_secret_value() for v in values if v is not None)

    def _status_provider_missing(self) -> list[str]:
        if self.status_provider is StatusProviderName.NTS and self.nts_service_key is None:
            return ["NTS_SERVICE_KEY (STATUS_PROVIDER=nts; or unset STATUS_PROVIDER for NHN Cloud)"]
        return []

    def check_status_provider(self) -> StatusProviderName:
        """The status provider chosen; raises ConfigError naming what that choice still needs."""
        if self._status_provider_missing():
            raise ConfigError(
                "STATUS_PROVIDER=nts needs NTS_SERVICE_KEY: the service key data.go.kr issues "
                "for the National Tax Service business status API (dataset 15081808). Set it in "
                "the environment or in .env, or unset STATUS_PROVIDER to use NHN Cloud."
            )
        return self.status_provider

    def _slack_missing(self, *, http: bool) -> list[str]:
        needed = {"SLACK_BOT_TOKEN": self.slack_bot_token}
        if http:
            needed["SLACK_SIGNING_SECRET"] = self.slack_signing_secret
        else:
            needed["SLACK_APP_TOKEN"] = self.slack_app_token
        return [name for name, value in needed.items() if value is None]

    def check_run(self, *, http: bool) -> OcrApiVersion:
        """Everything running the bot needs, checked at once.

        A fresh install lacks both the NHN and the Slack settings; one ConfigError lists
        them all, so the user does not fix one half only to be told about the other.
        """
        missing = (
            self._nhn_missing() + self._slack_missing(http=http) + self._status_provider_missing()
        )
        if missing:
            slack_section = "'HTTP mode'" if http else "'Set up the Slack app'"
            raise ConfigError(
                f"The bot cannot start in {'HTTP mode' if http else 'Socket Mode'}: "
                "settings are missing. "
                "Set these in the environment or in .env:\n"
                + "".join(f"  - {item}\n" for item in missing)
                + f"See README.md, 'NHN Cloud credentials', {slack_section} and 'Configuration'."
            )
        return self.ocr_api_version()


def load_settings() -> Settings:
    """Read the settings, turning invalid values into one ConfigError naming the variables."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{str(e['loc'][0]).upper()}: {e['msg']}" if e["loc"] else e["msg"]
            for e in error.errors(include_input=False)
        )
        raise ConfigError(
            f"Invalid settings: {problems} (see README.md, 'Configuration')."
        ) from None
