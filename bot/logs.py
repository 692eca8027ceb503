"""Logging set-up: text or JSON lines, quiet HTTP libraries, redaction of every record,
and the upload job and team a line belongs to.

The code never logs card numbers or secrets; the redaction here catches what slips through
(an exception message quoting a URL, a library's debug line with a request body or a
file's URL), at every level and in either format.
"""

import functools
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from bot import log_context
from bot.domain import pan

REDACTED = "[redacted]"

# Slack tokens (bot, user, app, refresh, and rotated `xoxe.xoxp-…`) and Authorization
# values. A credential has at least eight characters, so "the bearer of" stays.
_TOKEN_LIKE = re.compile(
    r"xox[a-z][.-][A-Za-z0-9.-]+|xapp-[A-Za-z0-9-]+"
    r"|\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)
# A response_url (a credential for one conversation) or an incoming webhook URL: Slack's
# hooks.slack.com/commands|actions|services/… paths, on any host (the fake serves them on
# 127.0.0.1), also as JSON (\/) and percent-encoding write slashes in request bodies.
_SLASH = r"(?:\\*/|%(?:25)*2[Ff])"
_RESPONSE_URL = re.compile(
    rf"(?:https?(?::|%(?:25)*3[Aa]){_SLASH}{_SLASH}[A-Za-z0-9.:\[\]-]*)?"
    rf"{_SLASH}(?:commands|actions|services)(?:{_SLASH}[A-Za-z0-9_-]+){{3}}"
)


@functools.lru_cache(maxsize=8)  # once per set of secrets, not once per record
def _secret_forms(secrets: tuple[str, ...]) -> list[str]:
    """Each secret as written and as it appears in a URL, longest first.

    Encoded twice too: data.go.kr hands out service keys already encoded, and a key
    passed on as a query parameter is then encoded again.
    Longest first, so that a secret holding another is masked whole, not around it.
    """
    forms = {
        form
        for secret in secrets
        if secret
        for encoded in (secret, quote(secret, safe=""))
        for form in (encoded, quote(encoded), quote(encoded, safe=""), quote_plus(encoded))
    }
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask the given secret values, Slack/Bearer tokens, response_urls and card numbers
    (`bot.domain.pan`, the rule of every exit).

    Secrets and tokens go first: their digits could otherwise pass for a card
    number, and masking those would leave the rest of the secret unrecognised.

    >>> redact("paid with 5555 5555 5555 4444 using xoxb-1-abc")
    'paid with •••• •••• •••• 4444 using [redacted]'
    >>> redact("POST https://hooks.slack.com/commands/T0001/1234567890/AbC9 done")
    'POST [redacted] done'
    >>> redact("ts 1700000000.123456, business 220-81-62517")
    'ts 1700000000.123456, business 220-81-62517'
    """
    for form in _secret_forms(secrets):
        text = text.replace(form, REDACTED)
    text = _RESPONSE_URL.sub(REDACTED, _TOKEN_LIKE.sub(REDACTED, text))
    return pan.mask(text)


class RedactingFilter(logging.Filter):
    """Masks the message, its arguments, the traceback and the stack of every record."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A malformed call (`%d` given text) would raise from the caller's line, and
            # logging's own error report prints the arguments unmasked: show both, masked.
            message = f"unformattable log call: {record.msg!r} % {record.args!r}"
            record.msg, record.args = message, None
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


class CredentialUrlFilter(logging.Filter):
    """httpx logs every request URL at INFO: NHN's app key sits in the path (/appkeys/KEY/)
    and NTS's service key in the query (serviceKey=KEY); neither may reach a log."""

    _CREDENTIAL = re.compile(r"(/appkeys/)[^/\s\"]+|(serviceKey=)[^&\s\"]+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._mask(arg) for arg in record.args)
        return True

    def _mask(self, arg: object) -> object:
        text = str(arg)
        if "/appkeys/" in text or "servicekey=" in text.lower():
            return self._CREDENTIAL.sub(lambda m: f"{m.group(1) or m.group(2)}***", text)
        return arg


_CREDENTIAL_URLS = CredentialUrlFilter()


def mask_credential_urls() -> None:
    """Install the filter on httpx's logger; installing it again changes nothing."""
    logging.getLogger("httpx").addFilter(_CREDENTIAL_URLS)


# The factory logging had before any redaction was installed, so installing twice wraps once.
_PLAIN_FACTORY: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()


def redact_every_record(secrets: tuple[str, ...] = ()) -> None:
    """Redact each record as it is made, whoever logs it and whichever handler takes it
    (a library's DEBUG line, a handler added later, pytest's capture): a filter on one
    handler would leave the others unmasked."""
    redacting = RedactingFilter(secrets)

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = _PLAIN_FACTORY(*args, **kwargs)
        redacting.filter(record)
        return record

    logging.setLogRecordFactory(make_record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the job and
    team when known, and the traceback. The record is already redacted (see
    `redact_every_record`), its traceback too."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(log_context.current())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(
    level: int = logging.INFO, secrets: tuple[str, ...] = (), *, json_lines: bool = False
) -> None:
    redact_every_record(secrets)
    mask_credential_urls()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs full request URLs at INFO, and NHN puts the app key in the path; Pillow
    # logs every chunk of every image at DEBUG.
    for noisy in ("httpx", "httpcore", "hpack", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
