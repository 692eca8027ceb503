"""The result CSV of a bulk status check: every row of the person's file with its outcome,
in their language. The file format (and its inert cells) is bot.domain.number_csv's."""

from collections.abc import Mapping
from datetime import datetime

from bot.blocks.authenticity import short_verdict
from bot.blocks.bulk import BulkResult
from bot.blocks.errors import explain
from bot.blocks.mrkdwn import KST
from bot.domain import bizno
from bot.domain.authenticity import Authenticity
from bot.domain.number_csv import NumberCsv, write_csv
from bot.domain.status import StatusCheck
from bot.i18n import Language, Text

_CSV_HEADER = {
    Language.KO: ("행", "입력값", "사업자등록번호", "상태코드", "상태", "조회 시각(KST)", "오류"),
    Language.EN: ("row", "input", "number", "status code", "status", "checked at (KST)", "error"),
}
_AUTHENTICITY_HEADER = Text(ko="진위확인", en="authenticity")
_SAME_AS_ROW = Text(ko="{row}행과 같은 번호", en="same number as row {row}")
_DIFFERS_NOT_LOOKED_UP = Text(
    ko="검증번호 불일치: 조회하지 않음 (요약의 '그래도 조회'로 조회)",
    en="check digit differs: not looked up (use 'Look up anyway' on the summary)",
)
_DIFFERS_LOOKED_UP = Text(
    ko="검증번호 불일치: 요청에 따라 조회함", en="check digit differs: looked up on request"
)
_RESULT_FILE = Text(ko="사업자상태_조회결과_{date}.csv", en="business_status_{date}.csv")


def result_file_name(now: datetime, lang: Language) -> str:
    """The result CSV's name, dated in KST."""
    return _RESULT_FILE.format(date=now.astimezone(KST).strftime("%Y%m%d"))(lang)


def result_csv(
    listed: NumberCsv,
    results: Mapping[str, BulkResult],
    lang: Language,
    verdicts: Mapping[int, Authenticity] | None = None,
) -> bytes:
    """Every data row of the file with its result, in row order, as UTF-8 with a BOM.

    A repeated number shows the result of its first row; an invalid one, why. When
    rows were checked for authenticity, a last column gives each one's verdict.
    """
    rows: list[tuple[int, list[str]]] = []
    for number in (*listed.numbers, *listed.check_digit_differs):
        rows.append((number.row, [number.text, *_result_cells(number.digits, results, lang)]))
    header = list(_CSV_HEADER[lang])
    if verdicts:
        header.append(_AUTHENTICITY_HEADER(lang))
        for row, cells in rows:
            check = verdicts.get(row)
            cells.append(short_verdict(check, lang) if check is not None else "")
    for invalid in listed.invalid:
        rows.append((invalid.row, [invalid.text, "", "", "", "", invalid.error.message(lang)]))
    first_rows = {n.row: n.digits for n in (*listed.numbers, *listed.check_digit_differs)}
    for duplicate in listed.duplicates:
        cells = _result_cells(first_rows[duplicate.first_row], results, lang)
        note = _SAME_AS_ROW.format(row=duplicate.first_row)(lang)
        cells[-1] = f"{cells[-1]}; {note}" if cells[-1] else note
        rows.append((duplicate.row, [duplicate.text, *cells]))
    width = len(header) - 1
    return write_csv(
        header,
        (
            [str(row), *cells, *[""] * (width - len(cells))]
            for row, cells in sorted(rows, key=lambda item: item[0])
        ),
    )


def _result_cells(digits: str, results: Mapping[str, BulkResult], lang: Language) -> list[str]:
    """number, status code, status, checked at, error (or a note on the check digit)."""
    number = bizno.format(digits)
    result = results.get(digits)
    if result is None:  # its check digit differs, and it was not looked up anyway
        return [number, "", "", "", _DIFFERS_NOT_LOOKED_UP(lang)]
    note = "" if bizno.checksum_ok(digits) else _DIFFERS_LOOKED_UP(lang)
    if isinstance(result, StatusCheck):
        checked_at = result.checked_at.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")
        return [number, result.status.value, result.status.label(lang), checked_at, note]
    return [number, "", "", "", "; ".join(filter(None, (explain(result)(lang), note)))]
