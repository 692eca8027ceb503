"""Plain-text and JSON renderings of analysis results for the terminal."""

from typing import Any

from bot.blocks.authenticity import failure_reason
from bot.blocks.errors import explain
from bot.domain import bizno
from bot.domain.analysis import (
    Analysis,
    BusinessAnalysis,
    CardAnalysis,
    CertificateResult,
    PageReading,
)
from bot.domain.authenticity import Authenticity, Verdict, shown_date
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import BotError, UpstreamError
from bot.i18n import Language, Text

LOW_RESOLUTION = Text(
    ko="해상도가 낮아 인식이 부정확할 수 있습니다. 더 선명한 사진을 올려 주세요.",
    en="The image resolution is low, so the reading may be wrong. Try a sharper photo.",
)
CHECKSUM_OK = Text(ko="검증번호 일치", en="check digit OK")
CHECKSUM_BAD = Text(
    ko="끝자리가 일반적인 검증 규칙과 맞지 않음: 오인식일 수 있음",
    en="the last digit does not match the usual check-digit rule: perhaps misread",
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
AUTHENTICITY = Text(ko="진위확인", en="Authenticity")
VERDICTS = {
    Verdict.MATCH: Text(ko="국세청 등록 정보와 일치", en="matches the NTS register"),
    Verdict.NAME_DIFFERS: Text(
        ko="등록번호·개업연월일·대표자는 일치, 상호는 불일치: 상호를 원본과 대조하세요",
        en="number, opening date and representative match, the company name does not: "
        "compare the name with the original",
    ),
    Verdict.MISMATCH: Text(
        ko="국세청 등록 정보와 불일치: 잘못 읽은 글자일 수 있으니 원본과 대조하세요",
        en="does not match the NTS register: a misread can cause this, compare with the original",
    ),
}
NOT_CHECKED = Text(ko="확인하지 못함", en="not checked")
NOT_READ = Text(ko="읽지 못함", en="not read")
COMPARED = Text(ko="대조한 항목", en="Compared")
AUTHENTICITY_OFF = Text(
    ko="진위확인은 하지 않았습니다 (NTS_SERVICE_KEY를 설정하면 켜집니다).",
    en="Authenticity not checked (set NTS_SERVICE_KEY to turn it on).",
)
PAGE = Text(ko="── {page}쪽 ──", en="── Page {page} ──")
PAGE_WITHOUT_NUMBER = Text(
    ko="{page}쪽: 항목 {fields}개, 등록번호 없음", en="Page {page}: {fields} fields, no number"
)
PAGE_FAILED = Text(ko="{page}쪽: 읽지 못함", en="Page {page}: could not be read")
PAGES_SKIPPED = Text(
    ko="{first}–{total}쪽은 읽지 않았습니다 (MAX_PDF_PAGES).",
    en="Pages {first}–{total} were not read (MAX_PDF_PAGES).",
)
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
    blocks = []
    several = len(analysis.results) > 1 or bool(analysis.pages)
    for result in analysis.results:
        lines = [PAGE.format(page=result.page)(lang)] if several and result.page else []
        lines += _render_certificate(result, lang)
        blocks.append("\n".join(lines))
    notes = [
        _page_line(page, lang)
        for page in analysis.pages
        if page.page not in {result.page for result in analysis.results}
    ]
    if analysis.pages_total > len(analysis.pages):
        skipped = PAGES_SKIPPED.format(first=len(analysis.pages) + 1, total=analysis.pages_total)
        notes.append(skipped(lang))
    if analysis.authenticity_off:
        notes.append(AUTHENTICITY_OFF(lang))
    return "\n\n".join(blocks + (["\n".join(notes)] if notes else []))


def _page_line(page: PageReading, lang: Language) -> str:
    if page.error is not None:
        return PAGE_FAILED.format(page=page.page)(lang)
    return PAGE_WITHOUT_NUMBER.format(page=page.page, fields=page.fields)(lang)


def _render_certificate(result: CertificateResult, lang: Language) -> list[str]:
    lines = []
    for reading in result.certificate.readings:
        label = reading.field.label(lang) if reading.field else reading.key
        flag = f"  ({LOW_CONFIDENCE(lang)} {reading.conf:.2f})" if reading.low_confidence else ""
        lines.append(f"{label}: {reading.value}{flag}")
    number = result.number
    if number is None:
        lines.append(NUMBER_NOT_FOUND(lang))
    else:
        verdict = CHECKSUM_OK if number.checksum_ok else CHECKSUM_BAD
        lines.append(f"→ {number.text}  {verdict(lang)}")
    if result.status is not None:
        lines.append(f"{STATUS(lang)}: {render_status(result.status, lang)}")
    if result.status_error is not None:
        lines.append(f"{STATUS_FAILED(lang)}: {explain(result.status_error)(lang)}")
    if result.authenticity is not None:
        lines += render_authenticity(result.authenticity, lang)
    if result.low_resolution:
        lines.append(LOW_RESOLUTION(lang))
    return lines


def render_authenticity(check: Authenticity, lang: Language) -> list[str]:
    """The verdict, and each detail compared as it was sent."""
    if check.error is not None:
        said = f"{NOT_CHECKED(lang)}: {failure_reason(check.error)(lang)}"
    elif check.verdict is None:
        missing = ", ".join(field.label(lang) for field in check.missing)
        said = f"{NOT_CHECKED(lang)}: {missing} {NOT_READ(lang)}"
    else:
        said = VERDICTS[check.verdict](lang)
    lines = [f"{AUTHENTICITY(lang)}: {said}"]
    if check.verdict is not None:
        details = check.details
        compared = [
            bizno.format(details.number) if details.number else "",
            shown_date(details.opened) if details.opened else "",
            ", ".join(details.representatives),
            details.name,
        ]
        lines.append(f"  {COMPARED(lang)}: {' / '.join(value for value in compared if value)}")
    return lines


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


def error_json(error: BotError, lang: Language) -> dict[str, Any]:
    service = error.service.value if isinstance(error, UpstreamError) else None
    return {
        "kind": type(error).__name__,
        "service": service,
        "code": error.code,  # the service's own code, or the rule's
        "retryable": error.retryable,
        "message": explain(error)(lang),
    }


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
    first = _certificate_json(analysis.results[0], lang)
    shown = {result.page for result in analysis.results}
    pages = [
        _certificate_json(result, lang) for result in analysis.results if result.page is not None
    ] + [
        {
            "page": page.page,
            "fields_read": page.fields,
            "registration_number": None,
            "error": error_json(page.error, lang) if page.error else None,
        }
        for page in analysis.pages
        if page.page not in shown
    ]
    return {
        "kind": "business",
        **first,
        # Every page read, in page order; a single image is page 1.
        "pages": sorted(pages, key=lambda page: page["page"]) if pages else [first | {"page": 1}],
        "pages_total": analysis.pages_total or 1,
        "authenticity_checked": not analysis.authenticity_off,
    }


def authenticity_json(check: Authenticity, lang: Language) -> dict[str, Any]:
    details = check.details
    return {
        "verdict": check.verdict.value if check.verdict else None,
        "compared": {
            "number": details.number,
            "opened": details.opened,
            "representatives": list(details.representatives),
            "name": details.name or None,
        },
        "missing": [field.value for field in check.missing],
        "error": (
            {**error_json(check.error, lang), "message": failure_reason(check.error)(lang)}
            if check.error
            else None
        ),
    }


def _certificate_json(result: CertificateResult, lang: Language) -> dict[str, Any]:
    return {
        "page": result.page,
        "fields": [
            {
                "field": r.field.value if r.field else None,
                "key": r.key,
                "value": r.value,
                "conf": r.conf,
                "low_confidence": r.low_confidence,
            }
            for r in result.certificate.readings
        ],
        "registration_number": (
            {
                "text": result.number.text,
                "digits": result.number.digits,
                "checksum_ok": result.number.checksum_ok,
            }
            if result.number
            else None
        ),
        "status": status_json(result.status, lang) if result.status else None,
        "status_error": error_json(result.status_error, lang) if result.status_error else None,
        "authenticity": (
            authenticity_json(result.authenticity, lang) if result.authenticity else None
        ),
        "low_resolution": result.low_resolution,
    }
