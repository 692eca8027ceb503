"""Card numbers that cannot leak, card brands, and expiry dates.

A CardNumber keeps the digits it was read from but offers no way to get them
back: every way of turning it into text shows the last four digits only
(PCI DSS 3.4.1), in the one format the bot uses everywhere, because mixing
masking formats can rebuild a whole number.

>>> card = CardNumber("5555 5555-5555 4444")
>>> print(card)
•••• •••• •••• 4444
>>> card.brand.label.en, card.luhn_valid
('Mastercard', True)
>>> parse_expiry("04/19").display
'04/19'
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, NoReturn, Self

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from bot.i18n import Text

MASK = "•"
SHOWN_DIGITS = 4

_NOT_DIGITS = re.compile(r"[^0-9]")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    JCB = "jcb"
    DINERS = "diners"
    DISCOVER = "discover"
    UNIONPAY = "unionpay"
    KOREAN_DOMESTIC = "korean_domestic"
    UNKNOWN = "unknown"

    @property
    def label(self) -> Text:
        """
        >>> CardBrand.AMEX.label.ko
        '아메리칸 익스프레스'
        """
        return _BRAND_LABELS[self]


_BRAND_LABELS = {
    CardBrand.VISA: Text(ko="비자", en="Visa"),
    CardBrand.MASTERCARD: Text(ko="마스터카드", en="Mastercard"),
    CardBrand.AMEX: Text(ko="아메리칸 익스프레스", en="American Express"),
    CardBrand.JCB: Text(ko="JCB", en="JCB"),
    CardBrand.DINERS: Text(ko="다이너스 클럽", en="Diners Club"),
    CardBrand.DISCOVER: Text(ko="디스커버", en="Discover"),
    CardBrand.UNIONPAY: Text(ko="유니온페이", en="UnionPay"),
    CardBrand.KOREAN_DOMESTIC: Text(ko="국내 전용 카드", en="Korean domestic card"),
    CardBrand.UNKNOWN: Text(ko="알 수 없는 카드", en="Unknown card"),
}

# IIN prefix ranges, first and last inclusive; both bounds have the prefix's length.
_IIN_RANGES = (
    ("4", "4", CardBrand.VISA),
    ("51", "55", CardBrand.MASTERCARD),
    ("2221", "2720", CardBrand.MASTERCARD),
    ("34", "34", CardBrand.AMEX),
    ("37", "37", CardBrand.AMEX),
    ("3528", "3589", CardBrand.JCB),
    ("1800", "1800", CardBrand.JCB),
    ("2131", "2131", CardBrand.JCB),
    ("300", "305", CardBrand.DINERS),
    ("3095", "3095", CardBrand.DINERS),
    ("36", "36", CardBrand.DINERS),
    ("38", "39", CardBrand.DINERS),
    ("6011", "6011", CardBrand.DISCOVER),
    ("644", "649", CardBrand.DISCOVER),
    ("65", "65", CardBrand.DISCOVER),
    ("62", "62", CardBrand.UNIONPAY),
    ("81", "81", CardBrand.UNIONPAY),
    ("9", "9", CardBrand.KOREAN_DOMESTIC),
)


def brand_of(digits: str) -> CardBrand:
    """The brand whose longest IIN prefix matches; UNKNOWN when none does.

    >>> brand_of("4111111111111111")
    <CardBrand.VISA: 'visa'>
    >>> brand_of("2221000000000009")
    <CardBrand.MASTERCARD: 'mastercard'>
    >>> brand_of("3530111333300000")
    <CardBrand.JCB: 'jcb'>
    >>> brand_of("8171999927660000")
    <CardBrand.UNIONPAY: 'unionpay'>
    """
    if not _ASCII_DIGITS.fullmatch(digits):
        return CardBrand.UNKNOWN
    matches = [
        (len(first), brand)
        for first, last, brand in _IIN_RANGES
        if len(digits) >= len(first) and first <= digits[: len(first)] <= last
    ]
    return max(matches, key=lambda match: match[0])[1] if matches else CardBrand.UNKNOWN


def luhn_ok(digits: str) -> bool:
    """Whether the Luhn check digit matches; False unless ASCII digits.

    >>> luhn_ok("4012888888881881")
    True
    >>> luhn_ok("4012888888881882")
    False
    """
    if not _ASCII_DIGITS.fullmatch(digits):
        return False
    total = 0
    for position, digit in enumerate(int(char) for char in reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class CardNumber:
    """A card number read from OCR text; only its masked form ever comes out.

    There is deliberately no accessor for the digits: what the bot needs
    (last four, brand, Luhn check) is offered instead. Copies are the object
    itself; pickling is refused.

    >>> card = CardNumber("３７１４ ４９６３５３ ９８４３１")
    >>> card
    CardNumber('•••• •••••• •8431')
    >>> f"{card}", card.last4, card.length
    ('•••• •••••• •8431', '8431', 15)
    """

    __slots__ = ("__digits",)

    def __init__(self, text: str) -> None:
        digits = _NOT_DIGITS.sub("", unicodedata.normalize("NFKC", text))
        if not digits:
            # The text is not echoed: it may hold part of a number.
            raise ValueError("the card number text has no digits")
        self.__digits = digits

    @property
    def last4(self) -> str:
        return self.__digits[-SHOWN_DIGITS:]

    @property
    def length(self) -> int:
        return len(self.__digits)

    @property
    def brand(self) -> CardBrand:
        return brand_of(self.__digits)

    @property
    def luhn_valid(self) -> bool:
        return luhn_ok(self.__digits)

    def masked(self) -> str:
        """Every digit but the last four replaced by •, in groups.

        Amex's 15 digits are grouped 4-6-5 as printed on the card. Others are grouped
        by four counted from the end, so the last four always stand as one group
        whatever the length (a short group, if any, comes first).

        >>> CardNumber("6011000990139424").masked()
        '•••• •••• •••• 9424'
        >>> CardNumber("6212345678901232123").masked()
        '••• •••• •••• •••• 2123'
        >>> CardNumber("30569309025904").masked()
        '•• •••• •••• 5904'
        >>> CardNumber("4222222222222").masked()
        '• •••• •••• 2222'
        """
        shown = MASK * (self.length - SHOWN_DIGITS) + self.last4
        if self.length == 15 and self.brand is CardBrand.AMEX:
            groups = [shown[:4], shown[4:10], shown[10:]]
        else:
            first = self.length % 4 or 4
            groups = [shown[:first]] + [
                shown[start : start + 4] for start in range(first, self.length, 4)
            ]
        return " ".join(groups)

    def __str__(self) -> str:
        return self.masked()

    def __format__(self, format_spec: str) -> str:
        """Format specs apply to the masked text: f"{card:>24}" pads it."""
        return format(self.masked(), format_spec)

    def __repr__(self) -> str:
        return f"CardNumber({self.masked()!r})"

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a CardNumber cannot be pickled: it would carry the full number")

    def __getstate__(self) -> NoReturn:
        raise TypeError("a CardNumber has no state to give out: it would be the full number")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validates from text (or a CardNumber); serialises to JSON masked.

        Anything else is swapped for a placeholder before it fails, because a
        validation error repeats its input and the input may be a card number.
        An error about the whole model (a missing field) repeats all of its
        input, though: give models a CardNumber rather than the raw text.
        """
        return core_schema.no_info_before_validator_function(
            _card_or_placeholder,
            core_schema.custom_error_schema(
                core_schema.is_instance_schema(cls),
                custom_error_type="card_number_type",
                custom_error_message="Input should be the text of a card number",
            ),
            serialization=core_schema.to_string_ser_schema(when_used="json"),
        )


class _Withheld:
    """Stands in for an input that is not card number text, so errors do not repeat it."""

    __slots__ = ("type_name",)

    def __init__(self, value: object) -> None:
        self.type_name = type(value).__name__

    def __repr__(self) -> str:
        return f"<{self.type_name} withheld>"


def _card_or_placeholder(value: object) -> CardNumber | _Withheld:
    if isinstance(value, CardNumber):
        return value
    if isinstance(value, str):
        return CardNumber(value)
    return _Withheld(value)


@dataclass(frozen=True, slots=True)
class Expiry:
    """The month a card is valid through (its last day included).

    >>> Expiry(month=4, year=2019).is_expired(date(2019, 4, 30))
    False
    >>> Expiry(month=4, year=2019).is_expired(date(2019, 5, 1))
    True
    """

    month: int
    year: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1 to 12, not {self.month}")
        if not 1000 <= self.year <= 9999:
            raise ValueError(f"year must have four digits, not {self.year}")

    @property
    def display(self) -> str:
        return f"{self.month:02d}/{self.year % 100:02d}"

    def is_expired(self, today: date) -> bool:
        return (today.year, today.month) > (self.year, self.month)


_EXPIRY = re.compile(
    r"(?P<month>[0-9]{1,2})\s*[/.\-]\s*(?P<year>[0-9]{4}|[0-9]{2})"
    r"|(?P<month_only>[0-9]{2})(?P<year_only>[0-9]{2})"
)


def parse_expiry(text: str) -> Expiry | None:
    """MM/YY, MM / YY, MMYY or MM/YYYY (full-width digits too); None when not an expiry.

    Two-digit years are 20YY: cards are not issued for a century.

    >>> parse_expiry("０４／１９")
    Expiry(month=4, year=2019)
    >>> parse_expiry("0419") == parse_expiry("04 / 2019")
    True
    >>> parse_expiry("13/19") is None
    True
    """
    match = _EXPIRY.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    month = int(match["month"] or match["month_only"])
    year_digits = match["year"] or match["year_only"]
    year = int(year_digits) + (2000 if len(year_digits) == 2 else 0)
    try:
        return Expiry(month=month, year=year)
    except ValueError:  # month 13, year 0019
        return None
