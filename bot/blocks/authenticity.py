"""Authenticity (진위확인): the verdict lines, the correction dialog and its answer.

The verdict never says "forged": a misread letter makes details differ as surely as
an edited certificate does, so a mismatch names the fields to compare with the
original and shows how sure OCR was of each.
"""

import json
from typing import Any

from bot.blocks import ids
from bot.blocks.elements import (
    EMPTY,
    NAME_CHARS,
    Block,
    button,
    context,
    plain_text,
    section,
)
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import literal, mention, plain
from bot.domain.authenticity import Authenticity, Details, Verdict, shown_date
from bot.domain.bizno import format as format_number
from bot.domain.certificate import Certificate, CertificateField
from bot.errors import (
    AuthenticationFailed,
    BotError,
    ConnectionFailed,
    RateLimited,
    Refused,
    Timeout,
    Unavailable,
)
from bot.i18n import Language, Text

LABEL = Text(ko="진위확인", en="Authenticity")
_MATCH = Text(
    ko="✅ 국세청 등록 정보와 일치합니다.", en="✅ Matches the National Tax Service register."
)
_NAME_DIFFERS = Text(
    ko="⚠️ 등록번호·개업연월일·대표자는 국세청 등록 정보와 일치하지만 상호가 다릅니다. "
    "상호를 원본과 대조해 주세요.",
    en="⚠️ The number, opening date and representative match the National Tax Service "
    "register, but the company name does not. Compare the name with the original.",
)
_MISMATCH = Text(
    ko="❌ 국세청 등록 정보와 일치하지 않습니다. 잘못 읽은 글자 때문일 수 있으니 "
    "{fields}을(를) 원본과 대조해 주세요.",
    en="❌ Does not match the National Tax Service register. A misread letter can cause "
    "this: compare the {fields} with the original.",
)
_MISSING = Text(
    ko="⚪ 확인하지 못했습니다: {fields}을(를) 읽지 못했습니다.",
    en="⚪ Not checked: the {fields} could not be read.",
)
_FAILED = Text(ko="⚠️ 확인하지 못했습니다: {reason}", en="⚠️ Not checked: {reason}")
_COMPARED = Text(ko="대조한 항목: {fields}", en="Compared: {fields}")
_CONFIDENCE = Text(ko="인식 {percent}", en="read {percent}")
_OFF = Text(
    ko="ℹ️ 진위확인(국세청 등록 정보 대조)은 하지 않았습니다. NTS_SERVICE_KEY를 설정하면 켜집니다.",
    en="ℹ️ Authenticity was not checked against the National Tax Service register: "
    "set NTS_SERVICE_KEY to turn it on.",
)
_AND = Text(ko=", ", en=", ")
CORRECT = Text(ko="고쳐서 다시 확인", en="Correct and check again")

# What went wrong with NTS, per kind of failure: the client names it, the words are here.
_QUOTA = Text(
    ko="국세청 API의 호출 한도를 넘었습니다. 나중에 다시 확인해 주세요.",
    en="the National Tax Service API's call quota is used up. Check again later.",
)
_BAD_KEY = Text(
    ko="국세청 API가 서비스 키를 받아들이지 않았습니다. 관리자에게 NTS_SERVICE_KEY와 "
    "공공데이터포털 활용신청을 확인해 달라고 요청해 주세요.",
    en="the National Tax Service API did not accept the service key. Ask an admin to check "
    "NTS_SERVICE_KEY and the data.go.kr subscription.",
)
_OUTAGE = Text(
    ko="국세청 서비스가 응답하지 않습니다. 잠시 후 다시 확인해 주세요.",
    en="the National Tax Service did not answer. Check again in a moment.",
)
_REFUSED = Text(
    ko="국세청 API가 요청을 거절했습니다. 관리자에게 알려 주세요.",
    en="the National Tax Service API refused the request. Please tell an admin.",
)
_UNEXPECTED = Text(
    ko="국세청 API가 예상하지 못한 답을 보냈습니다. 잠시 후 다시 확인해 주세요.",
    en="the National Tax Service API sent an unexpected answer. Check again in a moment.",
)

# The correction dialog.
_MODAL_TITLE = Text(ko="진위확인 다시 하기", en="Check details again")
_MODAL_SUBMIT = Text(ko="확인", en="Check")
_MODAL_CLOSE = Text(ko="취소", en="Cancel")
_MODAL_INTRO = Text(
    ko="원본 사업자등록증을 보며 잘못 읽은 곳을 고친 뒤 *확인*을 누르세요. "
    "결과는 원래 스레드에 올라갑니다.",
    en="Correct anything misread, looking at the original certificate, then press *Check*. "
    "The result is posted in the original thread.",
)
_DATE_HINT = Text(ko="예: 2015-03-02", en="e.g. 2015-03-02")
_NAME_HINT = Text(
    ko="비워 두면 상호는 대조하지 않습니다. 공동대표는 쉼표로 구분합니다.",
    en="Leave the name empty not to compare it. Separate joint representatives with commas.",
)
_BAD_NUMBER = Text(
    ko="사업자등록번호는 숫자 10자리입니다. 예: 220-81-62517",
    en="A registration number has 10 digits, e.g. 220-81-62517.",
)
_BAD_DATE = Text(
    ko="개업연월일을 YYYY-MM-DD 형식의 실제 날짜로 입력해 주세요. 예: 2015-03-02",
    en="Enter the opening date as a real date, YYYY-MM-DD, e.g. 2015-03-02.",
)
_NO_REPRESENTATIVE = Text(ko="대표자 이름을 입력해 주세요.", en="Enter the representative's name.")

# The answer in the thread.
_RECHECKED = Text(
    ko="{user}님이 고친 내용으로 진위확인을 다시 했습니다.",
    en="{user} corrected the details and checked them again.",
)
_RECHECKED_FALLBACK = Text(
    ko="진위확인 다시 하기: {verdict}", en="Authenticity re-check: {verdict}"
)
_VERDICT_WORDS = {
    Verdict.MATCH: Text(ko="일치", en="matches"),
    Verdict.NAME_DIFFERS: Text(ko="상호 불일치", en="company name differs"),
    Verdict.MISMATCH: Text(ko="불일치", en="does not match"),
}
_NOT_CHECKED = Text(ko="확인하지 못함", en="not checked")

# Block ids of the dialog's inputs, and the action id of each input's element.
NUMBER_INPUT = "details_number"
OPENED_INPUT = "details_opened"
REPRESENTATIVE_INPUT = "details_representative"
NAME_INPUT = "details_name"
INPUT_ACTION = "value"
# How much of each pre-filled value a button carries: enough for any real certificate.
_PREFILL_CHARS = 200


def failure_reason(error: BotError) -> Text:
    """What to tell a person when NTS gave no answer, by kind of failure."""
    if isinstance(error, RateLimited):
        return _QUOTA
    if isinstance(error, AuthenticationFailed):
        return _BAD_KEY
    if isinstance(error, Unavailable | Timeout | ConnectionFailed):
        return _OUTAGE
    if isinstance(error, Refused):
        return _REFUSED
    return _UNEXPECTED


def _field_names(fields: tuple[CertificateField, ...], lang: Language) -> str:
    return _AND(lang).join(field.label(lang) for field in fields)


def _to_check(check: Authenticity, certificate: Certificate | None) -> tuple[CertificateField, ...]:
    """The compared fields a person should look at first: those read with low confidence,
    or, when OCR was sure of them all (or the details were typed), every one compared."""
    if certificate is None:
        return check.compared
    doubtful = tuple(
        field
        for field in check.compared
        if (reading := certificate.get(field)) is not None and reading.low_confidence
    )
    return doubtful or check.compared


def _shown_value(field: CertificateField, details: Details) -> str:
    if field is CertificateField.REGISTRATION_NUMBER and details.number is not None:
        return format_number(details.number)
    if field is CertificateField.OPENING_DATE and details.opened is not None:
        return shown_date(details.opened)
    if field is CertificateField.REPRESENTATIVE:
        return literal(", ".join(details.representatives), NAME_CHARS) or EMPTY
    return literal(details.name, NAME_CHARS) or EMPTY


def compared_line(check: Authenticity, certificate: Certificate | None, lang: Language) -> str:
    """Each compared field, its value as sent and, when read by OCR, how sure it was."""
    parts = []
    for field in check.compared:
        part = f"{field.label(lang)} {_shown_value(field, check.details)}"
        reading = certificate.get(field) if certificate is not None else None
        if reading is not None and reading.conf is not None:
            part += f" ({_CONFIDENCE.format(percent=f'{reading.conf:.0%}')(lang)})"
        parts.append(part)
    return _COMPARED.format(fields=" · ".join(parts))(lang)


def verdict_text(check: Authenticity, certificate: Certificate | None, lang: Language) -> str:
    """The verdict, and what was compared; mrkdwn."""
    if check.error is not None:
        return _FAILED.format(reason=failure_reason(check.error)(lang))(lang)
    if check.verdict is None:
        return _MISSING.format(fields=_field_names(check.missing, lang))(lang)
    if check.verdict is Verdict.MATCH:
        said = _MATCH(lang)
    elif check.verdict is Verdict.NAME_DIFFERS:
        said = _NAME_DIFFERS(lang)
    else:
        said = _MISMATCH.format(fields=_field_names(_to_check(check, certificate), lang))(lang)
    return f"{said}\n{compared_line(check, certificate, lang)}"


def short_verdict(check: Authenticity | None, lang: Language) -> str:
    """A word or two for fallbacks and alerts."""
    if check is None or check.verdict is None:
        return _NOT_CHECKED(lang)
    return _VERDICT_WORDS[check.verdict](lang)


def not_checked_note(lang: Language) -> str:
    """Said once per reply when there is no NTS_SERVICE_KEY."""
    return _OFF(lang)


def correct_button(
    check: Authenticity, certificate: Certificate, lang: Language, *, action_id: str
) -> dict[str, Any]:
    """Opens the correction dialog pre-filled with what was read. The value is only a
    pre-fill: anyone can forge it, and the check uses what the person submits."""
    value = json.dumps(
        {
            "n": _read(certificate, CertificateField.REGISTRATION_NUMBER),
            "d": shown_date(check.details.opened)
            if check.details.opened
            else _read(certificate, CertificateField.OPENING_DATE),
            "r": _read(certificate, CertificateField.REPRESENTATIVE),
            "c": _read(certificate, CertificateField.TRADE_NAME),
        },
        ensure_ascii=False,
    )
    return button(CORRECT(lang), action_id=action_id, value=value)


def _read(certificate: Certificate, field: CertificateField) -> str:
    reading = certificate.get(field)
    return "" if reading is None else reading.value[:_PREFILL_CHARS]


def prefill_of(value: str) -> dict[str, str]:
    """The pre-fill a button carried, as far as it is one; anything else is dropped.

    >>> prefill_of('{"n": "220-81-62517", "d": 7, "x": "y"}')
    {'n': '220-81-62517'}
    >>> prefill_of("not json")
    {}
    """
    try:
        carried = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(carried, dict):
        return {}
    return {
        key: text[:_PREFILL_CHARS]
        for key in ("n", "d", "r", "c")
        if isinstance(text := carried.get(key), str) and text
    }


def correction_modal(prefill: dict[str, str], private_metadata: str, lang: Language) -> Block:
    """The dialog for views.open: the four details, pre-filled, and where to answer."""
    return {
        "type": "modal",
        "callback_id": ids.CORRECT_DETAILS_VIEW,
        "title": plain_text(_MODAL_TITLE(lang)),
        "submit": plain_text(_MODAL_SUBMIT(lang)),
        "close": plain_text(_MODAL_CLOSE(lang)),
        "private_metadata": private_metadata,
        "blocks": [
            section(_MODAL_INTRO(lang)),
            _input(NUMBER_INPUT, CertificateField.REGISTRATION_NUMBER, prefill.get("n"), lang),
            _input(
                OPENED_INPUT,
                CertificateField.OPENING_DATE,
                prefill.get("d"),
                lang,
                hint=_DATE_HINT,
            ),
            _input(REPRESENTATIVE_INPUT, CertificateField.REPRESENTATIVE, prefill.get("r"), lang),
            _input(
                NAME_INPUT,
                CertificateField.TRADE_NAME,
                prefill.get("c"),
                lang,
                optional=True,
                hint=_NAME_HINT,
            ),
        ],
    }


def _input(
    block_id: str,
    field: CertificateField,
    initial: str | None,
    lang: Language,
    *,
    optional: bool = False,
    hint: Text | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "max_length": _PREFILL_CHARS,
    }
    if initial:
        element["initial_value"] = plain(initial, _PREFILL_CHARS)
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(field.label(lang)),
        "element": element,
        "optional": optional,
    }
    if hint is not None:
        block["hint"] = plain_text(hint(lang))
    return block


def input_errors(
    *, number_ok: bool, date_ok: bool, representative_ok: bool, lang: Language
) -> dict[str, str]:
    """`response_action: errors` for the dialog: one message per input that is wrong."""
    errors = {}
    if not number_ok:
        errors[NUMBER_INPUT] = _BAD_NUMBER(lang)
    if not date_ok:
        errors[OPENED_INPUT] = _BAD_DATE(lang)
    if not representative_ok:
        errors[REPRESENTATIVE_INPUT] = _NO_REPRESENTATIVE(lang)
    return errors


def recheck_result(check: Authenticity, *, user_id: str, lang: Language) -> Message:
    """The answer in the thread to details a person corrected."""
    number = check.details.number
    shown_number = format_number(number) if number is not None else EMPTY
    blocks: list[Block] = [
        section(f"*{LABEL(lang)}* · {shown_number}\n{verdict_text(check, None, lang)}"),
        context(_RECHECKED.format(user=mention(user_id))(lang)),
    ]
    fallback = _RECHECKED_FALLBACK.format(verdict=short_verdict(check, lang))
    return compose(f"{fallback(lang)} ({shown_number})", blocks, lang)
