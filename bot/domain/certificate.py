"""Named fields from the key/value pairs NHN reads off a business registration certificate.

NHN does not publish its keys, they differ between individual and corporate
certificates, and OCR adds spaces and punctuation ("상 호", "사업장 소재지 :").
Keys are therefore matched on their letters only, against a table of synonyms;
matching is exact on those letters so that 등록번호 never swallows 법인등록번호.

>>> from collections import namedtuple
>>> KeyValue = namedtuple("KeyValue", "key value conf")
>>> certificate = normalize([
...     KeyValue("등록번호", "220-81-62517", 1.0),
...     KeyValue("상 호 :", "  주식회사   예시 ", 0.62),
...     KeyValue("발급사유", "신규", 0.9),
... ])
>>> [(reading.field, reading.value) for reading in certificate.readings]
[(<CertificateField.REGISTRATION_NUMBER: 'registration_number'>, '220-81-62517'), \
(<CertificateField.TRADE_NAME: 'trade_name'>, '주식회사 예시'), (None, '신규')]
>>> certificate.get(CertificateField.TRADE_NAME).low_confidence
True
"""

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from bot.i18n import Text


class CertificateField(StrEnum):
    """The fields of a certificate the bot knows, in the order it shows them."""

    TYPE = "type"
    REGISTRATION_NUMBER = "registration_number"
    TRADE_NAME = "trade_name"
    REPRESENTATIVE = "representative"
    OPENING_DATE = "opening_date"
    ADDRESS = "address"
    HEAD_OFFICE = "head_office"
    BUSINESS_TYPE = "business_type"
    ITEM = "item"
    CORPORATE_NUMBER = "corporate_number"

    @property
    def label(self) -> Text:
        """
        >>> CertificateField.ADDRESS.label.en
        'Business address'
        """
        return _LABELS[self]


_LABELS = {
    CertificateField.TYPE: Text(ko="구분", en="Type"),
    CertificateField.REGISTRATION_NUMBER: Text(ko="등록번호", en="Registration number"),
    CertificateField.TRADE_NAME: Text(ko="상호", en="Trade name"),
    CertificateField.REPRESENTATIVE: Text(ko="대표자", en="Representative"),
    CertificateField.OPENING_DATE: Text(ko="개업연월일", en="Opening date"),
    CertificateField.ADDRESS: Text(ko="사업장 소재지", en="Business address"),
    CertificateField.HEAD_OFFICE: Text(ko="본점 소재지", en="Head office address"),
    CertificateField.BUSINESS_TYPE: Text(ko="업태", en="Business type"),
    CertificateField.ITEM: Text(ko="종목", en="Business item"),
    CertificateField.CORPORATE_NUMBER: Text(ko="법인등록번호", en="Corporate registration number"),
}

# Keys as their letters only (see _letters). 주민등록번호 is deliberately absent:
# it is a person's resident number, not the corporation's.
_SYNONYMS = {
    CertificateField.TYPE: ("구분", "사업자구분", "과세유형"),
    CertificateField.REGISTRATION_NUMBER: ("등록번호", "사업자등록번호", "사업자번호"),
    CertificateField.TRADE_NAME: ("상호", "상호명", "법인명", "단체명", "법인명단체명"),
    CertificateField.REPRESENTATIVE: ("대표자", "대표자명", "대표자성명", "성명", "대표"),
    CertificateField.OPENING_DATE: ("개업연월일", "개업년월일", "개업일", "개업일자"),
    CertificateField.ADDRESS: ("사업장소재지", "사업장주소", "소재지", "주소"),
    CertificateField.HEAD_OFFICE: ("본점소재지", "본점주소"),
    CertificateField.BUSINESS_TYPE: ("업태",),
    CertificateField.ITEM: ("종목",),
    CertificateField.CORPORATE_NUMBER: ("법인등록번호",),
}
_FIELD_BY_LETTERS = {
    synonym: field for field, synonyms in _SYNONYMS.items() for synonym in synonyms
}
# After NFKC, full-width brackets are ASCII.
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _letters(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalpha())


def field_of(key: str) -> CertificateField | None:
    """The field an OCR key names, or None when it is not one the bot knows.

    A key such as 상호(법인명) is tried whole first, then without its brackets.

    >>> field_of("사업장 소재지 :")
    <CertificateField.ADDRESS: 'address'>
    >>> field_of("법인명(단체명)")
    <CertificateField.TRADE_NAME: 'trade_name'>
    >>> field_of("법인 등록번호")
    <CertificateField.CORPORATE_NUMBER: 'corporate_number'>
    >>> field_of("주민등록번호") is None
    True
    """
    normalized = unicodedata.normalize("NFKC", key)
    return _FIELD_BY_LETTERS.get(_letters(normalized)) or _FIELD_BY_LETTERS.get(
        _letters(_BRACKETED.sub("", normalized))
    )


class KeyValueLike(Protocol):
    """One pair as the OCR layer reads it."""

    @property
    def key(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def conf(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class FieldReading:
    """One value read off the certificate; `field` is None for keys the bot does not know."""

    field: CertificateField | None
    key: str
    value: str
    conf: float | None
    low_confidence: bool


@dataclass(frozen=True, slots=True)
class Certificate:
    """Known fields first, in CertificateField order, then the other readings as read."""

    readings: tuple[FieldReading, ...]

    def get(self, field: CertificateField) -> FieldReading | None:
        return next((reading for reading in self.readings if reading.field is field), None)

    @property
    def registration_number(self) -> str | None:
        """The number as read (not validated): the caller checks it with bizno."""
        reading = self.get(CertificateField.REGISTRATION_NUMBER)
        return None if reading is None else reading.value


def _confidence(conf: float | None) -> float | None:
    """NHN's confidence from 0 to 1; None when it gave none, or gave NaN, which ranks nothing.

    >>> _confidence(1.7), _confidence(-0.0), _confidence(float("nan"))
    (1.0, 0.0, None)
    """
    if conf is None or math.isnan(conf):
        return None
    return max(0.0, min(1.0, conf))  # in this order -0.0 becomes 0.0, never "-0%"


def _reading(pair: KeyValueLike, value: str, threshold: float) -> FieldReading:
    conf = _confidence(pair.conf)
    return FieldReading(
        field=field_of(pair.key),
        key=pair.key.strip(),
        value=value,
        conf=conf,
        low_confidence=conf is not None and conf < threshold,
    )


def _rank(reading: FieldReading) -> float:
    # A reading with a confidence beats one without.
    return -math.inf if reading.conf is None else reading.conf


def normalize(key_values: Iterable[KeyValueLike], threshold: float = 0.8) -> Certificate:
    """Name the fields, tidy the values and flag readings below the confidence threshold.

    Empty values are dropped. Confidences are kept within 0 to 1. When a field is
    read twice the more confident reading names it (the earlier on a tie) and the
    other is kept unnamed.

    >>> from collections import namedtuple
    >>> KeyValue = namedtuple("KeyValue", "key value conf")
    >>> certificate = normalize([
    ...     KeyValue("상호", "예시상사", 0.7),
    ...     KeyValue("업태", " ", 0.9),
    ...     KeyValue("상 호", "예시 상사", 0.95),
    ... ])
    >>> [(reading.key, reading.value) for reading in certificate.readings]
    [('상 호', '예시 상사'), ('상호', '예시상사')]
    >>> [reading.field for reading in certificate.readings]
    [<CertificateField.TRADE_NAME: 'trade_name'>, None]
    """
    readings = [
        _reading(pair, value, threshold)
        for pair in key_values
        if (value := " ".join(pair.value.split()))
    ]
    chosen: dict[CertificateField, int] = {}
    for index, reading in enumerate(readings):
        if reading.field is None:
            continue
        best = chosen.get(reading.field)
        if best is None or _rank(reading) > _rank(readings[best]):
            chosen[reading.field] = index
    known = [readings[chosen[field]] for field in CertificateField if field in chosen]
    chosen_indices = set(chosen.values())
    others = [
        replace(reading, field=None)
        for index, reading in enumerate(readings)
        if index not in chosen_indices
    ]
    return Certificate(readings=tuple(known + others))
