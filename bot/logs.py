"""Logging set-up: one format, quiet HTTP libraries, and redaction as a second line of defence.

The code never logs card numbers or secrets; the filter here catches what slips through
(an exception message quoting a URL, a library's debug line).
"""

import logging
import re

# 13-19 digits, optionally split by single spaces or hyphens, as card numbers are written.
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_TOKEN_LIKE = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+)", re.IGNORECASE
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"[card ••••{digits[-4:]}]" if _luhn_ok(digits) else match.group(0)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask card-like numbers, Slack/Bearer tokens and the given secret values.

    >>> redact("paid with 5555 5555 5555 4444 using xoxb-1-abc")
    'paid with [card ••••4444] using [redacted]'
    """
    text = _CARD_LIKE.sub(_mask_card, text)
    text = _TOKEN_LIKE.sub("[redacted]", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        return True


def configure_logging(level: int = logging.INFO, secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs full request URLs at INFO, and NHN puts the app key in the path.
    for noisy in ("httpx", "httpcore", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
