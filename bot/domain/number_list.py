"""Split what a person typed after `/bizstatus` into candidate business numbers.

Commas always separate. Spaces separate too, unless the part between commas is
exactly one number written with spaces (`220 81 62517`).

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
"""

import re
import unicodedata

from bot.domain import bizno

MAX_NUMBERS = 10  # most numbers one /bizstatus looks up


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

    >>> split_number_and_label("220-81-62517 Hanbit Tech")
    ('220-81-62517', 'Hanbit Tech')
    >>> split_number_and_label("2208162517")
    ('2208162517', '')
    >>> split_number_and_label("no number here")
    ('no', 'number here')
    """
    tokens = unicodedata.normalize("NFKC", text).split()
    taken, digits = 0, 0
    for token in tokens:
        compact = bizno.compact(token)
        if digits >= bizno.LENGTH or not compact.isdigit():
            break
        taken += 1
        digits += len(compact)
    taken = taken or min(1, len(tokens))
    return " ".join(tokens[:taken]), " ".join(tokens[taken:])


def _is_one_number(part: str) -> bool:
    """Ten digits once spaces and dashes are gone, as `bizno.compact` reads a number."""
    compact = bizno.compact(part)
    return len(compact) == bizno.LENGTH and compact.isdigit()
