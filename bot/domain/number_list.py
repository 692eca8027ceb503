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
"""

import re
import unicodedata

MAX_NUMBERS = 10  # most numbers one /bizstatus looks up
_DIGIT_COUNT_OF_ONE_NUMBER = 10


def split_numbers(text: str) -> list[str]:
    tokens: list[str] = []
    for part in re.split(r"[,，、]", unicodedata.normalize("NFKC", text)):
        part = part.strip()
        if not part:
            continue
        digits = sum(char.isdigit() for char in part)
        if digits == _DIGIT_COUNT_OF_ONE_NUMBER and re.fullmatch(r"[\d\s.\-‐–—]+", part):
            tokens.append(part)
        else:
            tokens.extend(part.split())
    return tokens
