"""NHN's result codes as facts: the table lists every documented code, and each error
keeps its facts. The kind and retryability of each code, from the guides, through the fake
NHN: test_documented_codes.py. What a person reads: tests/blocks/test_errors.py."""

import pytest

from bot.errors import (
    BotError,
    FileTooLarge,
    NotRecognised,
    RateLimited,
    Refused,
    Service,
    Unavailable,
    UnsupportedFileType,
    UpstreamError,
)
from bot.ocr.errors import CODES, GUIDE_UPLOAD_LIMIT_BYTES, error_for_code, scrub

# Every code in NHN's guides, its error-code page and FACTS.md (4000301-4000303: the
# credit-card API v2.1).
DOCUMENTED = {
    -1, 400, 401, 403, 404, 405, 415,
    *range(4000001, 4000007), *range(4000101, 4000104), 4000111, *range(4000301, 4000304),
    4000401,
    *range(4010001, 4010008), 4041007, 4131000, 4291000,
    *range(5000001, 5000008), 5000503, *range(5003001, 5003005), *range(5003011, 5003014),
    5020001, 5030001,
}  # fmt: skip


def test_the_table_has_every_documented_code_and_nothing_else() -> None:
    assert set(CODES) == DOCUMENTED


@pytest.mark.parametrize("code", sorted(CODES))
def test_an_upstream_kind_names_nhn_and_keeps_the_code(code: int) -> None:
    error = error_for_code(code, endpoint="business", http_status=200, retry_after_s=3.0)
    assert error.code == code
    assert error.retryable is CODES[code].retryable
    if isinstance(error, UpstreamError):
        assert error.service is Service.NHN
        assert error.retry_after_s == 3.0


def test_a_too_large_answer_carries_the_guides_limit() -> None:
    error = error_for_code(4131000, endpoint="business", http_status=413)
    assert isinstance(error, FileTooLarge)
    assert error.limit_bytes == GUIDE_UPLOAD_LIMIT_BYTES == 5_000_000


def test_a_failed_reading_says_which_document() -> None:
    card = error_for_code(5003013, endpoint="credit-card", http_status=200)
    certificate = error_for_code(5003003, endpoint="business", http_status=200)
    assert isinstance(card, NotRecognised)
    assert isinstance(certificate, NotRecognised)
    assert (card.document, certificate.document) == ("card", "business")


def test_error_for_a_listed_code_carries_its_facts() -> None:
    error = error_for_code(4000003, endpoint="business", http_status=200)
    assert isinstance(error, UnsupportedFileType)
    assert (error.code, error.http_status, error.retryable) == (4000003, 200, False)
    assert str(error) == "business: invalid file type [code=4000003, http=200]"


@pytest.mark.parametrize(
    ("http_status", "error", "retryable"),
    [(200, Refused, False), (503, Unavailable, True), (429, RateLimited, True)],
)
def test_an_unlisted_code_still_gets_a_typed_error(
    http_status: int, error: type[BotError], retryable: bool
) -> None:
    raised = error_for_code(4009999, endpoint="credit-card", http_status=http_status)
    assert type(raised) is error
    assert raised.retryable is retryable
    assert raised.code == 4009999


def test_server_text_of_an_unlisted_code_is_scrubbed() -> None:
    raised = error_for_code(
        4009999,
        endpoint="credit-card",
        http_status=200,
        server_message="bad key app-secret-1 for card 5555-5555-5555-4444\nand 4111111111111111",
        secrets=["app-secret-1"],
    )
    text = str(raised)
    assert "app-secret-1" not in text
    assert "4444" not in text
    assert "4111111111111111" not in text
    assert "\n" not in text
    assert "[redacted]" in text
    assert "[digits]" in text


def test_scrub_keeps_short_numbers_and_bounds_the_length() -> None:
    assert scrub("limit is 5mb, code 4131000") == "limit is 5mb, code 4131000"
    assert len(scrub("x" * 10_000)) == 200
