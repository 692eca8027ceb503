"""Plain-text and JSON renderings of analysis results for the terminal."""

from typing import Any

from bot.domain import bizno
from bot.domain.status import BusinessStatus
from bot.errors import UserFacingError
from bot.i18n import Language, Text
from bot.services.analysis import Analysis, BusinessAnalysis, CardAnalysis, StatusCheck

LOW_RESOLUTION = Text(
    ko="해상도가 낮아 인식이 부정확할 수 있습니다. 더 선명한 사진을 올려 주세요.",
    en="The image resolution is low, so the reading may be wrong. Try a sharper photo.",
)
CHECKSUM_OK = Text(ko="검증번호 일치", en="check digit OK")
CHECKSUM_BAD = Text(
    ko="검증번호 불일치: 오인식이거나 잘못된 번호", en="check digit fails: misread or invalid"
)
LOW_CONFIDENCE = Text(ko="확인 필요", en="check")
STATUS = Text(ko="상태", en="Status")
STATUS_FAILED = Text(ko="상태 조회 실패", en="Status lookup failed")
NUMBER_NOT_FOUND = Text(ko="등록번호를 찾지 못했습니다.", en="No registration number was found.")
CARD_NUMBER = Text(ko="카드번호", en="Card number")
BRAND = Text(ko="브랜드", en="Brand")
EXPIRY = Text(ko="유효기간", en="Valid thru")
EXPIRED = Text(ko="만료됨", en="expired")
LUHN_OK = Text(ko="Luhn 검사 통과", en="Luhn check passed")
LUHN_BAD = Text(ko="Luhn 검사 실패: 오인식일 수 있습니다", en="Luhn check failed: likely misread")
NOT_FOUND = Text(ko="인식 실패", en="not recognised")
CHECK_DIGIT_DIFFERS = Text(
    ko="(검증번호가 흔히 쓰는 규칙과 다름)", en="(check digit differs from the usual rule)"
)


def render_status(check: StatusCheck, lang: Language) -> str:
    line = f"{bizno.format(check.number)}  {check.status.value} {check.status.label(lang)}"
    if not bizno.checksum_ok(check.number):
        line += f"  {CHECK_DIGIT_DIFFERS(lang)}"
    return line


def render_change(
    number: str, label: str | None, old_code: str, new: BusinessStatus, lang: Language
) -> str:
    """A watch whose status changed: `220-81-62517 (label)  01 ... -> 06 ...`.

    >>> render_change("1248100998", "한빛", "01", BusinessStatus.CLOSED, Language.EN)
    '124-81-00998 (한빛)  01 Open (VAT general) -> 06 Closed'
    """
    old = BusinessStatus.from_code(old_code)
    named = f" ({label})" if label else ""
    return (
        f"{bizno.format(number)}{named}  {old.value} {old.label(lang)} -> "
        f"{new.value} {new.label(lang)}"
    )


def render(analysis: Analysis, lang: Language) -> str:
    if isinstance(analysis, CardAnalysis):
        return _render_card(analysis, lang)
    return _render_business(analysis, lang)


def _render_business(analysis: BusinessAnalysis, lang: Language) -> str:
    lines = []
    for reading in analysis.certificate.readings:
        label = reading.field.label(lang) if reading.field else reading.key
        flag = f"  ({LOW_CONFIDENCE(lang)} {reading.conf:.2f})" if reading.low_confidence else ""
        lines.append(f"{label}: {reading.value}{flag}")
    number = analysis.number
    if number is None:
        lines.append(NUMBER_NOT_FOUND(lang))
    else:
        verdict = CHECKSUM_OK if number.checksum_ok else CHECKSUM_BAD
        lines.append(f"→ {number.text}  {verdict(lang)}")
    if analysis.status is not None:
        lines.append(f"{STATUS(lang)}: {render_status(analysis.status, lang)}")
    if analysis.status_error is not None:
        lines.append(f"{STATUS_FAILED(lang)}: {analysis.status_error.user_message(lang)}")
    if analysis.low_resolution:
        lines.append(LOW_RESOLUTION(lang))
    return "\n".join(lines)


def _render_card(analysis: CardAnalysis, lang: Language) -> str:
    number = analysis.number
    lines = [f"{CARD_NUMBER(lang)}: {number.masked() if number else NOT_FOUND(lang)}"]
    if number is not None:
        lines.append(f"{BRAND(lang)}: {number.brand.label(lang)}")
        lines.append((LUHN_OK if number.luhn_valid else LUHN_BAD)(lang))
    if analysis.expiry is not None:
        expired = f" ({EXPIRED(lang)})" if analysis.expired else ""
        lines.append(f"{EXPIRY(lang)}: {analysis.expiry.display}{expired}")
    if analysis.low_resolution:
        lines.append(LOW_RESOLUTION(lang))
    return "\n".join(lines)


def error_json(error: UserFacingError, lang: Language) -> dict[str, Any]:
    code = getattr(error, "code", None)  # OCR and NTS errors carry the service's own code
    return {"code": code, "retryable": error.retryable, "message": error.user_message(lang)}


def status_json(check: StatusCheck, lang: Language) -> dict[str, Any]:
    return {
        "number": check.number,
        "code": check.status.value,
        "label": check.status.label(lang),
        "alert": check.status.is_alert,
        "checked_at": check.checked_at.isoformat(),
        "check_digit_ok": bizno.checksum_ok(check.number),
    }


def analysis_json(analysis: Analysis, lang: Language) -> dict[str, Any]:
    if isinstance(analysis, CardAnalysis):
        number = analysis.number
        return {
            "kind": "card",
            "number": number.masked() if number else None,
            "last4": number.last4 if number else None,
            "brand": number.brand.value if number else None,
            "luhn_valid": number.luhn_valid if number else None,
            "expiry": analysis.expiry.display if analysis.expiry else None,
            "expired": analysis.expired,
            "low_resolution": analysis.low_resolution,
        }
    return {
        "kind": "business",
        "fields": [
            {
                "field": r.field.value if r.field else None,
                "key": r.key,
                "value": r.value,
                "conf": r.conf,
                "low_confidence": r.low_confidence,
            }
            for r in analysis.certificate.readings
        ],
        "registration_number": (
            {
                "text": analysis.number.text,
                "digits": analysis.number.digits,
                "checksum_ok": analysis.number.checksum_ok,
            }
            if analysis.number
            else None
        ),
        "status": status_json(analysis.status, lang) if analysis.status else None,
        "status_error": error_json(analysis.status_error, lang) if analysis.status_error else None,
        "low_resolution": analysis.low_resolution,
    }
