"""Business registration number (사업자등록번호): 10 digits shown as XXX-XX-XXXXX.

The first three digits are the issuing tax office's code (101 and up), the next
two the kind of business (never 00), the next four a serial (never 0000), and
the last a check digit over the first nine. The National Tax Service does not
publish the check-digit rule; the widely published one holds for almost every
real number, but not all, so a number can be possible without passing it.

>>> validate("220-81-62517")
'2208162517'
>>> is_valid("123-45-67890")
False
>>> possible("123-45-67890")
'1234567890'
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

Reason = Literal["empty", "characters", "length", "office", "kind", "serial", "checksum"]

FIRST_OFFICE_CODE = 101  # tax office codes start here: 000 to 100 are no office's

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
    "office": Text(
        ko="앞 세 자리({part})는 세무서 코드가 아닙니다: 세무서 코드는 101부터입니다. "
        "번호를 다시 확인하세요.",
        en="The first three digits ({part}) are no tax office's code: codes start at 101. "
        "Check the number.",
    ),
    "kind": Text(
        ko="가운데 두 자리(사업자 구분)는 00일 수 없습니다. 번호를 다시 확인하세요.",
        en="The middle two digits (the kind of business) cannot be 00. Check the number.",
    ),
    "serial": Text(
        ko="여섯째부터 아홉째 자리(일련번호)는 0000일 수 없습니다. 번호를 다시 확인하세요.",
        en="Digits six to nine (the serial number) cannot be 0000. Check the number.",
    ),
    "checksum": Text(
        ko="마지막 자리(검증번호)가 맞지 않습니다: 흔히 쓰는 검증 규칙과 다릅니다. "
        "오타가 없는지 확인하세요.",
        en="The last digit does not match: it differs from the usual check-digit rule. "
        "Check for a typo.",
    ),
}


class InvalidBusinessNumber(ValueError):
    """The text is not a valid business registration number; `message` says why.

    >>> str(InvalidBusinessNumber("checksum"))
    'The last digit does not match: it differs from the usual check-digit rule. Check for a typo.'
    >>> InvalidBusinessNumber("length", count=9).message.ko
    '사업자등록번호는 숫자 10자리입니다(9자리 입력됨). 예: 220-81-62517'
    """

    def __init__(self, reason: Reason, count: int = 0, part: str = "") -> None:
        self.reason: Reason = reason
        self.message: Text = _MESSAGES[reason].format(count=count, part=part)
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


def possible(text: str) -> str:
    """The 10 compact digits of a number a tax office could have issued, whatever its
    check digit; InvalidBusinessNumber saying what is wrong otherwise.

    Only such a number is worth a lookup: the others cannot be registered.

    >>> possible("123-45-67890")
    '1234567890'
    >>> possible("000-00-00000")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bot.domain.bizno.InvalidBusinessNumber: The first three digits (000) are no tax office's...
    >>> possible("101-00-12341")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bot.domain.bizno.InvalidBusinessNumber: The middle two digits (the kind of business)...
    """
    digits = _ten_digits(text)
    if int(digits[:3]) < FIRST_OFFICE_CODE:
        raise InvalidBusinessNumber("office", part=digits[:3])
    if digits[3:5] == "00":
        raise InvalidBusinessNumber("kind")
    if digits[5:9] == "0000":
        raise InvalidBusinessNumber("serial")
    return digits


def validate(text: str) -> str:
    """The 10 compact digits of a possible number that passes the check digit, or
    InvalidBusinessNumber saying what is wrong.

    >>> validate("２２０-８１-６２５１７")
    '2208162517'
    >>> validate("123-45-67890")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bot.domain.bizno.InvalidBusinessNumber: The last digit does not match: it differs from...
    """
    digits = possible(text)
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
