from dataclasses import FrozenInstanceError, dataclass

import pytest
from pydantic import BaseModel

from bot.domain.certificate import (
    Certificate,
    CertificateField,
    FieldReading,
    KeyValueLike,
    field_of,
    normalize,
)


@dataclass(frozen=True)
class Pair:
    key: str
    value: str
    conf: float | None = 0.99


class OcrKeyValue(BaseModel):
    """Shaped like the OCR layer's model, which KeyValueLike must accept as it is."""

    key: str
    value: str
    conf: float | None = None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("구분", CertificateField.TYPE),
        ("등록번호", CertificateField.REGISTRATION_NUMBER),
        ("사업자등록번호", CertificateField.REGISTRATION_NUMBER),
        ("등록번호 :", CertificateField.REGISTRATION_NUMBER),
        ("상호", CertificateField.TRADE_NAME),
        ("상 호", CertificateField.TRADE_NAME),
        ("상호명", CertificateField.TRADE_NAME),
        ("법인명(단체명)", CertificateField.TRADE_NAME),
        ("법인명 ( 단체명 ) :", CertificateField.TRADE_NAME),
        ("법인명（단체명）", CertificateField.TRADE_NAME),  # full-width brackets
        ("상호(법인명)", CertificateField.TRADE_NAME),
        ("대표자", CertificateField.REPRESENTATIVE),
        ("성 명", CertificateField.REPRESENTATIVE),
        ("대표자명", CertificateField.REPRESENTATIVE),
        ("개업연월일", CertificateField.OPENING_DATE),
        ("개 업 연 월 일", CertificateField.OPENING_DATE),
        ("개업일", CertificateField.OPENING_DATE),
        ("사업장 소재지", CertificateField.ADDRESS),
        ("사업장소재지", CertificateField.ADDRESS),
        ("사업장 소재지 :", CertificateField.ADDRESS),
        ("주소", CertificateField.ADDRESS),
        ("[주소]", CertificateField.ADDRESS),
        ("본점 소재지", CertificateField.HEAD_OFFICE),
        ("본점소재지:", CertificateField.HEAD_OFFICE),
        ("업태", CertificateField.BUSINESS_TYPE),
        ("업 태.", CertificateField.BUSINESS_TYPE),
        ("종목", CertificateField.ITEM),
        ("종목：", CertificateField.ITEM),  # full-width colon
        ("법인등록번호", CertificateField.CORPORATE_NUMBER),
        ("법인 등록 번호", CertificateField.CORPORATE_NUMBER),
        ("  법인등록번호 : ", CertificateField.CORPORATE_NUMBER),
        # Not fields the bot knows:
        ("주민등록번호", None),
        ("대표자 주민등록번호", None),
        ("생년월일", None),
        ("발급사유", None),
        ("소재", None),
        ("등록", None),
        ("", None),
        (" : ", None),
    ],
)
def test_field_of(key: str, expected: CertificateField | None) -> None:
    assert field_of(key) is expected


@pytest.mark.parametrize("field", list(CertificateField))
def test_every_field_has_labels_and_is_found_by_its_korean_label(field: CertificateField) -> None:
    assert field.label.ko
    assert field.label.en
    assert field_of(field.label.ko) is field


@pytest.mark.parametrize(
    ("raw_value", "value"),
    [
        (" 간이과세자", "간이과세자"),
        ("서울특별시  강남구\n테헤란로 1", "서울특별시 강남구 테헤란로 1"),
        ("\t주식회사 예시\u3000", "주식회사 예시"),
    ],
)
def test_values_are_trimmed_and_inner_whitespace_collapsed(raw_value: str, value: str) -> None:
    reading = normalize([Pair(" 업태 ", raw_value)]).readings[0]
    assert reading.value == value
    assert reading.key == "업태"


@pytest.mark.parametrize("raw_value", ["", " ", "\n\t"])
def test_empty_values_are_dropped(raw_value: str) -> None:
    certificate = normalize([Pair("상호", raw_value), Pair("발급사유", raw_value)])
    assert certificate.readings == ()
    assert certificate.get(CertificateField.TRADE_NAME) is None


@pytest.mark.parametrize(
    ("conf", "threshold", "low"),
    [
        (0.79, 0.8, True),
        (0.8, 0.8, False),
        (1.0, 0.8, False),
        (0.0, 0.8, True),
        (None, 0.8, False),  # no confidence reported is not low confidence
        (0.5, 0.5, False),
        (0.49, 0.5, True),
    ],
)
def test_low_confidence(conf: float | None, threshold: float, low: bool) -> None:
    reading = normalize([Pair("종목", "소프트웨어 개발", conf)], threshold=threshold).readings[0]
    assert reading.low_confidence is low
    assert reading.conf == conf


def test_known_fields_in_enum_order_then_unknown_keys_as_read() -> None:
    certificate = normalize(
        [
            Pair("발급사유", "신규"),
            Pair("종목", "소프트웨어 개발"),
            Pair("교부번호", "1234"),
            Pair("등록번호", "220-81-62517"),
            Pair("구분", " 법인사업자"),
            Pair("성명", "홍길동"),
        ]
    )
    assert [(reading.field, reading.key) for reading in certificate.readings] == [
        (CertificateField.TYPE, "구분"),
        (CertificateField.REGISTRATION_NUMBER, "등록번호"),
        (CertificateField.REPRESENTATIVE, "성명"),
        (CertificateField.ITEM, "종목"),
        (None, "발급사유"),
        (None, "교부번호"),
    ]


@pytest.mark.parametrize(
    ("first_conf", "second_conf", "winner", "unknown"),
    [
        (0.7, 0.95, "second", ["first", "신규"]),
        (0.95, 0.7, "first", ["신규", "second"]),
        (0.9, 0.9, "first", ["신규", "second"]),  # a tie keeps the earlier reading
        (None, 0.3, "second", ["first", "신규"]),  # a confidence beats none
        (0.3, None, "first", ["신규", "second"]),
        (None, None, "first", ["신규", "second"]),
    ],
)
def test_a_field_read_twice_keeps_both_readings(
    first_conf: float | None, second_conf: float | None, winner: str, unknown: list[str]
) -> None:
    certificate = normalize(
        [
            Pair("상호", "first", first_conf),
            Pair("발급사유", "신규"),
            Pair("상 호", "second", second_conf),
        ]
    )
    trade_name = certificate.get(CertificateField.TRADE_NAME)
    assert trade_name is not None
    assert trade_name.value == winner
    # The other reading is kept, unnamed, in its original place among the unknown keys.
    assert [reading.value for reading in certificate.readings[1:]] == unknown
    assert all(reading.field is None for reading in certificate.readings[1:])


def test_registration_number_is_the_raw_value() -> None:
    certificate = normalize([Pair("사업자 등록번호 :", " 220-81-62517 ")])
    assert certificate.registration_number == "220-81-62517"


def test_registration_number_is_not_the_corporate_number() -> None:
    certificate = normalize([Pair("법인등록번호", "110111-1234567")])
    assert certificate.registration_number is None
    reading = certificate.get(CertificateField.CORPORATE_NUMBER)
    assert reading is not None
    assert reading.value == "110111-1234567"


def test_an_empty_certificate() -> None:
    certificate = normalize([])
    assert certificate == Certificate(readings=())
    assert certificate.registration_number is None


def test_accepts_a_pydantic_model_as_a_key_value() -> None:
    pairs: list[KeyValueLike] = [
        OcrKeyValue(key="구분", value=" 간이과세자", conf=0.93),
        OcrKeyValue(key="등록번호", value="123-45-67890", conf=1),
        OcrKeyValue(key="상호", value="예시"),
    ]
    certificate = normalize(pairs)
    assert certificate.readings == (
        FieldReading(CertificateField.TYPE, "구분", "간이과세자", 0.93, low_confidence=False),
        FieldReading(CertificateField.REGISTRATION_NUMBER, "등록번호", "123-45-67890", 1.0, False),
        FieldReading(CertificateField.TRADE_NAME, "상호", "예시", None, low_confidence=False),
    )


def test_readings_and_certificates_are_immutable() -> None:
    certificate = normalize([Pair("상호", "예시")])
    with pytest.raises(FrozenInstanceError):
        certificate.readings[0].value = "changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        certificate.readings = ()  # type: ignore[misc]
