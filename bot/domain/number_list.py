"""Read what a person typed after `/bizstatus`: a subcommand, or business numbers.

Commas always separate numbers. Spaces separate too, unless the part between
commas is exactly one number written with spaces (`220 81 62517`).

>>> split_numbers("220-81-62517")
['220-81-62517']
>>> split_numbers("220 81 62517")
['220 81 62517']
>>> split_numbers("2208162517 124-81-00998, 123-45-67890")
['2208162517', '124-81-00998', '123-45-67890']
>>> split_numbers("  ,, ")
[]
>>> split_number_and_label("220 81 62517 (주)한빛 본사")
('220 81 62517', '(주)한빛 본사')
>>> parse_command("watch 220-81-62517 본사")
AddWatch(number='220-81-62517', label='본사')
>>> parse_command("220-81-62517, 124-81-00998")
LookUp(numbers=('220-81-62517', '124-81-00998'))
"""

import re
import unicodedata
from dataclasses import dataclass

from bot.domain import bizno

MAX_NUMBERS = 10  # most numbers one /bizstatus looks up
# A page number is a last word of at most this many digits: a search by number needs more.
_PAGE_DIGITS = 3
HELP_WORDS = ("help", "도움말", "?")

_WORD = re.compile(r"\S+")  # \s is exactly str.isspace, as str.split() splits


@dataclass(frozen=True, slots=True)
class LookUp:
    numbers: tuple[str, ...]  # as typed, in order; not yet validated, nor at most MAX_NUMBERS


@dataclass(frozen=True, slots=True)
class AddWatch:
    number: str  # as typed, not yet validated
    label: str  # as typed, trimmed; "" for none


@dataclass(frozen=True, slots=True)
class Unwatch:
    number: str


@dataclass(frozen=True, slots=True)
class ListWatches:
    search: str = ""  # as typed, trimmed; "" lists every watch
    page: int = 1  # from 1; past the last page means the last


@dataclass(frozen=True, slots=True)
class ExportWatches:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


Command = LookUp | AddWatch | Unwatch | ListWatches | ExportWatches | Help


def parse_command(text: str) -> Command:
    """What `/bizstatus <text>` asks for.

    The first word names a subcommand in any case, full width too (as a Korean
    keyboard may type it): `watch <number> [label]`, `unwatch <number>`,
    `list [search] [page]`, `export`. Anything else is numbers to look up; none at
    all, or a help word first, is help.

    >>> parse_command("ＷＡＴＣＨ\\t220 81 62517")
    AddWatch(number='220 81 62517', label='')
    >>> parse_command("unwatch 220-81-62517 (주)한빛")
    Unwatch(number='220-81-62517')
    >>> parse_command("watchlist"), parse_command(" HELP "), parse_command("")
    (LookUp(numbers=('watchlist',)), Help(), Help())
    >>> parse_command("list 한빛 3")
    ListWatches(search='한빛', page=3)
    >>> parse_command("export")
    ExportWatches()
    """
    first = _WORD.search(text)
    if first is not None:
        rest = text[first.end() :]
        match unicodedata.normalize("NFKC", first[0]).lower():
            case "watch":
                return AddWatch(*split_number_and_label(rest))
            case "unwatch":
                return Unwatch(split_number_and_label(rest)[0])
            case "list":
                return list_watches(rest)
            case "export":
                return ExportWatches()
    numbers = split_numbers(text)
    if not numbers or numbers[0].lower() in HELP_WORDS:
        return Help()
    return LookUp(tuple(numbers))


def list_watches(text: str) -> ListWatches:
    """`list [search] [page]`: a last word of one to three digits is the page (from 1).

    >>> list_watches("  "), list_watches("0")
    (ListWatches(search='', page=1), ListWatches(search='', page=1))
    >>> list_watches("１２"), list_watches("220-81")
    (ListWatches(search='', page=12), ListWatches(search='220-81', page=1))
    """
    words = text.split()
    page = 1
    if words:
        last = unicodedata.normalize("NFKC", words[-1])
        if last.isascii() and last.isdigit() and len(last) <= _PAGE_DIGITS:
            page = max(1, int(last))
            words.pop()
    return ListWatches(" ".join(words), page)


def split_numbers(text: str) -> list[str]:
    tokens: list[str] = []
    for part in re.split(r"[,，、]", unicodedata.normalize("NFKC", text)):
        part = part.strip()
        if not part:
            continue
        if _is_one_number(part):
            tokens.append(part)
        else:
            tokens.extend(part.split())
    return tokens


def split_number_and_label(text: str) -> tuple[str, str]:
    """The business number at the start of `text` (spaces allowed inside it), and the rest.

    The number is the words up to its tenth digit: a label that starts with digits
    keeps them. Both come back as typed, trimmed, so the label is the person's own.

    >>> split_number_and_label("220-81-62517 Hanbit Tech")
    ('220-81-62517', 'Hanbit Tech')
    >>> split_number_and_label("220 - 81 - 62517  2층 ")
    ('220 - 81 - 62517', '2층')
    >>> split_number_and_label("2208162517")
    ('2208162517', '')
    >>> split_number_and_label("no number here")
    ('no', 'number here')
    """
    words = list(_WORD.finditer(text))
    taken, digits = 0, 0
    for word in words:
        compact = bizno.compact(word[0])
        if digits >= bizno.LENGTH or not (compact.isdigit() or compact == ""):
            break
        taken += 1  # a word of dashes alone ("220 - 81") is part of the number
        digits += len(compact)
    while taken > 1 and bizno.compact(words[taken - 1][0]) == "":
        taken -= 1  # but not a dash after its last digit
    if not words:
        return "", ""
    # With no digits first, the first word stands for the number, so its error names it.
    end = words[max(taken, 1) - 1].end()
    return text[words[0].start() : end], text[end:].strip()


def _is_one_number(part: str) -> bool:
    """Ten digits once spaces and dashes are gone, as `bizno.compact` reads a number."""
    compact = bizno.compact(part)
    return len(compact) == bizno.LENGTH and compact.isdigit()
