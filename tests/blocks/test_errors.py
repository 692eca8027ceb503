"""What a person reads about each failure: `explain` for every kind, upstream and code."""

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.errors import explain, format_size
from bot.config import MB, Settings
from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    BotError,
    ConnectionFailed,
    DownloadRefusal,
    EmptyFile,
    FileGone,
    FileTooLarge,
    MalformedBusinessNumber,
    NotDownloadable,
    NumberListError,
    NumberListProblem,
    RateLimited,
    Refused,
    Service,
    Timeout,
    TooManyPixels,
    Unavailable,
    UnsupportedFileType,
    UpstreamError,
)
from bot.i18n import Language
from bot.nts.errors import GATEWAY_CODES, STATUS_CODES, api_error, gateway_error
from bot.ocr.errors import CODES, error_for_code
from bot.ocr.models import DocumentKind
from bot.ocr.preflight import prepare
from bot.slack.files import SlackFile, SlackFileDownloader

UPSTREAM_KINDS: list[type[UpstreamError]] = [
    Timeout,
    ConnectionFailed,
    RateLimited,
    Unavailable,
    AuthenticationFailed,
    Refused,
    BadResponse,
]


def _assert_advice(error: BotError) -> None:
    text = explain(error)
    assert text.ko
    assert text.en
    assert text.ko != text.en
    assert len(text.ko) < 250
    assert len(text.en) < 250
    assert "{" not in text.ko + text.en  # every placeholder filled


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_nhn_code_has_short_bilingual_advice(code: int) -> None:
    _assert_advice(error_for_code(code, endpoint="business", http_status=200))


@pytest.mark.parametrize("code", sorted(GATEWAY_CODES))
def test_every_nts_gateway_code_has_advice_about_the_national_tax_service(code: int) -> None:
    error = gateway_error(code, http_status=200)
    _assert_advice(error)
    assert "National Tax Service" in explain(error).en


@pytest.mark.parametrize("status_code", sorted(STATUS_CODES))
def test_every_nts_status_code_has_advice_about_the_national_tax_service(
    status_code: str,
) -> None:
    error = api_error(status_code, http_status=400)
    _assert_advice(error)
    assert "국세청" in explain(error).ko


@pytest.mark.parametrize("kind", UPSTREAM_KINDS)
@pytest.mark.parametrize("service", [Service.NHN, Service.NTS])
def test_one_kind_reads_differently_per_service(
    kind: type[UpstreamError], service: Service
) -> None:
    error = kind("x", service=service)
    _assert_advice(error)
    said = explain(error).en
    assert ("National Tax Service" in said) is (service is Service.NTS)
    assert ("OCR" in said) is (service is Service.NHN)


def test_card_failures_talk_about_cards_and_business_failures_about_certificates() -> None:
    assert "카드" in explain(error_for_code(5003013, endpoint="credit-card", http_status=200)).ko
    assert (
        "certificate" in explain(error_for_code(5003003, endpoint="business", http_status=200)).en
    )
    assert "admin" in explain(error_for_code(4010001, endpoint="business", http_status=200)).en


def test_each_card_encryption_refusal_has_its_own_advice() -> None:
    said = [
        explain(error_for_code(code, endpoint="credit-card", http_status=200))
        for code in (4000301, 4000302, 4000303)
    ]
    assert len({text.en for text in said}) == 3
    assert len({text.ko for text in said}) == 3
    assert all("카드" in text.ko and "card" in text.en for text in said)
    assert "key" in said[0].en  # a key change, not the user's photo
    assert "JPG" in said[2].en


def test_a_service_not_enabled_and_a_wrong_address_are_told_apart_from_bad_keys() -> None:
    keys = explain(error_for_code(4010001, endpoint="business", http_status=200)).en
    enabled = explain(error_for_code(4000401, endpoint="business", http_status=200)).en
    address = explain(error_for_code(4041007, endpoint="business", http_status=404)).en
    assert len({keys, enabled, address}) == 3
    assert "enable" in enabled
    assert "address" in address


def test_format_size_counts_megabytes_of_a_million_bytes() -> None:
    assert MB == 1_000_000
    assert format_size(5_000_000) == "5 MB"
    assert format_size(1_500_000) == "1.5 MB"
    assert format_size(50_000_000) == "50 MB"


@pytest.mark.parametrize("lang", list(Language))
def test_the_default_too_large_message_shows_the_configured_limit(lang: Language) -> None:
    settings = Settings(_env_file=None)
    assert settings.ocr_max_upload_bytes == 5 * MB
    big = b"%PDF-1.4\n" + b"0" * settings.ocr_max_upload_bytes
    with pytest.raises(FileTooLarge) as caught:
        prepare(big, "cert.pdf", DocumentKind.BUSINESS, settings.ocr_max_upload_bytes)
    said = explain(caught.value)(lang)
    assert "5 MB" in said
    assert "4.8" not in said


@pytest.mark.parametrize("lang", list(Language))
async def test_a_slack_download_too_large_shows_the_file_limit_in_the_same_unit(
    lang: Language,
) -> None:
    settings = Settings(_env_file=None)
    downloader = SlackFileDownloader(
        AsyncWebClient(token="xoxb-test"),
        api_url="https://slack.com/api/",
        max_bytes=settings.file_max_bytes,
    )
    file = SlackFile("F1", "a.png", "image/png", "png", settings.file_max_bytes + 1, None, None)
    try:
        with pytest.raises(FileTooLarge) as caught:
            downloader.check_size(file)
    finally:
        await downloader.aclose()
    assert "50 MB" in explain(caught.value)(lang)


def test_input_failures_keep_their_facts_in_the_advice() -> None:
    at_once = explain(TooManyPixels("x", megapixels=50, width=9000, height=8000)).en
    assert "9000 x 8000" in at_once
    assert "50 megapixels" in at_once
    assert "80 megapixels" in explain(TooManyPixels("x", megapixels=80)).en
    assert "line 7" in explain(NumberListError(NumberListProblem.MALFORMED, line=7)).en
    assert "5,000" in explain(NumberListError(NumberListProblem.TOO_MANY_ROWS, limit=5000)).en


def test_an_unsupported_file_is_explained_for_what_it_was_uploaded_as() -> None:
    card = explain(UnsupportedFileType("x", document="card")).en
    business = explain(UnsupportedFileType("x", document="business")).en
    unknown = explain(UnsupportedFileType("x")).en
    assert "PDF is not accepted" in card
    assert "certificate" in business
    assert len({card, business, unknown}) == 3


def test_slack_failures_name_what_happened() -> None:
    assert "files:read" in explain(AuthenticationFailed("x", service=Service.SLACK)).en
    assert "HTTP 502" in explain(Unavailable("x", service=Service.SLACK, http_status=502)).en
    assert "(ratelimited)" in explain(Refused("x", service=Service.SLACK, code="ratelimited")).en
    foreign = explain(NotDownloadable("x", reason=DownloadRefusal.FOREIGN_HOST)).en
    external = explain(NotDownloadable("x", reason=DownloadRefusal.EXTERNAL)).en
    assert foreign != external
    assert "deleted" in explain(FileGone("x")).en
    assert "10 digits" in explain(MalformedBusinessNumber("x")).en
    assert "empty" in explain(EmptyFile("x")).en
