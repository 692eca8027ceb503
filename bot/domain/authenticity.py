"""The details the National Tax Service compares to tell whether a certificate is genuine.

Its 진위확인 (`/validate`) needs the registration number, the opening date as
YYYYMMDD and the representative; the company name is compared too when given.
This module turns what OCR read (or a person typed) into those details, and holds the
answer about them.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain import bizno
from bot.domain.certificate import Certificate, CertificateField
from bot.domain.status import BusinessStatus
from bot.errors import BotError

# The fields compared, in the order a reply lists them.
COMPARED = (
    CertificateField.REGISTRATION_NUMBER,
    CertificateField.OPENING_DATE,
    CertificateField.REPRESENTATIVE,
    CertificateField.TRADE_NAME,
)
REQUIRED = COMPARED[:3]

# Year, month and day as digit runs with anything between: "2015 년 03 월 02 일",
# "2015.03.02", "2015-3-2". The year is four digits so that a stray digit is not one.
_DATE_PARTS = re.compile(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})(?!\d)")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Joint representatives are written "홍길동, 김철수", "홍길동 외 1명" and the like.
_NAME_SEPARATORS = re.compile(r"[,/·、;&]|\s외\s*\d*\s*(?:명|인)?")


class Verdict(StrEnum):
    MATCH = "match"  # the register holds these details
    NAME_DIFFERS = "name_differs"  # number, date and representative match; the name does not
    MISMATCH = "mismatch"  # the register holds no such details (or not this number)


def opening_date(text: str) -> str | None:
    """The opening date as YYYYMMDD, from the forms OCR and people write; None if not a date.

    >>> opening_date("2015 년 03 월 02 일")
    '20150302'
    >>> opening_date("2015년3월2일"), opening_date("2015. 03. 02."), opening_date("2015-03-02")
    ('20150302', '20150302', '20150302')
    >>> opening_date("20150302"), opening_date(" ２０１５년 ０３월 ０２일 ")
    ('20150302', '20150302')

    A date that does not exist, or anything else, is None:

    >>> opening_date("2015 년 02 월 30 일") is None, opening_date("03월 02일") is None
    (True, True)
    >>> opening_date("201503021") is None
    True
    """
    normalized = unicodedata.normalize("NFKC", text).strip()
    match = _COMPACT_DATE.fullmatch(normalized) or _DATE_PARTS.search(normalized)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day).strftime("%Y%m%d")
    except ValueError:
        return None


def shown_date(yyyymmdd: str) -> str:
    """YYYYMMDD as YYYY-MM-DD, the form the correction dialog asks for.

    >>> shown_date("20150302")
    '2015-03-02'
    """
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def representative_names(text: str) -> tuple[str, ...]:
    """Each name in a 대표자 value; joint representatives are sent one at a time.

    >>> representative_names("홍길동")
    ('홍길동',)
    >>> representative_names("홍길동, 김철수"), representative_names("홍길동 외 1명")
    (('홍길동', '김철수'), ('홍길동',))
    >>> representative_names(" , ")
    ()
    """
    names = (" ".join(part.split()) for part in _NAME_SEPARATORS.split(text))
    return tuple(dict.fromkeys(name for name in names if name))


@dataclass(frozen=True, slots=True)
class Details:
    """What is compared with the register: read off a certificate or typed by a person.

    `number` is ten digits and `opened` YYYYMMDD when they could be read; `representatives`
    holds every name read (one is enough to match); `name` is empty when not read.
    """

    number: str | None
    opened: str | None
    representatives: tuple[str, ...]
    name: str = ""

    @property
    def missing(self) -> tuple[CertificateField, ...]:
        """The required details that were not read (or not in a form NTS takes).

        >>> Details("2208162517", None, ("홍길동",)).missing
        (<CertificateField.OPENING_DATE: 'opening_date'>,)
        """
        present = {
            CertificateField.REGISTRATION_NUMBER: self.number is not None,
            CertificateField.OPENING_DATE: self.opened is not None,
            CertificateField.REPRESENTATIVE: bool(self.representatives),
        }
        return tuple(field for field in REQUIRED if not present[field])

    @property
    def compared(self) -> tuple[CertificateField, ...]:
        """The fields a check of these details compares."""
        return COMPARED if self.name else REQUIRED


def details_of(certificate: Certificate) -> Details:
    """The details a certificate shows, as far as they were read.

    >>> from bot.domain.certificate import normalize
    >>> from collections import namedtuple
    >>> KeyValue = namedtuple("KeyValue", "key value conf")
    >>> details_of(normalize([
    ...     KeyValue("등록번호", "220-81-62517", 1.0),
    ...     KeyValue("법인명(단체명)", "주식회사 예시", 0.9),
    ...     KeyValue("대표자", "홍길동, 김철수", 0.9),
    ...     KeyValue("개업연월일", "2015 년 03 월 02 일", 0.9),
    ... ]))
    Details(number='2208162517', opened='20150302', representatives=('홍길동', '김철수'), \
name='주식회사 예시')
    """

    def value(field: CertificateField) -> str:
        reading = certificate.get(field)
        return "" if reading is None else reading.value

    return Details(
        number=typed_number(value(CertificateField.REGISTRATION_NUMBER)),
        opened=opening_date(value(CertificateField.OPENING_DATE)),
        representatives=representative_names(value(CertificateField.REPRESENTATIVE)),
        name=value(CertificateField.TRADE_NAME),
    )


def typed_number(text: str) -> str | None:
    """Ten digits from a registration number however it is punctuated; None otherwise.

    The check digit is not required: NTS is the judge of a number's existence.

    >>> typed_number("220-81-62517"), typed_number("123 45 67890"), typed_number("12-345")
    ('2208162517', '1234567890', None)
    """
    digits = bizno.compact(text)
    return digits if re.fullmatch(r"[0-9]{10}", digits) else None


@dataclass(frozen=True, slots=True)
class Authenticity:
    """The answer about one certificate's details.

    `verdict` is None when they were not checked: `missing` names the details that
    were not read, or `error` says why NTS gave no answer.
    """

    details: Details
    verdict: Verdict | None
    missing: tuple[CertificateField, ...] = ()
    error: BotError | None = None
    status: BusinessStatus | None = None  # the status part of a match

    @property
    def compared(self) -> tuple[CertificateField, ...]:
        return self.details.compared

    @property
    def doubtful(self) -> bool:
        """Whether a person should look again: anything but a match."""
        return self.verdict is not Verdict.MATCH
