"""The reply to a business registration certificate: what was read, the status and the
authenticity; for a PDF, one result per page that holds a registration number."""

from bot.blocks import ids
from bot.blocks.authenticity import (
    LABEL as AUTHENTICITY,
)
from bot.blocks.authenticity import (
    correct_button,
    not_checked_note,
    short_verdict,
    verdict_text,
)
from bot.blocks.elements import (
    EMPTY,
    NAME_CHARS,
    VALUE_CHARS,
    Block,
    actions,
    button,
    context,
    divider,
    fields,
    file_line,
    header,
    section,
)
from bot.blocks.errors import explain
from bot.blocks.limits import BLOCKS_JSON_CHARS, MAX_BLOCKS, json_chars
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import date, escape, literal, plain
from bot.blocks.status import CHECKED_AT, status_line, watch_button
from bot.domain.analysis import BusinessAnalysis, CertificateResult, RecognisedNumber
from bot.domain.authenticity import Authenticity
from bot.domain.certificate import CertificateField, FieldReading
from bot.i18n import Language, Text

_TITLE = Text(ko="사업자등록증 인식 결과", en="Business registration certificate")
_NUMBER = Text(ko="등록번호", en="Registration number")
_STATUS = Text(ko="사업자 상태", en="Business status")
_NUMBER_OK = Text(ko="✅ 올바른 번호", en="✅ Valid number")
_NUMBER_BAD_CHECKSUM = Text(
    ko="⚠️ 끝자리가 일반적인 검증 규칙과 맞지 않습니다 (오인식일 수 있습니다)",
    en="⚠️ The last digit does not match the usual check-digit rule (perhaps misread)",
)
_NUMBER_IMPOSSIBLE = Text(
    ko="❌ 세무서가 발급하지 않는 번호입니다 (오인식일 수 있으니 원본과 대조하세요). "
    "조회하지 않았습니다",
    en="❌ No tax office issues such a number (perhaps misread: compare with the original); "
    "not looked up",
)
_NUMBER_BAD_LENGTH = Text(ko="❌ 숫자 10자리가 아닙니다", en="❌ Not 10 digits")
_NUMBER_MISSING = Text(ko="찾지 못함", en="Not found")
_NOT_CHECKED_MISSING = Text(
    ko="등록번호를 찾지 못해 상태를 조회하지 않았습니다.",
    en="Not checked: no registration number was found.",
)
_NOT_CHECKED_INVALID = Text(
    ko="등록번호가 올바르지 않아 상태를 조회하지 않았습니다. 사진 속 번호와 대조해 주세요.",
    en="Not checked: the registration number is not valid. Compare it with the photo.",
)
_CONFIDENCE = Text(ko="⚠️ 인식 신뢰도 {percent}", en="⚠️ Confidence {percent}")
_LOW_CONFIDENCE_NOTE = Text(
    ko="⚠️ 표시된 항목은 인식 신뢰도가 낮습니다. 원본과 대조해 주세요.",
    en="⚠️ Flagged fields were read with low confidence: compare them with the original.",
)
_LOW_RESOLUTION = Text(
    ko="⚠️ 이미지 해상도가 낮아 잘못 읽은 글자가 있을 수 있습니다. "
    "가능하면 더 선명한 사진이나 PDF로 올려 주세요.",
    en="⚠️ The image resolution is low, so some characters may be misread. "
    "A sharper photo or a PDF works better.",
)
_NOTHING_READ = Text(
    ko="읽어 낸 항목이 없습니다. 문서 전체가 보이도록 다시 찍어 올려 주세요.",
    en="Nothing could be read. Retake the photo showing the whole certificate.",
)
_PAGES = Text(
    ko="📄 PDF {total}쪽 중 {read}쪽을 한 쪽씩 읽었습니다.",
    en="📄 Read {read} of the PDF's {total} pages, one by one.",
)
_PAGE_NUMBER = Text(
    ko="{page}쪽: 등록번호와 항목 {fields}개",
    en="Page {page}: the registration number and {fields} fields",
)
_PAGE_FIELDS = Text(
    ko="{page}쪽: 항목 {fields}개 (등록번호 없음)",
    en="Page {page}: {fields} fields, no registration number",
)
_PAGE_EMPTY = Text(ko="{page}쪽: 읽은 항목 없음", en="Page {page}: nothing read")
_PAGE_FAILED = Text(ko="{page}쪽: 읽지 못함", en="Page {page}: could not be read")
_PAGE_SHOWN = Text(ko="← 아래 항목", en="← the fields below")
_PAGES_SKIPPED = Text(
    ko="{first}–{total}쪽은 읽지 않았습니다 (MAX_PDF_PAGES).",
    en="Pages {first}–{total} were not read (MAX_PDF_PAGES).",
)
_RECHECK = Text(ko="상태 다시 조회", en="Check status again")
_PAGE = Text(ko="📄 {page}쪽", en="📄 Page {page}")
_FOLDED = Text(
    ko="항목 {fields}개는 메시지 길이 제한으로 접었습니다. 원본 {page}쪽을 보세요.",
    en="{fields} fields folded to fit Slack's message size: see page {page} of the original.",
)


def business_result(analysis: BusinessAnalysis, lang: Language, *, file_name: str) -> Message:
    first, *more = analysis.results
    blocks: list[Block] = [
        header(_TITLE(lang)),
        context(file_line(file_name)),
        section(f"*{_NUMBER(lang)}*   {_number_text(first, lang)}"),
        section(f"*{_STATUS(lang)}*   {_status_text(first, lang)}"),
    ]
    if first.authenticity is not None:
        verdict = _authenticity_text(first.authenticity, first, lang)
        blocks.append(section(f"*{AUTHENTICITY(lang)}*   {verdict}"))
    if analysis.low_resolution:
        blocks.append(context(_LOW_RESOLUTION(lang)))
    if analysis.pages:
        blocks.append(context(_pages_text(analysis, lang)))
    blocks.append(divider())
    blocks += _fields_blocks(first, lang)
    # One Watch button per number: a PDF may hold two copies of one certificate.
    watched = {_valid_digits(first.number)}
    later = [_Later(result, position, watched, lang) for position, result in enumerate(more, 1)]
    closing = _closing_actions(first, lang)
    note = [context(not_checked_note(lang))] if analysis.authenticity_off else []
    # Fold the fields of later certificates, last first, then their buttons, until the
    # whole fits: their number, status and authenticity always stay.
    for fold in (_Later.fold, _Later.drop_buttons):
        for part in reversed(later):
            if _fits(blocks + [b for p in later for b in p.blocks] + note + closing):
                break
            fold(part, lang)
    for part in later:
        blocks += part.blocks
    return compose(_fallback(analysis, lang), blocks + note + closing, lang)


def _fits(blocks: list[Block]) -> bool:
    return len(blocks) <= MAX_BLOCKS and json_chars(blocks) <= BLOCKS_JSON_CHARS


def _fields_blocks(result: CertificateResult, lang: Language) -> list[Block]:
    readings = [
        reading
        for reading in result.certificate.readings
        if reading.field is not CertificateField.REGISTRATION_NUMBER
    ]
    if not readings:
        return [section(_NOTHING_READ(lang))]
    blocks = [fields([_field_text(reading, lang) for reading in readings])]
    if any(reading.low_confidence for reading in result.certificate.readings):
        blocks.append(context(_LOW_CONFIDENCE_NOTE(lang)))
    return blocks


class _Later:
    """The blocks of a certificate after the first in a PDF, whose fields may be folded."""

    def __init__(
        self, result: CertificateResult, position: int, watched: set[str | None], lang: Language
    ) -> None:
        self.result = result
        summary = [
            f"*{_PAGE.format(page=result.page)(lang)}*",
            f"*{_NUMBER(lang)}*   {_number_text(result, lang)}",
            f"*{_STATUS(lang)}*   {_status_text(result, lang)}",
        ]
        if result.authenticity is not None:
            verdict = _authenticity_text(result.authenticity, result, lang)
            summary.append(f"*{AUTHENTICITY(lang)}*   {verdict}")
        self.head = [divider(), section("\n".join(summary))]
        self.fields = _fields_blocks(result, lang)
        buttons = []
        digits = _valid_digits(result.number)
        if digits is not None and digits not in watched:
            watched.add(digits)
            buttons.append(watch_button(digits, lang, one_of_several=True))
        if result.authenticity is not None and result.authenticity.doubtful:
            action_id = ids.per_number(ids.CORRECT_DETAILS, str(position))
            buttons.append(
                correct_button(result.authenticity, result.certificate, lang, action_id=action_id)
            )
        block_id = f"{ids.CERTIFICATE_ACTIONS_BLOCK}.{position}"
        self.actions = [actions(block_id, *buttons)] if buttons else []

    @property
    def blocks(self) -> list[Block]:
        return self.head + self.fields + self.actions

    def fold(self, lang: Language) -> None:
        count = len(self.result.certificate.readings)
        self.fields = [context(_FOLDED.format(fields=count, page=self.result.page)(lang))]

    def drop_buttons(self, lang: Language) -> None:
        self.actions = []


def _closing_actions(first: CertificateResult, lang: Language) -> list[Block]:
    buttons = []
    digits = _valid_digits(first.number)
    if digits is not None:
        buttons += [
            button(_RECHECK(lang), action_id=ids.RECHECK_STATUS, value=digits),
            watch_button(digits, lang),
        ]
    if first.authenticity is not None and first.authenticity.doubtful:
        buttons.append(
            correct_button(
                first.authenticity, first.certificate, lang, action_id=ids.CORRECT_DETAILS
            )
        )
    return [actions(ids.BUSINESS_ACTIONS_BLOCK, *buttons)] if buttons else []


def _authenticity_text(
    authenticity: Authenticity, result: CertificateResult, lang: Language
) -> str:
    return verdict_text(authenticity, result.certificate, lang)


def _pages_text(analysis: BusinessAnalysis, lang: Language) -> str:
    """Which page of a multi-page PDF held what, and which one the fields come from."""
    lines = [_PAGES.format(read=len(analysis.pages), total=analysis.pages_total)(lang)]
    with_results = {result.page for result in analysis.results}
    for page in analysis.pages:
        if page.error is not None:
            line = _PAGE_FAILED.format(page=page.page)
        elif page.has_number:
            line = _PAGE_NUMBER.format(page=page.page, fields=page.fields)
        elif page.fields:
            line = _PAGE_FIELDS.format(page=page.page, fields=page.fields)
        else:
            line = _PAGE_EMPTY.format(page=page.page)
        shown = f" {_PAGE_SHOWN(lang)}" if page.page in with_results else ""
        lines.append(f"• {line(lang)}{shown}")
    if analysis.pages_total > len(analysis.pages):
        skipped = _PAGES_SKIPPED.format(first=len(analysis.pages) + 1, total=analysis.pages_total)
        lines.append(skipped(lang))
    return "\n".join(lines)


def _valid_digits(number: RecognisedNumber | None) -> str | None:
    if number is None or number.usable is None or not number.checksum_ok:
        return None
    return number.usable


def _confidence(reading: FieldReading | None, lang: Language) -> str:
    if reading is None or not reading.low_confidence or reading.conf is None:
        return ""
    return _CONFIDENCE.format(percent=f"{reading.conf:.0%}")(lang)


def _number_text(analysis: CertificateResult, lang: Language) -> str:
    number = analysis.number
    if number is None:
        return _NUMBER_MISSING(lang)
    if number.digits is None:
        verdict = _NUMBER_BAD_LENGTH(lang)
    elif not number.possible:
        verdict = _NUMBER_IMPOSSIBLE(lang)
    elif number.checksum_ok:
        verdict = _NUMBER_OK(lang)
    else:
        verdict = _NUMBER_BAD_CHECKSUM(lang)
    reading = analysis.certificate.get(CertificateField.REGISTRATION_NUMBER)
    confidence = _confidence(reading, lang)
    shown = literal(number.text, NAME_CHARS) or EMPTY
    return f"{shown}  {verdict}" + (f"\n{confidence}" if confidence else "")


def _status_text(analysis: CertificateResult, lang: Language) -> str:
    if analysis.status is not None:
        when = CHECKED_AT.format(when=date(analysis.status.checked_at))(lang)
        return f"{status_line(analysis.status, lang)}\n{when}"
    if analysis.status_error is not None:
        return f"⚠️ {escape(explain(analysis.status_error)(lang))}"
    if analysis.number is None:
        return _NOT_CHECKED_MISSING(lang)
    return _NOT_CHECKED_INVALID(lang)


def _field_text(reading: FieldReading, lang: Language) -> str:
    if reading.field is not None:
        label = reading.field.label(lang)
    else:
        label = literal(reading.key, NAME_CHARS) or EMPTY
    text = f"*{label}*\n{literal(reading.value, VALUE_CHARS) or EMPTY}"
    confidence = _confidence(reading, lang)
    return f"{text}\n{confidence}" if confidence else text


def _fallback(analysis: BusinessAnalysis, lang: Language) -> str:
    lines: list[str] = []
    for result in analysis.results:
        parts = [_TITLE(lang)] if not lines else []
        if result.number is not None:
            parts.append(plain(result.number.text, NAME_CHARS))
        if result.status is not None:
            alert = "⚠️ " if result.status.status.is_alert else ""
            parts.append(alert + result.status.status.label(lang))
        if result.authenticity is not None:
            parts.append(f"{AUTHENTICITY(lang)}: {short_verdict(result.authenticity, lang)}")
        trade_name = result.certificate.get(CertificateField.TRADE_NAME)
        if trade_name is not None:
            parts.append(plain(trade_name.value, NAME_CHARS))
        lines.append(" · ".join(parts))
    return "\n".join(lines)
