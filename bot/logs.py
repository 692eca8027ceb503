"""Logging set-up: one format, quiet HTTP libraries, and redaction as a second line of defence.

The code never logs card numbers or secrets; the filter here catches what slips through
(an exception message quoting a URL, a library's debug line).
"""

import logging
import re
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

from bot.domain.card import MASK, SHOWN_DIGITS, luhn_ok

REDACTED = "[redacted]"

# Slack tokens (bot, user, app, refresh, and rotated `xoxe.xoxp-…`) and Authorization
# values. A credential has at least eight characters, so "the bearer of" stays.
_TOKEN_LIKE = re.compile(
    r"xox[a-z][.-][A-Za-z0-9.-]+|xapp-[A-Za-z0-9-]+"
    r"|\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")  # any script's digits: OCR text may carry full-width ones
# How card numbers are written out: "4111 1111", "4111-1111", "4111 - 1111".
_SEPARATOR = re.compile(r"[ -]{1,3}")
_CARD_LENGTHS = range(13, 20)
# Cards print their number in groups of four to six (4-4-4-4, 4-6-5); a longer group
# beside others is something else, such as the Unix time after a Slack ts's dot.
_LONGEST_PRINTED_GROUP = 6


def _ascii(digits: str) -> str:
    return "".join(str(int(char)) for char in digits)


def _written_numbers(text: str, groups: list[re.Match[str]]) -> Iterator[tuple[int, int, str]]:
    """(first, last, digits) for each run of groups that could be one number written out.

    That is a single group, or groups of up to six digits joined by one and the same
    separator throughout: "220-81-62517 124-81-00998" holds two numbers, not one.
    """
    for first, group in enumerate(groups):
        digits = _ascii(group[0])
        yield first, first, digits
        if len(group[0]) > _LONGEST_PRINTED_GROUP:
            continue
        separator = None
        for last in range(first + 1, len(groups)):
            between = text[groups[last - 1].end() : groups[last].start()]
            separator = separator or between
            if (
                between != separator
                or not _SEPARATOR.fullmatch(between)
                or len(groups[last][0]) > _LONGEST_PRINTED_GROUP
            ):
                break
            digits += _ascii(groups[last][0])
            if len(digits) > _CARD_LENGTHS[-1]:
                break
            yield first, last, digits


def _mask_cards(text: str) -> str:
    """Replace every Luhn-valid 13-19 digit number, as written out, with its last four digits.

    Numbers that overlap are masked together, so none of them is left whole.
    """
    groups = list(_DIGITS.finditer(text))
    covered = [False] * len(groups)
    for first, last, digits in _written_numbers(text, groups):
        if len(digits) in _CARD_LENGTHS and luhn_ok(digits):
            covered[first : last + 1] = [True] * (last + 1 - first)
    spans: list[tuple[int, int]] = []
    for index, group in enumerate(groups):
        if covered[index] and index > 0 and covered[index - 1]:
            spans[-1] = (spans[-1][0], group.end())
        elif covered[index]:
            spans.append((group.start(), group.end()))
    pieces, position = [], 0
    for start, end in spans:
        last_four = _ascii("".join(_DIGITS.findall(text[start:end])))[-SHOWN_DIGITS:]
        pieces += [text[position:start], f"[card {MASK * 4}{last_four}]"]
        position = end
    return "".join(pieces) + text[position:]


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
    """Mask the given secret values, Slack/Bearer tokens and card-like numbers.

    Secrets and tokens go first: their digits could otherwise pass for a card
    number, and masking those would leave the rest of the secret unrecognised.

    >>> redact("paid with 5555 5555 5555 4444 using xoxb-1-abc")
    'paid with [card ••••4444] using [redacted]'
    >>> redact("ts 1700000000.123456, business 220-81-62517")
    'ts 1700000000.123456, business 220-81-62517'
    """
    for form in _secret_forms(secrets):
        text = text.replace(form, REDACTED)
    text = _TOKEN_LIKE.sub(REDACTED, text)
    return _mask_cards(text)


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
