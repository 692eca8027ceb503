"""Business registration number (사업자등록번호): 10 digits shown as XXX-XX-XXXXX.

The last digit is a check digit over the first nine. The National Tax Service
does not publish the rule, but the widely published one holds for real numbers.

>>> validate("220-81-62517")
'2208162517'
>>> is_valid("123-45-67890")
False
>>> kind("220-81-62517").label.en
'For-profit corporation (head office)'
"""

import re
import unicodedata
from enum import StrEnum
from typing import Literal

from bot.i18n import Text

LENGTH = 10

# After NFKC, full-width forms are ASCII; these dashes have no NFKC mapping.
_SEPARATORS = re.compile(r"[\s.\-‐‑‒–—―−]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)

Reason = Literal["empty", "characters", "length", "checksum"]

_EXAMPLE = "220-81-62517"
_MESSAGES: dict[Reason, Text] = {
    "empty": Text(
        ko=f"사업자등록번호가 비어 있습니다. {_EXAMPLE}처럼 숫자 10자리를 입력하세요.",
        en=f"The business registration number is empty: enter 10 digits like {_EXAMPLE}.",
    ),
    "characters": Text(
        ko=f"사업자등록번호에는 숫자만 들어갑니다. {_EXAMPLE}처럼 숫자 10자리를 입력하세요.",
        en=f"A business registration number has only digits: 10 digits like {_EXAMPLE}.",
    ),
    "length": Text(
        ko=f"사업자등록번호는 숫자 10자리입니다({{count}}자리 입력됨). 예: {_EXAMPLE}",
        en=f"A business registration number has 10 digits, not {{count}}: like {_EXAMPLE}.",
    ),
    "checksum": Text(
        ko="마지막 자리(검증번호)가 맞지 않습니다. 오타가 없는지 확인하세요.",
        en="The last digit does not match: check for a typo.",
    ),
}


class InvalidBusinessNumber(ValueError):
    """The text is not a valid business registration number; `message` says why.

    >>> str(InvalidBusinessNumber("checksum"))
    'The last digit does not match: check for a typo.'
    >>> InvalidBusinessNumber("length", count=9).message.ko
    '사업자등록번호는 숫자 10자리입니다(9자리 입력됨). 예: 220-81-62517'
    """

    def __init__(self, reason: Reason, count: int = 0) -> None:
        self.reason: Reason = reason
        self.message: Text = _MESSAGES[reason].format(count=count)
        super().__init__(self.message.en)


def compact(text: str) -> str:
    """Drop spaces, dashes and dots; full-width characters become ASCII.

    >>> compact(" 220-81-62517 ")
    '2208162517'
    >>> compact("２２０８１６２５１７")
    '2208162517'
    >>> compact("220.81 – 62517")
    '2208162517'
    """
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def checksum_ok(digits: str) -> bool:
    """Whether the check digit (the 10th) matches the first nine; False unless 10 ASCII digits.

    >>> checksum_ok("2208162517")
    True
    >>> checksum_ok("1248100998")
    True
    >>> checksum_ok("1234567890")
    False
    """
    if len(digits) != LENGTH or not _ASCII_DIGITS.fullmatch(digits):
        return False
    values = [int(digit) for digit in digits]
    total = sum(weight * value for weight, value in zip(_WEIGHTS, values, strict=False))
    total += values[8] * 5 // 10
    return (10 - total % 10) % 10 == values[9]


def _ten_digits(text: str) -> str:
    """The compact digits, checked for characters and length but not the check digit."""
    digits = compact(text)
    if not digits:
        raise InvalidBusinessNumber("empty")
    if not _ASCII_DIGITS.fullmatch(digits):
        raise InvalidBusinessNumber("characters")
    if len(digits) != LENGTH:
        raise InvalidBusinessNumber("length", count=len(digits))
    return digits


def validate(text: str) -> str:
    """The 10 compact digits, or InvalidBusinessNumber saying what is wrong.

    >>> validate("２２０-８１-６２５１７")
    '2208162517'
    >>> validate("123-45-67890")
    Traceback (most recent call last):
        ...
    bot.domain.bizno.InvalidBusinessNumber: The last digit does not match: check for a typo.
    """
    digits = _ten_digits(text)
    if not checksum_ok(digits):
        raise InvalidBusinessNumber("checksum")
    return digits


def is_valid(text: str) -> bool:
    """Whether `validate` accepts the text.

    >>> is_valid("124-81-00998")
    True
    >>> is_valid("124-81-00999")
    False
    """
    try:
        validate(text)
    except InvalidBusinessNumber:
        return False
    return True


def format(text: str) -> str:
    """XXX-XX-XXXXX, even when the check digit fails (the caller marks it invalid).

    Raises InvalidBusinessNumber when the text is not 10 digits.

    >>> format("2208162517")
    '220-81-62517'
    >>> format("123 45 67890")
    '123-45-67890'
    """
    digits = _ten_digits(text)
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


class BusinessKind(StrEnum):
    """What kind of business the middle two digits (4th and 5th) say it is."""

    INDIVIDUAL_TAXABLE = "individual_taxable"
    APARTMENT_OR_MULTI_LEVEL_SELLER = "apartment_or_multi_level_seller"
    RELIGIOUS_BODY = "religious_body"
    INDIVIDUAL_TAX_EXEMPT = "individual_tax_exempt"
    CORPORATE_HEAD_OFFICE = "corporate_head_office"
    NON_PROFIT_CORPORATION = "non_profit_corporation"
    GOVERNMENT = "government"
    FOREIGN_CORPORATION = "foreign_corporation"
    CORPORATE_BRANCH = "corporate_branch"
    UNKNOWN = "unknown"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    BusinessKind.INDIVIDUAL_TAXABLE: Text(ko="개인 과세사업자", en="Individual (VAT taxable)"),
    BusinessKind.APARTMENT_OR_MULTI_LEVEL_SELLER: Text(
        ko="아파트관리사무소·다단계판매원",
        en="Apartment management office or multi-level seller",
    ),
    BusinessKind.RELIGIOUS_BODY: Text(
        ko="법인이 아닌 종교단체", en="Religious body (not a corporation)"
    ),
    BusinessKind.INDIVIDUAL_TAX_EXEMPT: Text(ko="개인 면세사업자", en="Individual (VAT exempt)"),
    BusinessKind.CORPORATE_HEAD_OFFICE: Text(
        ko="영리법인 본점", en="For-profit corporation (head office)"
    ),
    BusinessKind.NON_PROFIT_CORPORATION: Text(ko="비영리법인", en="Non-profit corporation"),
    BusinessKind.GOVERNMENT: Text(ko="국가·지방자치단체", en="State or local government"),
    BusinessKind.FOREIGN_CORPORATION: Text(ko="외국법인", en="Foreign corporation"),
    BusinessKind.CORPORATE_BRANCH: Text(ko="영리법인 지점", en="For-profit corporation (branch)"),
    BusinessKind.UNKNOWN: Text(ko="알 수 없는 구분", en="Unknown kind"),
}

_KIND_BY_CODE = {
    80: BusinessKind.APARTMENT_OR_MULTI_LEVEL_SELLER,
    81: BusinessKind.CORPORATE_HEAD_OFFICE,
    82: BusinessKind.NON_PROFIT_CORPORATION,
    83: BusinessKind.GOVERNMENT,
    84: BusinessKind.FOREIGN_CORPORATION,
    85: BusinessKind.CORPORATE_BRANCH,
    86: BusinessKind.CORPORATE_HEAD_OFFICE,
    87: BusinessKind.CORPORATE_HEAD_OFFICE,
    88: BusinessKind.CORPORATE_HEAD_OFFICE,
    89: BusinessKind.RELIGIOUS_BODY,
}


def kind(text: str) -> BusinessKind:
    """The kind of business from the middle two digits; the check digit is not required.

    Raises InvalidBusinessNumber when the text is not 10 digits.

    >>> kind("124-81-00998")
    <BusinessKind.CORPORATE_HEAD_OFFICE: 'corporate_head_office'>
    >>> kind("123-45-67890")
    <BusinessKind.INDIVIDUAL_TAXABLE: 'individual_taxable'>
    """
    code = int(_ten_digits(text)[3:5])
    if code == 0:
        return BusinessKind.UNKNOWN
    if code < 80:
        return BusinessKind.INDIVIDUAL_TAXABLE
    if code >= 90:
        return BusinessKind.INDIVIDUAL_TAX_EXEMPT
    return _KIND_BY_CODE[code]
