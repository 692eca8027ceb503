import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks import ids
from bot.blocks.business import business_result
from bot.domain import certificate
from bot.domain.analysis import BusinessAnalysis, CertificateResult, recognise_number
from bot.domain.authenticity import Authenticity, Details, Verdict
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import Service, Unavailable
from bot.i18n import Language
from fakes.blockkit import limit_violations
from tests.blocks.inert import HOSTILE, LONG, assert_inert


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    conf: float | None = 0.99


CORPORATE = [
    KeyValue("구분", " 법인사업자"),
    KeyValue("등록번호", "220-81-62517"),
    KeyValue("법인명(단체명)", "주식회사 오씨알봇"),
    KeyValue("대표자", "김예시", 0.62),
    KeyValue("개업연월일", "2015년 03월 02일"),
    KeyValue("사업장 소재지", "서울특별시 강남구 테헤란로 123, 4층"),
    KeyValue("업태", "서비스"),
    KeyValue("종목", "소프트웨어 개발"),
    KeyValue("발급사유", "신규"),
]
CLOSED = StatusCheck(
    number="2208162517",
    status=BusinessStatus.CLOSED,
    checked_at=datetime(2024, 5, 1, 5, 3, tzinfo=UTC),
)


def analysis(
    key_values: list[KeyValue] = CORPORATE,
    *,
    status: StatusCheck | None = CLOSED,
    status_error: Unavailable | None = None,
    low_resolution: bool = False,
) -> BusinessAnalysis:
    cert = certificate.normalize(key_values)
    return BusinessAnalysis(
        certificate=cert,
        number=recognise_number(cert.registration_number),
        status=status,
        status_error=status_error,
        low_resolution=low_resolution,
    )


def texts_of(message_blocks: list[dict[str, Any]], kind: str) -> list[str]:
    found = []
    for block in message_blocks:
        if block["type"] != kind:
            continue
        if kind == "section":
            found += [block["text"]["text"]] if "text" in block else []
            found += [field["text"] for field in block.get("fields", [])]
        elif kind == "context":
            found += [element["text"] for element in block["elements"]]
    return found


def test_a_closed_corporation_in_korean() -> None:
    message = business_result(analysis(), Language.KO, file_name="사업자등록증.pdf")
    blocks = message.blocks
    assert blocks[0]["text"]["text"] == "사업자등록증 인식 결과"
    assert texts_of(blocks, "context")[0] == "📄 사업자등록증.pdf"
    sections = texts_of(blocks, "section")
    assert sections[0] == "*등록번호*   220-81-62517  ✅ 올바른 번호"
    assert sections[1].startswith("*사업자 상태*   *🔴 폐업자*\n⚠️ 폐업한 사업자입니다.")
    assert "\n조회 <!date^1714539780^" in sections[1]
    assert sections[2:] == [
        "*구분*\n법인사업자",
        "*상호*\n주식회사 오씨알봇",
        "*대표자*\n김예시\n⚠️ 인식 신뢰도 62%",
        "*개업연월일*\n2015년 03월 02일",
        "*사업장 소재지*\n서울특별시 강남구 테헤란로 123, 4층",
        "*업태*\n서비스",
        "*종목*\n소프트웨어 개발",
        "*발급사유*\n신규",
    ]
    assert "⚠️ 표시된 항목은 인식 신뢰도가 낮습니다. 원본과 대조해 주세요." in texts_of(
        blocks, "context"
    )
    buttons = blocks[-1]
    assert buttons["block_id"] == ids.BUSINESS_ACTIONS_BLOCK
    assert buttons["elements"][0]["action_id"] == ids.RECHECK_STATUS
    assert buttons["elements"][0]["value"] == "2208162517"
    assert buttons["elements"][0]["text"]["text"] == "상태 다시 조회"
    assert message.text == "사업자등록증 인식 결과 · 220-81-62517 · ⚠️ 폐업자 · 주식회사 오씨알봇"
    assert_inert(message)


def test_an_open_business_in_english() -> None:
    open_check = StatusCheck(
        number="2208162517", status=BusinessStatus.VAT_GENERAL, checked_at=CLOSED.checked_at
    )
    message = business_result(analysis(status=open_check), Language.EN, file_name="cert.png")
    sections = texts_of(message.blocks, "section")
    assert message.blocks[0]["text"]["text"] == "Business registration certificate"
    assert sections[0] == "*Registration number*   220-81-62517  ✅ Valid number"
    assert sections[1].startswith("*Business status*   🟢 Open (VAT general)\nChecked <!date^")
    assert "*Representative*\n김예시\n⚠️ Confidence 62%" in sections
    assert "*Trade name*\n주식회사 오씨알봇" in sections
    assert message.blocks[-1]["elements"][0]["text"]["text"] == "Check status again"
    assert_inert(message)


@pytest.mark.parametrize(
    ("number", "lang", "number_text", "status_text"),
    [
        (
            "123-45-67890",
            Language.KO,
            "*등록번호*   123-45-67890  ⚠️ 끝자리가 일반적인 검증 규칙과 맞지 않습니다 "
            "(오인식일 수 있습니다)",
            "*사업자 상태*   등록번호가 올바르지 않아 상태를 조회하지 않았습니다. "
            "사진 속 번호와 대조해 주세요.",
        ),
        (
            "123-45-67890",
            Language.EN,
            "*Registration number*   123-45-67890  ⚠️ The last digit does not match the usual "
            "check-digit rule (perhaps misread)",
            "*Business status*   Not checked: the registration number is not valid. "
            "Compare it with the photo.",
        ),
        (
            "220-81-6251",
            Language.KO,
            "*등록번호*   220-81-6251  ❌ 숫자 10자리가 아닙니다",
            "*사업자 상태*   등록번호가 올바르지 않아 상태를 조회하지 않았습니다. "
            "사진 속 번호와 대조해 주세요.",
        ),
        (
            None,
            Language.KO,
            "*등록번호*   찾지 못함",
            "*사업자 상태*   등록번호를 찾지 못해 상태를 조회하지 않았습니다.",
        ),
        (
            None,
            Language.EN,
            "*Registration number*   Not found",
            "*Business status*   Not checked: no registration number was found.",
        ),
    ],
)
def test_no_lookup_without_a_valid_number_and_no_recheck_button(
    number: str | None, lang: Language, number_text: str, status_text: str
) -> None:
    key_values = [kv for kv in CORPORATE if kv.key != "등록번호"]
    if number is not None:
        key_values.append(KeyValue("등록번호", number))
    message = business_result(analysis(key_values, status=None), lang, file_name="a.jpg")
    sections = texts_of(message.blocks, "section")
    assert sections[:2] == [number_text, status_text]
    assert all(block["type"] != "actions" for block in message.blocks)
    assert_inert(message)


@pytest.mark.parametrize("lang", list(Language))
def test_a_failed_lookup_shows_the_errors_message_and_still_offers_a_recheck(
    lang: Language,
) -> None:
    failed = analysis(
        status=None, status_error=Unavailable("business/status 503", service=Service.NHN)
    )
    message = business_result(failed, lang, file_name="a.jpg")
    expected = {
        Language.KO: "OCR 서비스가 일시적으로 응답하지 않습니다.",
        Language.EN: "The OCR service is temporarily unavailable.",
    }[lang]
    assert expected in texts_of(message.blocks, "section")[1]
    assert message.blocks[-1]["elements"][0]["action_id"] == ids.RECHECK_STATUS


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        (Language.KO, "⚠️ 이미지 해상도가 낮아 잘못 읽은 글자가 있을 수 있습니다."),
        (Language.EN, "⚠️ The image resolution is low, so some characters may be misread."),
    ],
)
def test_low_resolution_is_warned_about(lang: Language, warning: str) -> None:
    message = business_result(analysis(low_resolution=True), lang, file_name="a.jpg")
    assert any(text.startswith(warning) for text in texts_of(message.blocks, "context"))
    assert not any(
        text.startswith(warning)
        for text in texts_of(business_result(analysis(), lang, file_name="a.jpg").blocks, "context")
    )


def test_a_low_confidence_registration_number_is_flagged() -> None:
    key_values = [kv for kv in CORPORATE if kv.key != "등록번호"] + [
        KeyValue("등록번호", "220-81-62517", 0.41)
    ]
    message = business_result(analysis(key_values), Language.KO, file_name="a.jpg")
    assert texts_of(message.blocks, "section")[0] == (
        "*등록번호*   220-81-62517  ✅ 올바른 번호\n⚠️ 인식 신뢰도 41%"
    )


def test_nothing_read_says_what_to_do() -> None:
    message = business_result(analysis([], status=None), Language.KO, file_name="a.jpg")
    assert "읽어 낸 항목이 없습니다. 문서 전체가 보이도록 다시 찍어 올려 주세요." in texts_of(
        message.blocks, "section"
    )
    assert_inert(message)


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("hostile", [HOSTILE, LONG, "&lt;", "<https://evil.example|국민은행>"])
def test_hostile_keys_values_and_file_names_render_inert(lang: Language, hostile: str) -> None:
    key_values = [
        KeyValue("등록번호", hostile),
        KeyValue("상호", hostile),
        KeyValue(hostile, hostile),
        KeyValue("종목", hostile, 0.1),
    ]
    message = business_result(analysis(key_values, status=None), lang, file_name=hostile)
    assert_inert(message)


def test_sixty_readings_stay_within_fifty_blocks_and_every_limit() -> None:
    key_values = CORPORATE + [KeyValue(f"항목 {n}", f"값 {n} " + "가" * 300) for n in range(60)]
    message = business_result(analysis(key_values), Language.KO, file_name="a.pdf")
    assert len(message.blocks) <= 50
    assert limit_violations(message.blocks) == []
    assert message.blocks[-1]["elements"][0]["action_id"] == ids.RECHECK_STATUS
    assert any(
        text.startswith("*항목 0*\n값 0 가가") for text in texts_of(message.blocks, "section")
    )
    assert_inert(message)


def test_sixty_very_long_readings_end_with_a_notice_and_keep_the_button() -> None:
    key_values = CORPORATE + [KeyValue(f"항목 {n}", LONG) for n in range(60)]
    message = business_result(analysis(key_values), Language.EN, file_name="a.pdf")
    assert limit_violations(message.blocks) == []
    assert message.blocks[-2]["block_id"] == ids.MORE_BLOCK
    assert message.blocks[-2]["elements"][0]["text"].startswith("… and ")
    assert message.blocks[-1]["elements"][0]["action_id"] == ids.RECHECK_STATUS
    assert_inert(message)


def action_elements(message_blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for block in message_blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


@pytest.mark.parametrize(
    ("lang", "read_as", "label"),
    [
        (Language.KO, "220-81-62517", "관심 거래처로 등록"),
        (Language.EN, "220 81 62517", "Watch"),
        (Language.KO, "2208162517", "관심 거래처로 등록"),
    ],
)
def test_a_valid_number_offers_watch_beside_recheck(
    lang: Language, read_as: str, label: str
) -> None:
    key_values = [kv for kv in CORPORATE if kv.key != "등록번호"] + [KeyValue("등록번호", read_as)]
    message = business_result(analysis(key_values), lang, file_name="a.jpg")
    recheck, watch = message.blocks[-1]["elements"]
    assert recheck["action_id"] == ids.RECHECK_STATUS
    assert watch["type"] == "button"
    assert watch["action_id"] == ids.WATCH_BUSINESS
    assert watch["value"] == "2208162517"  # the ten digits, whatever spacing was read
    assert watch["text"]["text"] == label
    assert [e["action_id"] for e in action_elements(message.blocks)].count(ids.WATCH_BUSINESS) == 1


def test_a_failed_lookup_still_offers_watch() -> None:
    failed = analysis(
        status=None, status_error=Unavailable("business/status 503", service=Service.NHN)
    )
    message = business_result(failed, Language.KO, file_name="a.jpg")
    watch = message.blocks[-1]["elements"][1]
    assert (watch["action_id"], watch["value"]) == (ids.WATCH_BUSINESS, "2208162517")


@pytest.mark.parametrize("read_as", [None, "123-45-67890", "220-81-6251", "사업자번호 없음"])
def test_no_watch_button_without_a_valid_number(read_as: str | None) -> None:
    key_values = [kv for kv in CORPORATE if kv.key != "등록번호"]
    if read_as is not None:
        key_values.append(KeyValue("등록번호", read_as))
    message = business_result(analysis(key_values, status=None), Language.EN, file_name="a.jpg")
    assert all(e["action_id"] != ids.WATCH_BUSINESS for e in action_elements(message.blocks))
    assert "Watch" not in str(message.blocks)


@pytest.mark.parametrize("count", [5, 12])
def test_every_certificate_of_a_long_pdf_keeps_its_number_status_and_verdict(count: int) -> None:
    long_values = [
        KeyValue(kv.key, (kv.value + " ") * 40) if kv.key not in ("등록번호", "개업연월일") else kv
        for kv in CORPORATE
    ]
    cert = certificate.normalize(long_values)
    check = Authenticity(
        Details("2208162517", "20150302", ("김예시",), "주식회사"), Verdict.MISMATCH
    )
    results = [
        CertificateResult(
            certificate=cert,
            number=recognise_number(cert.registration_number),
            status=CLOSED,
            status_error=None,
            low_resolution=False,
            authenticity=check,
            page=page,
        )
        for page in range(2, count + 1)
    ]
    first = analysis(long_values)
    pack = dataclasses.replace(first, authenticity=check, shown_page=1, more=tuple(results))

    message = business_result(pack, Language.EN, file_name="pack.pdf")

    assert limit_violations(message.blocks) == []
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert shown.count("220-81-62517") >= count
    assert shown.count("Closed") >= count
    assert shown.count("Does not match the National Tax Service register") == count
    for page in range(2, count + 1):
        assert f"📄 Page {page}*" in shown
    assert "not shown: the message would be too long" not in shown
    assert_inert(message)
