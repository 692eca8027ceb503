"""What looks like a card number (PAN) in any text, and how it is masked: the one rule.

Every exit of the bot (Slack payloads and uploaded text files, response_url bodies,
database rows written from outside text, log records) passes text through `mask`,
so a feature that forgets to mask a field cannot leak a number.

A card number is 13 to 19 digits that pass the Luhn check, written either as one run
or in groups of at most six digits (cards print 4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3).
Between two groups may stand one to three separators of the kinds people and encoders
produce: any space (no-break, figure, narrow and ideographic spaces, tabs and line
breaks too), dashes, dots, slashes, underscores, brackets and plus signs, in ASCII or
full width, commas (only in a layout cards are printed in: commas also group money),
invisible format characters (a zero-width space), and any of these escaped:
percent-encoded, however often (``%20``, ``%C2%A0``, ``%2520``) or as JSON and Python's
repr write them in logs (``\\u00a0``, ``\\xa0``). A percent-encoded separator glues its
hex digits onto the number ("``card%204556``"), so the text is also read with every
escape decoded. Full-width and other script digits count as digits.
Groups joined by different separators ("4556 0767-6001.6584") make a number only in a
layout cards are printed in: one kind of separator is how a writer separates one
number, mixing kinds is how separate numbers sit side by side (a phone number and a
date). A number is masked as `CardNumber.masked` shows it, last four digits only:
one format everywhere, since two formats that show different digits rebuild a number.

>>> mask("card 4556 0767 6001 6584 exp 12/27")
'card •••• •••• •••• 6584 exp 12/27'
>>> mask("카드4556-0767.6001 6584")
'카드•••• •••• •••• 6584'
>>> mask("/bizstatus 4556, 0767, 6001, 6584")
'/bizstatus •••• •••• •••• 6584'
>>> mask("card%204556%200767%206001%206584.jpg")
'card%20•••• •••• •••• 6584.jpg'
>>> mask("４５５６\\u00a0０７６７\\u00a0６００１\\u00a0６５８４")
'•••• •••• •••• 6584'

Numbers that fail Luhn. A card misread by one digit fails the check but still shows
fifteen real digits, so 13-19 digits laid out as a card prints them (groups of four
with a last group of one to four, or 4-6-5, 4-6-4) with one kind of separator are
masked whatever their check digit. One unbroken run, or another grouping, that fails
Luhn is left alone: those are ids, millisecond times, account and serial numbers the
bot must show as they are, and a card is not written that way often enough to hide
them all; a misread one written so stays a known gap.

>>> mask("4556 0767 6001 6585")  # one digit misread
'•••• •••• •••• 6585'
>>> mask("order 4556076760016585")  # unbroken and failing Luhn: an id
'order 4556076760016585'

What survives unchanged: business numbers (ten digits, and one written 3-2-5 with a
valid check digit never joins a card), corporate registration numbers in their 6-7
layout (a seven-digit group never joins another), Slack timestamps (ten digits, a dot,
six), Slack ids and permalinks, ISO dates, money with commas, short digit runs.

>>> mask("220-81-62517 2208162517 110111-4812345 1700000000.123456")
'220-81-62517 2208162517 110111-4812345 1700000000.123456'
>>> mask("220 81 62517 124 81 00998, 2024-05-01, 12,345,678,901,234원, F07ABC12345")
'220 81 62517 124 81 00998, 2024-05-01, 12,345,678,901,234원, F07ABC12345'
>>> mask("<https://acme.slack.com/archives/C1/p1700000000123456|message>")
'<https://acme.slack.com/archives/C1/p1700000000123456|message>'

Written as 13 unbroken digits, a corporate registration number cannot be told from a
13-digit card: when it passes Luhn it is masked (`1101114812345` does).
"""

import bisect
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from bot.domain import bizno
from bot.domain.card import CardNumber, luhn_ok

SHORTEST = 13
LONGEST = 19
# Cards print their number in groups of four to six; a longer group beside others is
# something else (the seconds of a Slack ts, the seven digits of a corporate number).
_LONGEST_PRINTED_GROUP = 6
_MOST_SEPARATORS = 3  # "4556 - 0767"
_LONGEST_JOINT = 12  # invisible characters do not count as separators, but are bounded

_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")  # any script's digits: OCR text may carry full-width ones
# Percent escapes, however often encoded ("%20", "%2520", "%C2%A0"), and the backslash
# escapes of JSON and of Python's repr ("\u00a0", "\\u00a0", "\xa0") that logs are full of.
_ESCAPES = re.compile(
    r"(?P<percent>(?:%(?:25)*[0-9A-Fa-f]{2})+)"
    r"|\\+(?:x(?P<x>[0-9A-Fa-f]{2})|u(?P<u>[0-9A-Fa-f]{4})|U(?P<U>[0-9A-Fa-f]{8})|(?P<c>[tnr/]))"
)
_CONTROL_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "/": "/"}
_PERMALINK = re.compile(r"/archives/[^/\s|>]+/p\d{16}\b")
_DASHES = frozenset("-‐‑‒–—―−－﹣﹘")
_DOTS = frozenset(".．·・‧")
_SLASHES = frozenset("/／\\＼")
_UNDERSCORES = frozenset("_＿")
_PLUSES = frozenset("+＋")  # a form-encoded space
_BRACKETS = frozenset("()[]{}（）［］")  # "(4556)(0767)"
# Between groups only in a printed card layout: "4556,0767,6001,6584" (four CSV cells,
# or a command's list) is a card, "12,345,678,901,234" an amount of money.
_COMMAS = frozenset(",，、")


def mask(text: str) -> str:
    """`text` with every card number, however written, shown as its last four digits."""
    # Fewer digits than the shortest card hold none, escaped or not: every escape of a
    # digit is written with a digit of its own (%34, %EF%BC%94, \u0034, \uff14).
    if len(_DIGIT.findall(text)) < SHORTEST:
        return text
    found = list(_card_spans(text))
    # A run that fails Luhn but overlaps one that passes is that card and its neighbours
    # (the expiry after it): the neighbours stay, and the card shows its own last four.
    valid = [(start, end) for start, end, digits in found if luhn_ok(digits)]
    spans = sorted(
        (start, end, digits)
        for start, end, digits in found
        if luhn_ok(digits) or not any(start < v_end and v_start < end for v_start, v_end in valid)
    )
    if not spans:
        return text
    pieces, position = [], 0
    for start, end, digits in _merged(spans):
        pieces += [text[position:start], CardNumber(digits).masked()]
        position = end
    return "".join(pieces) + text[position:]


@dataclass(frozen=True, slots=True)
class _Group:
    start: int
    end: int
    digits: str  # ASCII
    joint: frozenset[str] | None  # the kinds of separator to the next group; None: apart


def _card_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) of each card number, read as written and with escapes decoded."""
    yield from _spans_in(text)
    if _escape_touches_digits(text):
        # Decoding every escape reads "%414556" as "A4556"; decoding only those that stand
        # for separators or digits reads "50%4556%200767" as "50%4556 0767": both are read.
        for decoded in (_Decoded(text, all_escapes=True), _Decoded(text, all_escapes=False)):
            for start, end, digits in _spans_in(decoded.text):
                yield decoded.raw_start(start), decoded.raw_end(end), digits


def _escape_touches_digits(text: str) -> bool:
    """Whether an escape stands for a digit or lies within three characters of one: only
    then can decoding change which digits belong together."""
    if "%" not in text and "\\" not in text:
        return False
    for match in _ESCAPES.finditer(text):
        near = text[max(0, match.start() - 3) : match.start()] + text[match.end() : match.end() + 3]
        if _DIGITS.search(near) or _DIGITS.search(_unescaped(match)):
            return True
    return False


def _spans_in(text: str) -> Iterator[tuple[int, int, str]]:
    groups = _groups(text)
    usable = _usable(groups, [match.span() for match in _PERMALINK.finditer(text)])
    for first, last in _runs(groups, usable):
        run = groups[first : last + 1]
        digits = "".join(group.digits for group in run)
        joints = {group.joint for group in run[:-1]}
        commas = any(joint is not None and "comma" in joint for joint in joints)
        sizes = tuple(len(group.digits) for group in run)
        if _is_card(digits, sizes, one_separator=len(joints) <= 1, commas=commas):
            yield run[0].start, run[-1].end, digits


def _is_card(digits: str, sizes: tuple[int, ...], *, one_separator: bool, commas: bool) -> bool:
    if not SHORTEST <= len(digits) <= LONGEST:
        return False
    printed = _printed_layout(sizes)
    if commas and not printed:
        return False
    if luhn_ok(digits):
        return one_separator or printed
    return len(sizes) > 1 and one_separator and printed


def _printed_layout(sizes: tuple[int, ...]) -> bool:
    """4-4-4-4 (a last group of one to four) or Amex's 4-6-5 and Diners' 4-6-4."""
    if sizes in ((4, 6, 5), (4, 6, 4)):
        return True
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _groups(text: str) -> list[_Group]:
    found = list(_DIGITS.finditer(text))
    groups = []
    for index, match in enumerate(found):
        joint = None
        if index + 1 < len(found):
            joint = _joint(text[match.end() : found[index + 1].start()])
        digits = match[0] if match[0].isascii() else "".join(str(int(c)) for c in match[0])
        groups.append(_Group(match.start(), match.end(), digits, joint))
    return groups


class _Decoded:
    """`text` with its escapes decoded, and the way back to positions in `text`."""

    def __init__(self, raw: str, *, all_escapes: bool) -> None:
        pieces: list[str] = []
        # Per piece: where it starts in the decoded text, and the raw span it came from.
        self._starts: list[int] = []
        self._raw: list[tuple[int, int, bool]] = []  # start, end, whether an escape
        length, position = 0, 0
        for match in _ESCAPES.finditer(raw):
            unescaped = _unescaped(match)
            if not all_escapes and not all(_kind(c) or c.isdigit() for c in unescaped):
                continue  # left as written, part of the text before the next escape
            for piece, start, end, escape in (
                (raw[position : match.start()], position, match.start(), False),
                (unescaped, match.start(), match.end(), True),
            ):
                if piece:
                    pieces.append(piece)
                    self._starts.append(length)
                    self._raw.append((start, end, escape))
                    length += len(piece)
            position = match.end()
        pieces.append(raw[position:])
        self._starts.append(length)
        self._raw.append((position, len(raw), False))
        self.text = "".join(pieces)

    def raw_start(self, index: int) -> int:
        piece = bisect.bisect_right(self._starts, index) - 1
        start, _, escape = self._raw[piece]
        return start if escape else start + index - self._starts[piece]

    def raw_end(self, index: int) -> int:
        piece = bisect.bisect_right(self._starts, index - 1) - 1
        start, end, escape = self._raw[piece]
        return end if escape else start + index - self._starts[piece]


def _unescaped(match: re.Match[str]) -> str:
    if match["percent"] is not None:
        text, decoded = "", match["percent"]
        while decoded != text:  # however many times it was encoded: each pass shortens it
            text, decoded = decoded, unquote(decoded)
        return text
    if match["c"] is not None:
        return _CONTROL_ESCAPES[match["c"]]
    code = int(match["x"] or match["u"] or match["U"], 16)
    return chr(code) if code <= sys.maxunicode else ""


def _joint(between: str) -> frozenset[str] | None:
    """The kinds of separator in `between`, or None when it keeps two groups apart."""
    if not between or len(between) > _LONGEST_JOINT:
        return None
    kinds, visible = set(), 0
    for char in between:
        kind = _kind(char)
        if kind is None:
            return None
        if kind != "invisible":
            kinds.add(kind)
            visible += 1
    if visible > _MOST_SEPARATORS:
        return None
    return frozenset(kinds or {"invisible"})


def _kind(char: str) -> str | None:
    if char.isspace() or char in _PLUSES:
        return "space"
    if char in _DASHES:
        return "dash"
    if char in _DOTS:
        return "dot"
    if char in _SLASHES:
        return "slash"
    if char in _UNDERSCORES:
        return "underscore"
    if char in _BRACKETS:
        return "bracket"
    if char in _COMMAS:
        return "comma"
    if unicodedata.category(char) == "Cf":  # zero-width spaces and joiners, soft hyphens
        return "invisible"
    return None


def _usable(groups: list[_Group], barred: list[tuple[int, int]]) -> list[bool]:
    """False for groups inside a Slack permalink or a business number written 3-2-5."""
    usable = [
        not any(start <= group.start and group.end <= end for start, end in barred)
        for group in groups
    ]
    for index in range(len(groups) - 2):
        if len(groups[index].digits) != 3 or groups[index].joint is None:
            continue
        three = groups[index : index + 3]
        if (
            tuple(len(group.digits) for group in three) == (3, 2, 5)
            and three[0].joint == three[1].joint
            and bizno.checksum_ok("".join(group.digits for group in three))
        ):
            usable[index : index + 3] = [False] * 3
    return usable


def _runs(groups: list[_Group], usable: list[bool]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of groups that could be one number: a single group, or
    joined groups of at most six digits, 13-19 digits in all."""
    for first, group in enumerate(groups):
        if not usable[first]:
            continue
        length = len(group.digits)
        if length > _LONGEST_PRINTED_GROUP:
            if SHORTEST <= length <= LONGEST:
                yield first, first
            continue
        for last in range(first + 1, len(groups)):
            joined = groups[last]
            if (
                groups[last - 1].joint is None
                or not usable[last]
                or len(joined.digits) > _LONGEST_PRINTED_GROUP
            ):
                break
            length += len(joined.digits)
            if length > LONGEST:
                break
            if length >= SHORTEST:
                yield first, last


def _merged(spans: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """Overlapping spans as one, shown with the digits of the one that ends last, so no
    part of any of them is left whole. `spans` is sorted."""
    start, end, digits = spans[0]
    for next_start, next_end, next_digits in spans[1:]:
        if next_start < end:
            if (next_end, len(next_digits)) > (end, len(digits)):
                end, digits = next_end, next_digits
            continue
        yield start, end, digits
        start, end, digits = next_start, next_end, next_digits
    yield start, end, digits
