"""Read business numbers from a CSV file as people save it from Excel or Google Sheets,
and write the CSV files the bot gives out.

Encodings: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
mark (Excel's "Unicode text"), and CP949/EUC-KR, which Korean Excel uses for
"CSV (쉼표로 분리)". The delimiter is sniffed: comma, semicolon or tab.

The numbers are in the only column, or in the column whose header names them
(사업자등록번호, 사업자번호, 등록번호, business number, business_no, b_no, brn,
written with any case, spacing or punctuation), or else in the column that holds
the most ten-digit values. A header row is skipped; so are rows above it (a title)
and blank rows. Beside the numbers, a header may name optional columns of
certificate details for an authenticity check: the opening date (개업연월일, opened),
the representative (대표자, representative) and the company name (상호, name).
Rows are numbered as a spreadsheet shows them: from 1, header included. A number
listed again is looked up once; the later rows are counted. A number whose check
digit differs from the usual rule is kept apart: it is looked up only when the
person asks for it.

>>> csv_file = "사업자등록번호,상호\\n220-81-62517,한빛\\n123-45-67890,오타\\n000-00-00000,없음\\n"
>>> listed = parse_number_csv(csv_file.encode())
>>> [(n.row, n.digits) for n in listed.numbers]
[(2, '2208162517')]
>>> [(n.row, n.digits) for n in listed.check_digit_differs]
[(3, '1234567890')]
>>> [(bad.row, bad.error.reason) for bad in listed.invalid]
[(4, 'office')]
>>> [n.digits for n in listed.anyway().numbers]
['2208162517', '1234567890']
>>> written = write_csv(["b_no", "note"], [["2208162517", "=HYPERLINK(1)"]])
>>> written.decode("utf-8-sig").splitlines()
['b_no,note', "2208162517,'=HYPERLINK(1)"]
>>> parse_number_csv(written).digits
['2208162517']
>>> parse_number_csv(b"")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
bot.domain.number_csv.NumberCsvError: The file is empty: upload a CSV file ...
"""

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain import bizno
from bot.domain.bizno import InvalidBusinessNumber
from bot.errors import UserFacingError
from bot.i18n import Text

MAX_ROWS = 20_000  # data rows in one file; a bigger list is split by the person
HEADER_NAMES = frozenset(
    {
        "사업자등록번호",
        "사업자번호",
        "등록번호",
        "businessnumber",
        "businessno",
        "businessregistrationnumber",
        "bno",
        "brn",
    }
)
# Optional columns of details for an authenticity check, by header_key.
OPENED, REPRESENTATIVE, NAME = "opened", "representative", "name"
DETAIL_HEADER_NAMES = {
    OPENED: frozenset(
        {"개업연월일", "개업년월일", "개업일", "개업일자", "openingdate", "opened", "startdt"}
    ),
    REPRESENTATIVE: frozenset(
        {"대표자", "대표자명", "대표자성명", "대표", "representative", "ceo", "pnm"}
    ),
    NAME: frozenset(
        {"상호", "상호명", "법인명", "회사명", "companyname", "tradename", "name", "bnm"}
    ),
}
_HEADER_SEARCH_ROWS = 5  # a title or a note may sit above the header
_SNIFF_LINES = 20
_DELIMITERS = (",", ";", "\t")  # in order of preference when the sample cannot tell
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_UTF8_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with one
# Cells Excel would run as a formula; such a cell is written with a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # .xlsx (zip), .xls (OLE)
# Control characters no text file has; tab, line feed and carriage return are fine.
_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IN_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]")

_EMPTY = Text(
    ko="파일이 비어 있습니다. 사업자등록번호를 한 줄에 하나씩 담은 CSV 파일을 올려 주세요.",
    en="The file is empty: upload a CSV file with one business registration number per row.",
)
_NOT_TEXT = Text(
    ko="CSV 파일로 읽을 수 없는 파일입니다. 엑셀에서 '다른 이름으로 저장'을 눌러 "
    "'CSV (쉼표로 분리)' 형식으로 저장한 뒤 올려 주세요.",
    en="This file cannot be read as CSV. In Excel, use 'Save As' with the "
    "'CSV (Comma delimited)' format, then upload that file.",
)
_WORKBOOK = Text(
    ko="엑셀 통합 문서(.xlsx, .xls)는 읽을 수 없습니다. 엑셀에서 '다른 이름으로 저장'을 눌러 "
    "'CSV (쉼표로 분리)' 형식으로 저장한 뒤 올려 주세요.",
    en="Excel workbooks (.xlsx, .xls) cannot be read. In Excel, use 'Save As' with the "
    "'CSV (Comma delimited)' format, then upload that file.",
)
_BROKEN = Text(
    ko="{line}번째 줄 근처에서 CSV 형식이 깨져 있어 읽지 못했습니다. 따옴표가 제대로 "
    "닫혔는지 확인하거나, 엑셀에서 CSV 형식으로 다시 저장해 올려 주세요.",
    en="The CSV is malformed near line {line}. Check that every quote is closed, "
    "or save the file as CSV from Excel again.",
)
_NO_COLUMN = Text(
    ko="사업자등록번호가 든 열을 찾지 못했습니다. 첫 줄에 '사업자등록번호' 같은 열 이름을 "
    "넣거나, 번호만 한 열에 담아 올려 주세요.",
    en="No column of business registration numbers was found. Name the column "
    "'business number' (or 사업자등록번호) in the first row, or upload the numbers alone "
    "in one column.",
)
_TOO_MANY_ROWS = Text(
    ko="한 파일에서 최대 {limit:,}행까지 조회할 수 있습니다. 파일을 나누어 올려 주세요.",
    en="A file can hold up to {limit:,} rows: split the list into several files.",
)


class NumberCsvError(UserFacingError):
    """The file cannot give a list of numbers; `user_message` says why and what to do."""

    def __init__(self, user_message: Text) -> None:
        super().__init__(user_message.en)
        self.user_message = user_message


@dataclass(frozen=True, slots=True)
class ListedNumber:
    """A possible number, on the first row that lists it, with the details its row gives."""

    row: int
    text: str  # the cell as written
    digits: str
    opened: str = ""  # the optional detail columns' cells, as written
    representative: str = ""
    name: str = ""

    @property
    def to_verify(self) -> bool:
        """Whether the row gives what an authenticity check needs."""
        return bool(self.opened.strip() and self.representative.strip())


@dataclass(frozen=True, slots=True)
class InvalidRow:
    row: int
    text: str  # the cell as written, "" when the row has none in the number column
    error: InvalidBusinessNumber


@dataclass(frozen=True, slots=True)
class DuplicateRow:
    row: int
    text: str
    first_row: int  # where the same number is listed first


@dataclass(frozen=True, slots=True)
class NumberCsv:
    numbers: tuple[ListedNumber, ...]  # in file order, each number once
    invalid: tuple[InvalidRow, ...]
    duplicates: tuple[DuplicateRow, ...]
    column: str | None  # the header of the number column, when the file has a header row
    # Possible numbers that fail the check digit, in file order, each once: not in `numbers`.
    check_digit_differs: tuple[ListedNumber, ...] = ()

    @property
    def digits(self) -> list[str]:
        return [number.digits for number in self.numbers]

    @property
    def rows(self) -> int:
        """Data rows read: valid, check digit differing, invalid and duplicate."""
        return (
            len(self.numbers)
            + len(self.check_digit_differs)
            + len(self.invalid)
            + len(self.duplicates)
        )

    def anyway(self) -> "NumberCsv":
        """The same list with the numbers whose check digit differs among `numbers`, in row
        order: what a person who asked to look them up anyway gets looked up."""
        merged = sorted((*self.numbers, *self.check_digit_differs), key=lambda n: n.row)
        return NumberCsv(tuple(merged), self.invalid, self.duplicates, self.column)


def parse_number_csv(data: bytes) -> NumberCsv:
    """The numbers a CSV file lists, with its invalid and repeated rows.

    Raises NumberCsvError when the file is empty, is not text, is malformed, has
    no column of numbers, or has more than MAX_ROWS data rows.

    >>> parse_number_csv("2208162517;x\\n1248100998;y".encode("cp949")).digits
    ['2208162517', '1248100998']
    >>> listed = parse_number_csv(b"b_no\\n220-81-62517\\n2208162517\\n")
    >>> listed.column, [(d.row, d.first_row) for d in listed.duplicates]
    ('b_no', [(3, 2)])
    """
    filled = _read_filled_rows(_decode(data))
    if not filled:
        raise NumberCsvError(_EMPTY)
    header_at, column = _find_header(filled)
    if header_at is None:
        column = _number_column(filled)
        first_cell = _cell(filled[0][1], column)
        if first_cell and not any(char.isdigit() for char in first_cell):
            header_at = 0  # a header with a name we do not know, over a column of numbers
    header = None if header_at is None else _cell(filled[header_at][1], column)
    details = {} if header_at is None else _detail_columns(filled[header_at][1], column)
    data_rows = filled if header_at is None else filled[header_at + 1 :]
    if len(data_rows) > MAX_ROWS:
        raise NumberCsvError(_TOO_MANY_ROWS.format(limit=MAX_ROWS))

    numbers: list[ListedNumber] = []
    differs: list[ListedNumber] = []
    invalid: list[InvalidRow] = []
    duplicates: list[DuplicateRow] = []
    first_rows: dict[str, int] = {}
    for number, row in data_rows:
        text = _cell(row, column)
        try:
            digits = bizno.possible(text)
        except InvalidBusinessNumber as error:
            invalid.append(InvalidRow(number, text, error))
            continue
        if digits in first_rows:
            duplicates.append(DuplicateRow(number, text, first_rows[digits]))
        else:
            first_rows[digits] = number
            cells = {name: _cell(row, index) for name, index in details.items()}
            listed = numbers if bizno.checksum_ok(digits) else differs
            listed.append(ListedNumber(number, text, digits, **cells))
    return NumberCsv(tuple(numbers), tuple(invalid), tuple(duplicates), header, tuple(differs))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV file the bot gives out, as Excel opens it: UTF-8 with a byte-order mark, CRLF
    line ends, and every cell inert (shown as text, never run as a formula). This module
    reads such a file back."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_inert(cell) for cell in row] for row in rows)
    return (_UTF8_BOM + buffer.getvalue()).encode("utf-8")


def _inert(cell: str) -> str:
    """A cell Excel shows as text and never runs as a formula (`=HYPERLINK(...)`)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _detail_columns(header: list[str], number_column: int) -> dict[str, int]:
    """The optional detail columns a header row names, the first of each kind.

    >>> _detail_columns(["사업자번호", "상호", "대표자", "개업일자"], 0)
    {'name': 1, 'representative': 2, 'opened': 3}
    """
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        for name, names in DETAIL_HEADER_NAMES.items():
            if index != number_column and key in names and name not in found:
                found[name] = index
    return found


def header_key(text: str) -> str:
    """A header cell reduced to what names it: no case, spacing, punctuation or (notes).

    >>> header_key(" Business_No. ")
    'businessno'
    >>> header_key("사업자 등록번호(10자리)")
    '사업자등록번호'
    """
    folded = _IN_BRACKETS.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return "".join(char for char in folded if char.isalnum())


def _decode(data: bytes) -> str:
    if data.startswith(_WORKBOOK_MAGIC):
        raise NumberCsvError(_WORKBOOK)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        # Korean text in CP949 is practically never valid UTF-8, so UTF-8 goes first.
        encodings = ("utf-8-sig", "cp949")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _BINARY.search(text):
            break
        return text
    raise NumberCsvError(_NOT_TEXT)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most sample lines into the same number of cells."""
    sample = [line for line in text.splitlines() if line.strip()][:_SNIFF_LINES]
    best, best_score = _DELIMITERS[0], 0
    for delimiter in _DELIMITERS:
        try:
            rows = list(csv.reader(sample, delimiter=delimiter))
        except csv.Error:
            continue  # the full read reports what is wrong
        widths = [len(row) for row in rows if len(row) > 1]
        score = Counter(widths).most_common(1)[0][1] if widths else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_filled_rows(text: str) -> list[tuple[int, list[str]]]:
    """The rows with any value, each with its spreadsheet row number (blank rows count)."""
    # strict: an unclosed quote is an error, not a cell that swallows the rest of the file.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True
    )
    filled: list[tuple[int, list[str]]] = []
    try:
        for number, row in enumerate(reader, start=1):
            if any(cell.strip() for cell in row):
                filled.append((number, row))
                # Stop reading a huge file early; the exact count is checked after the header.
                if len(filled) > MAX_ROWS + _HEADER_SEARCH_ROWS:
                    raise NumberCsvError(_TOO_MANY_ROWS.format(limit=MAX_ROWS))
    except csv.Error:
        raise NumberCsvError(_BROKEN.format(line=reader.line_num)) from None
    return filled


def _find_header(filled: list[tuple[int, list[str]]]) -> tuple[int | None, int]:
    """Which filled row is a header naming the number column, and that column."""
    for index, (_, row) in enumerate(filled[:_HEADER_SEARCH_ROWS]):
        for column, cell in enumerate(row):
            if header_key(cell) in HEADER_NAMES:
                return index, column
    return None, 0


def _number_column(filled: list[tuple[int, list[str]]]) -> int:
    """The only column with values, or the one with the most ten-digit values."""
    used = sorted({column for _, row in filled for column, cell in enumerate(row) if cell.strip()})
    if len(used) == 1:
        return used[0]
    counts = Counter(
        column for _, row in filled for column, cell in enumerate(row) if _has_ten_digits(cell)
    )
    if not counts:
        raise NumberCsvError(_NO_COLUMN)
    most = max(counts.values())
    return min(column for column, count in counts.items() if count == most)


def _has_ten_digits(cell: str) -> bool:
    try:
        bizno.format(cell)
    except InvalidBusinessNumber:
        return False
    return True


def _cell(row: list[str], column: int) -> str:
    return row[column].strip() if column < len(row) else ""
