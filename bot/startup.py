"""Start-up checks for `ocrbot run`: each credential tried once, with the cheapest real
call, before the bot serves anyone.

Without them a wrong bot token looked healthy until uploads went unanswered, a wrong
app token retried forever, and wrong NHN keys were first tried by a user's upload.
Every check runs (at the same time); every failure is one message naming the setting
(bot/cli_messages), and the bot does not start. An outage that outlasts the retries
stops the start too: a bot that cannot reach its services serves nobody.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot import cli_messages as say
from bot.config import ConfigError, OcrApiVersion, Settings
from bot.errors import AuthenticationFailed, BotError, Service
from bot.http import with_retries
from bot.nts.client import NtsClient
from bot.ocr import OcrClient
from bot.ocr.client import Endpoint
from bot.slack.client import MAX_RETRIES, SLACK_API_TIMEOUT_S, create_web_client
from bot.slack.failures import SLACK_FAILURES
from bot.store.engine import check_reachable, database_location, open_database

log = logging.getLogger(__name__)

# A number the NTS API knows (its guides' example): the check asks about nothing real.
_NTS_PROBE_NUMBER = "2208162517"
# NHN's token and public-key calls are not retried by their clients; the checks retry
# what is retryable this many times in all, backing off from this base.
_ATTEMPTS = 3
_RETRY_DELAY_S = 1.0
# Slack's answers to a token it does not accept.
_SLACK_REFUSALS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


class StartupFailed(ConfigError):
    """One or more settings are wrong; the message lists each, and what to do."""


async def check_startup(settings: Settings, *, http: bool) -> None:
    """The database first, alone: its own one-line ConfigError, before anything goes over
    the network. Then the credentials (`check_credentials`)."""
    await check_database(settings)
    await check_credentials(settings, http=http)


async def check_credentials(settings: Settings, *, http: bool) -> None:
    """The effective settings logged, then every credential tried at once: StartupFailed
    lists each one that failed. Nothing here touches the database, so `ocrbot run` opens
    its store meanwhile."""
    log_settings(settings, http=http)
    # SLACK_SIGNING_SECRET (HTTP mode) can only be proved by Slack's first request; that
    # it is set, Settings.check_run has seen to with the other missing settings.
    checks: list[Awaitable[str | None]] = [_check_bot_token(settings), _check_nhn(settings)]
    if not http:
        checks.append(_check_app_token(settings))
    if settings.nts_service_key is not None:
        checks.append(_check_nts(settings))
    problems = [problem for problem in await asyncio.gather(*checks) if problem is not None]
    if problems:
        raise StartupFailed(say.cannot_start(problems))
    log.info("Start-up checks passed: Slack, NHN Cloud, the database%s", _nts_too(settings))


async def check_database(settings: Settings) -> None:
    """Connect once; raises DatabaseUnreachable or BadDatabaseUrl (ConfigErrors whose one
    line names the database and what to check, never its password)."""
    database = open_database(settings.database_url)
    try:
        await check_reachable(database)
    finally:
        await database.close()


def log_settings(settings: Settings, *, http: bool) -> None:
    """The effective settings, once, at start (secrets only as "set"); then a warning for
    each setting whose value turns a feature off without saying so."""
    log.info(
        "Starting in %s with %s", "HTTP mode" if http else "Socket Mode", settings_summary(settings)
    )
    for warning in settings_warnings(settings):
        log.warning("%s", warning)


def settings_summary(settings: Settings) -> str:
    """`NAME=value` for every setting, sorted; a secret shows as `set`, never its value,
    and DATABASE_URL as where it points, without its user, password or query."""
    shown: list[str] = []
    for name in sorted(type(settings).model_fields):
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = "set"
        elif name == "database_url":
            text = _database_shown(value)
        elif isinstance(value, list):
            text = ",".join(value) or "-"
        else:
            text = "-" if value is None else str(value)
        shown.append(f"{name.upper()}={text}")
    return " ".join(shown)


def _database_shown(url: str) -> str:
    try:
        return repr(database_location(make_url(url)))
    except Exception:  # a URL the checks will name; here nothing of it is shown
        return "(unreadable)"


def settings_warnings(settings: Settings) -> list[str]:
    """What the settings leave switched off, silently but for these lines."""
    warnings = []
    if settings.notify_channel is None:
        warnings.append(
            "NOTIFY_CHANNEL is not set: no team alert is posted when a business is inactive "
            "or closed, or a certificate does not match the NTS register."
        )
    if settings.nts_service_key is None:
        warnings.append(
            "NTS_SERVICE_KEY is not set: certificates are not checked against the NTS "
            "register (진위확인)."
        )
    if settings.status_cache_ttl.total_seconds() == 0:
        warnings.append("STATUS_CACHE_TTL is 0: every status lookup is a new, paid NHN call.")
    if not settings.card_channels:
        warnings.append(
            "CARD_CHANNELS is not set: card photos are read in every channel the bot is in."
        )
    return warnings


def _nts_too(settings: Settings) -> str:
    return " and the NTS API" if settings.nts_service_key is not None else ""


async def _check_bot_token(settings: Settings) -> str | None:
    setting = "SLACK_BOT_TOKEN"
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    wrong = _token_kind_problem(setting, token, "SLACK_APP_TOKEN", say.BOT_OAUTH_PAGE)
    if wrong is not None:
        return wrong
    client = create_web_client(settings)
    try:
        answer = await client.auth_test()
    except (SlackApiError, *SLACK_FAILURES) as error:
        return _slack_problem(setting, "auth.test", error, say.BOT_OAUTH_PAGE, settings)
    finally:
        if client.session is not None:
            await client.session.close()
    if not answer.get("bot_id"):
        return say.slack_not_bot(setting)
    return None


async def _check_app_token(settings: Settings) -> str | None:
    """One apps.connections.open: the URL it gives is left to expire unused."""
    setting = "SLACK_APP_TOKEN"
    token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    wrong = _token_kind_problem(setting, token, "SLACK_BOT_TOKEN", say.APP_LEVEL_PAGE)
    if wrong is not None:
        return wrong
    client = AsyncWebClient(
        base_url=settings.slack_api_url,
        timeout=SLACK_API_TIMEOUT_S,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES)],
    )
    try:
        await client.apps_connections_open(app_token=token)
    except (SlackApiError, *SLACK_FAILURES) as error:
        return _slack_problem(setting, "apps.connections.open", error, say.APP_LEVEL_PAGE, settings)
    return None


# The prefix each Slack token setting holds: a bot token, or an app-level token.
_TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


def _token_kind_problem(setting: str, token: str, other: str, where: str) -> str | None:
    """The message when `token` is not the kind `setting` holds (perhaps `other`'s)."""
    wanted, others = _TOKEN_PREFIXES[setting], _TOKEN_PREFIXES[other]
    if token.startswith(others):
        return say.swapped_token(setting, others, other, wanted)
    if not token.startswith(wanted):
        return say.wrong_token_kind(setting, wanted, where)
    return None


def _slack_problem(
    setting: str, method: str, error: Exception, where: str, settings: Settings
) -> str:
    """The message when Slack refused `method` with `setting`, or never answered."""
    if not isinstance(error, SlackApiError):
        return say.unreachable(setting, "Slack", "SLACK_API_URL", settings.slack_api_url)
    code = str(error.response.get("error"))
    # An app-level token given to a bot method, or the other way round.
    if code in _SLACK_REFUSALS or code == "not_allowed_token_type":
        return say.slack_refused(setting, code, where)
    return say.slack_failed(setting, method, code)


async def _check_nhn(settings: Settings) -> str | None:
    """v1.1: a token issued (the User Access Key), then with it the card public key (the
    app key); neither is charged. v1.0 has no call that is not charged: its secret key is
    tried by the first upload."""
    if settings.ocr_api_version() is OcrApiVersion.V1_0:
        log.warning("NHN_OCR_SECRET_KEY (API v1.0) is not checked at start: no free call")
        return None
    async with OcrClient(settings) as ocr:
        try:
            await _retrying(ocr.authenticate, "token")
        except AuthenticationFailed as error:
            return say.NHN_KEYS_REFUSED.format(reason=_reason(error))
        except BotError:
            keys = "NHN_USER_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY"
            return say.unreachable(keys, "NHN Cloud", "NHN_OAUTH_URL", settings.nhn_oauth_url)
        try:
            await _retrying(ocr.check_app_key, Endpoint.CARD_PUBLIC_KEY)
        except AuthenticationFailed as error:
            return say.NHN_APP_KEY_REFUSED.format(reason=_reason(error))
        except BotError:
            url = settings.nhn_ocr_base_url
            return say.unreachable("NHN_OCR_APP_KEY", "NHN Cloud", "NHN_OCR_BASE_URL", url)
    return None


async def _check_nts(settings: Settings) -> str | None:
    """One status lookup of one number, the API's cheapest call (free, one of the day's
    quota); the client retries what may succeed later itself."""
    async with NtsClient(settings) as nts:
        try:
            await nts.status([_NTS_PROBE_NUMBER])
        except AuthenticationFailed as error:
            return say.NTS_KEY_REFUSED.format(reason=_reason(error))
        except BotError as error:
            if error.retryable:
                url = settings.nts_base_url
                return say.unreachable("NTS_SERVICE_KEY", "the NTS API", "NTS_BASE_URL", url)
            return say.nts_failed(_reason(error))
    return None


async def _retrying(call: Callable[[], Awaitable[None]], endpoint: str) -> None:
    """`call` again while it fails retryably, with the clients' own backoff and Retry-After."""
    await with_retries(
        lambda _attempt: call(),
        service=Service.NHN,
        endpoint=endpoint,
        max_attempts=_ATTEMPTS,
        backoff_base_s=_RETRY_DELAY_S,
    )


def _reason(error: BotError) -> str:
    """What the API said, as its client tells logs: never a secret."""
    return str(error)
