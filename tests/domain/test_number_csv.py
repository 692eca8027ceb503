import codecs
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import bizno
from bot.domain.number_csv import (
    MAX_ROWS,
    DuplicateRow,
    NumberCsv,
    NumberCsvError,
    header_key,
    parse_number_csv,
    write_csv,
)
from bot.i18n import Language

VALID = ["2208162517", "1248100998", "1018200013"]


def valid_number(nine: str) -> str:
    """The ten-digit number whose check digit completes `nine`."""
    return next(nine + d for d in "0123456789" if bizno.checksum_ok(nine + d))


def numbers(count: int, *, seed: int = 7) -> list[str]:
    generator = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        number = valid_number(f"{generator.randrange(10**9):09d}")
        if bizno.is_valid(number):  # skips the numbers no tax office issues
            found[number] = None
    return list(found)


def rows_of(listed: NumberCsv) -> list[tuple[int, str]]:
    return [(number.row, number.digits) for number in listed.numbers]


def error_of(data: bytes) -> NumberCsvError:
    with pytest.raises(NumberCsvError) as caught:
        parse_number_csv(data)
    return caught.value


# Layouts


def test_one_column_without_a_header() -> None:
    listed = parse_number_csv(b"220-81-62517\r\n1248100998\r\n101-82-00013\r\n")

    assert rows_of(listed) == [(1, VALID[0]), (2, VALID[1]), (3, VALID[2])]
    assert listed.column is None
    assert listed.invalid == listed.duplicates == ()


@pytest.mark.parametrize(
    "name",
    [
        "사업자등록번호",
        "사업자 등록 번호",
        "사업자번호",
        "등록번호",
        "Business Number",
        "business_no",
        "BUSINESS-NO.",
        "b_no",
        "BRN",
        "사업자등록번호(10자리)",
        "Business registration number",
    ],
)
def test_a_header_naming_the_column_is_recognised_and_skipped(name: str) -> None:
    data = f"상호,{name},담당자\n한빛,220-81-62517,김민준\n가나,124-81-00998,이서연\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(2, VALID[0]), (3, VALID[1])]
    assert listed.column == name
    assert listed.invalid == ()


def test_the_named_column_wins_over_other_columns_of_ten_digits() -> None:
    data = "전화번호,사업자번호\n0212345678,220-81-62517\n0298765432,124-81-00998\n"

    assert rows_of(parse_number_csv(data.encode())) == [(2, VALID[0]), (3, VALID[1])]


def test_rows_above_the_header_are_skipped_and_still_counted() -> None:
    data = "2024년 거래처 목록\n\n상호,사업자등록번호\n한빛,220-81-62517\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(4, VALID[0])]
    assert listed.column == "사업자등록번호"


def test_an_unknown_header_over_one_column_is_skipped() -> None:
    listed = parse_number_csv("거래처 번호\n220-81-62517\n".encode())

    assert rows_of(listed) == [(2, VALID[0])]
    assert listed.column == "거래처 번호"
    assert listed.invalid == ()


def test_without_a_header_the_column_of_ten_digit_values_is_used() -> None:
    data = "한빛,2208162517,서울\n가나,124-81-00998,부산\n다라,,대구\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(1, VALID[0]), (2, VALID[1])]
    [empty] = listed.invalid
    assert (empty.row, empty.text, empty.error.reason) == (3, "", "empty")


def test_a_header_in_a_table_of_unknown_columns_is_skipped() -> None:
    data = "vendor,id\n한빛,2208162517\n가나,1248100998\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(2, VALID[0]), (3, VALID[1])]
    assert listed.column == "id"


# Delimiters and quoting


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(delimiter: str) -> None:
    data = delimiter.join(["상호", "사업자등록번호", "비고"]) + "\n"
    # Other delimiters inside quoted cells do not confuse the sniffing.
    data += delimiter.join(['"한빛, 주식회사"', "220-81-62517", '"a;b\tc"']) + "\n"
    data += delimiter.join(["가나", "124-81-00998", ""]) + "\n"

    assert rows_of(parse_number_csv(data.encode())) == [(2, VALID[0]), (3, VALID[1])]


def test_quoted_cells_may_hold_delimiters_and_line_breaks() -> None:
    data = 'memo,b_no\n"two\nlines, and a comma",220-81-62517\nplain,124-81-00998\n'

    listed = parse_number_csv(data.encode())

    # A cell with a line break is one spreadsheet row, as Excel shows it.
    assert rows_of(listed) == [(2, VALID[0]), (3, VALID[1])]


def test_an_unclosed_quote_is_reported_with_its_line() -> None:
    error = error_of(b'b_no,memo\n2208162517,"never closed\n1248100998,x\n')

    assert "3" in error.user_message.en
    assert "quote" in error.user_message.en
    assert "따옴표" in error.user_message.ko


# Encodings


def test_cp949_from_korean_excel() -> None:
    data = "상호,사업자등록번호\r\n주식회사 한빛테크놀로지,220-81-62517\r\n".encode("cp949")

    listed = parse_number_csv(data)

    assert rows_of(listed) == [(2, VALID[0])]
    assert listed.column == "사업자등록번호"


def test_euc_kr() -> None:
    data = "사업자번호;상호\n124-81-00998;가나상사\n".encode("euc-kr")

    assert rows_of(parse_number_csv(data)) == [(2, VALID[1])]


def test_utf8_with_a_byte_order_mark() -> None:
    listed = parse_number_csv(codecs.BOM_UTF8 + "사업자등록번호\n220-81-62517\n".encode())

    assert listed.column == "사업자등록번호"  # the mark is not part of the header
    assert rows_of(listed) == [(2, VALID[0])]


def test_utf16_unicode_text_from_excel() -> None:
    data = "상호\t사업자등록번호\r\n한빛\t220-81-62517\r\n".encode("utf-16")

    assert rows_of(parse_number_csv(data)) == [(2, VALID[0])]


def test_full_width_digits_and_dashes_are_read() -> None:
    assert parse_number_csv("２２０－８１－６２５１７\n".encode()).digits == [VALID[0]]


# Rows


def test_invalid_values_are_reported_with_their_row_and_the_reason() -> None:
    data = "사업자등록번호,상호\n220-81-62517,a\n000-00-00000,b\n12345,c\n22O-81-62517,d\n,e\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(2, VALID[0])]
    assert [(row.row, row.text, row.error.reason) for row in listed.invalid] == [
        (3, "000-00-00000", "office"),
        (4, "12345", "length"),
        (5, "22O-81-62517", "characters"),
        (6, "", "empty"),
    ]
    # The explanation is the domain's own, in both languages.
    assert listed.invalid[1].error.message(Language.KO) == bizno.InvalidBusinessNumber(
        "length", count=5
    ).message(Language.KO)


def test_numbers_whose_check_digit_differs_are_kept_apart_until_asked_for() -> None:
    # python-stdnum's tests list these three among real numbers; each fails the usual rule.
    data = (
        "사업자등록번호\n206-18-12345\n220-81-62517\n306-82-00417\n3068200417\n"
        "728-86-00316\n000-00-00000\n"
    )

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(3, VALID[0])]
    assert [(n.row, n.digits) for n in listed.check_digit_differs] == [
        (2, "2061812345"),
        (4, "3068200417"),
        (6, "7288600316"),
    ]
    assert [(d.row, d.first_row) for d in listed.duplicates] == [(5, 4)]
    assert [row.row for row in listed.invalid] == [7]
    assert listed.rows == 6
    everything = listed.anyway()
    assert [(n.row, n.digits) for n in everything.numbers] == [
        (2, "2061812345"),
        (3, VALID[0]),
        (4, "3068200417"),
        (6, "7288600316"),
    ]
    assert everything.check_digit_differs == ()
    assert (everything.rows, everything.invalid, everything.duplicates) == (
        6,
        listed.invalid,
        listed.duplicates,
    )


def test_blank_rows_are_skipped_but_keep_their_numbers() -> None:
    data = b"\n2208162517\n\n ,  \n1248100998\n\n\n"

    listed = parse_number_csv(data)

    assert rows_of(listed) == [(2, VALID[0]), (5, VALID[1])]
    assert listed.invalid == ()
    assert listed.rows == 2


def test_duplicates_are_folded_into_the_first_row() -> None:
    data = "b_no\n220-81-62517\n1248100998\n2208162517\n２２０８１６２５１７\n124-81-00998\n"

    listed = parse_number_csv(data.encode())

    assert rows_of(listed) == [(2, VALID[0]), (3, VALID[1])]
    assert listed.duplicates == (
        DuplicateRow(4, "2208162517", first_row=2),
        DuplicateRow(5, "２２０８１６２５１７", first_row=2),
        DuplicateRow(6, "124-81-00998", first_row=3),
    )
    assert listed.rows == 5


def test_cells_are_trimmed() -> None:
    listed = parse_number_csv(b"  220-81-62517  ,x\n")

    assert listed.numbers[0].text == "220-81-62517"


# Files that give no list


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b" , ,\n\t\n"])
def test_an_empty_file_is_a_clear_error(data: bytes) -> None:
    error = error_of(data)

    assert "empty" in error.user_message.en
    assert "비어" in error.user_message.ko


def test_a_header_without_rows_gives_an_empty_list() -> None:
    listed = parse_number_csv("사업자등록번호\n".encode())

    assert listed.numbers == listed.invalid == listed.duplicates == ()
    assert listed.column == "사업자등록번호"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00",
        bytes(range(256)),
        "2208162517\n".encode("utf-32"),
    ],
)
def test_a_file_that_is_not_text_is_a_clear_error(data: bytes) -> None:
    error = error_of(data)

    assert "CSV" in error.user_message.en
    assert "CSV" in error.user_message.ko


@pytest.mark.parametrize("magic", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"])
def test_an_excel_workbook_is_told_to_save_as_csv(magic: bytes) -> None:
    error = error_of(magic + b"\x00" * 100)

    assert "Excel workbooks" in error.user_message.en
    assert "엑셀 통합 문서" in error.user_message.ko


def test_a_table_without_a_column_of_numbers_is_a_clear_error() -> None:
    error = error_of("상호,대표자\n한빛,김민준\n가나,이서연\n".encode())

    assert "column" in error.user_message.en
    assert "열" in error.user_message.ko


def test_a_cell_too_large_for_csv_is_a_clear_error() -> None:
    error = error_of(b"x" * 200_000)

    assert "malformed" in error.user_message.en


# Size


def test_five_thousand_rows() -> None:
    listed_numbers = numbers(5000)
    data = "사업자등록번호\r\n" + "\r\n".join(listed_numbers) + "\r\n"

    listed = parse_number_csv(data.encode("cp949"))

    assert listed.digits == listed_numbers
    assert [number.row for number in listed.numbers] == list(range(2, 5002))


def test_up_to_max_rows_after_a_header() -> None:
    data = "b_no\n" + "\n".join(["2208162517"] * MAX_ROWS)

    listed = parse_number_csv(data.encode())

    assert listed.digits == [VALID[0]]
    assert len(listed.duplicates) == MAX_ROWS - 1


@pytest.mark.parametrize("header", ["", "b_no\n"])
def test_more_than_max_rows_is_refused(header: str) -> None:
    data = header + "\n".join(["2208162517"] * (MAX_ROWS + 1))

    error = error_of(data.encode())

    assert f"{MAX_ROWS:,}" in error.user_message.en
    assert f"{MAX_ROWS:,}" in error.user_message.ko


def test_a_huge_file_is_refused_without_reading_it_all() -> None:
    error = error_of(b"2208162517\n" * (MAX_ROWS * 50))

    assert f"{MAX_ROWS:,}" in error.user_message.en


# Header names


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("사업자 등록번호", "사업자등록번호"),
        ("B_No", "bno"),
        ("ＢＲＮ", "brn"),
        ("no. (필수)", "no"),
    ],
)
def test_header_key(cell: str, key: str) -> None:
    assert header_key(cell) == key


# Whatever the encoding, delimiter and header, the numbers come back in order.

_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp949", "utf-16"])
_DELIMITER = st.sampled_from([",", ";", "\t"])
_HEADER = st.sampled_from([None, "사업자등록번호", "Business No", "brn"])
_NUMBER = st.from_regex(r"[0-9]{9}", fullmatch=True).map(valid_number).filter(bizno.is_valid)
_SHOWN = st.sampled_from([lambda d: d, bizno.format, lambda d: f" {bizno.format(d)} "])


@given(
    listed=st.lists(st.tuples(_NUMBER, _SHOWN), min_size=1, max_size=30),
    encoding=_ENCODINGS,
    delimiter=_DELIMITER,
    header=_HEADER,
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_saved_list_reads_back(
    listed: list[tuple[str, Callable[[str], str]]],
    encoding: str,
    delimiter: str,
    header: str | None,
    line_end: str,
) -> None:
    lines = [] if header is None else [delimiter.join(["상호", header])]
    lines += [delimiter.join(["거래처", shown(digits)]) for digits, shown in listed]
    data = (line_end.join(lines) + line_end).encode(encoding)

    parsed = parse_number_csv(data)

    first_seen = list(dict.fromkeys(digits for digits, _ in listed))
    assert parsed.digits == first_seen
    assert parsed.rows == len(listed)
    assert parsed.invalid == ()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_written_cell_excel_would_run_is_kept_as_text(start: str) -> None:
    cell = f'{start}HYPERLINK("https://evil.example")'

    written = write_csv(["사업자등록번호", "상호"], [["2208162517", cell], ["1248100998", "x"]])

    assert written.startswith(codecs.BOM_UTF8)
    assert f"'{start}HYPERLINK" in written.decode("utf-8-sig")
    assert parse_number_csv(written).digits == ["2208162517", "1248100998"]
