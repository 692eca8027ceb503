"""The result file of a bulk check, directly."""

from datetime import UTC, datetime

from bot.blocks.bulk_csv import result_csv, result_file_name
from bot.domain.number_csv import parse_number_csv
from bot.i18n import Language


def test_result_csv_of_nothing_is_a_header() -> None:
    listed = parse_number_csv("사업자등록번호\n".encode())

    data = result_csv(listed, {}, Language.KO)

    assert data == "\ufeff행,입력값,사업자등록번호,상태코드,상태,조회 시각(KST),오류\r\n".encode()


def test_the_result_file_is_dated_in_korea() -> None:
    late_evening_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 01:30 on 2 March in Seoul

    assert result_file_name(late_evening_utc, Language.EN) == "business_status_20260302.csv"
    assert result_file_name(late_evening_utc, Language.KO) == "사업자상태_조회결과_20260302.csv"
