import pytest

from bot.blocks.errors import explain
from bot.ocr import (
    AuthenticationError,
    BusinessNumberNotFound,
    CardEncryptionError,
    CardNotFound,
    EmptyFile,
    FileTooLarge,
    ImageUnreadable,
    InvalidInput,
    NotFound,
    OcrError,
    PasswordProtectedPdf,
    RateLimited,
    RecognitionFailed,
    ServiceUnavailable,
    UnknownError,
    UnsupportedFileType,
)
from bot.ocr.errors import CODES, error_for_code, format_size, scrub

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
# 4000302: the next attempt wraps a fresh symmetric key under a freshly fetched public key.
RETRYABLE = {
    4000006, 4000302, 4291000, *range(5000001, 5000008), 5000503, 5020001, 5030001,
}  # fmt: skip


def test_the_table_has_every_documented_code_and_nothing_else() -> None:
    assert set(CODES) == DOCUMENTED


def test_only_transient_codes_are_retryable() -> None:
    assert {code for code, spec in CODES.items() if spec.retryable} == RETRYABLE


@pytest.mark.parametrize(
    ("codes", "error"),
    [
        ([4000001, 4000101, 400], InvalidInput),
        ([4000002], ImageUnreadable),
        ([4000003, 415], UnsupportedFileType),
        ([4000004], EmptyFile),
        ([4000103], PasswordProtectedPdf),
        ([4131000], FileTooLarge),
        ([4000102], BusinessNumberNotFound),
        ([4000111], CardNotFound),
        ([4000301, 4000302, 4000303], CardEncryptionError),
        ([4000005, 4000401, *range(4010001, 4010008), 401, 403], AuthenticationError),
        ([4000006, 4291000], RateLimited),
        ([*range(5000001, 5000008), 5000503, 5020001, 5030001], ServiceUnavailable),
        ([*range(5003001, 5003005), *range(5003011, 5003014)], RecognitionFailed),
        ([4041007, 404, 405], NotFound),
        ([-1], UnknownError),
    ],
)
def test_codes_map_to_their_class(codes: list[int], error: type[OcrError]) -> None:
    for code in codes:
        assert CODES[code].error is error, code


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_short_bilingual_message(code: int) -> None:
    message = CODES[code].message
    assert message.ko
    assert message.en
    assert message.ko != message.en
    assert len(message.ko) < 200
    assert len(message.en) < 200


def test_card_failures_talk_about_cards_and_business_failures_about_certificates() -> None:
    assert "카드" in CODES[5003013].message.ko
    assert "certificate" in CODES[5003003].message.en
    assert "admin" in CODES[4010001].message.en


def test_each_card_encryption_refusal_has_its_own_message() -> None:
    messages = [CODES[code].message for code in (4000301, 4000302, 4000303)]
    assert len({message.en for message in messages}) == 3
    assert len({message.ko for message in messages}) == 3
    assert all("카드" in message.ko and "card" in message.en for message in messages)
    assert "key" in CODES[4000301].message.en  # a key change, not the user's photo
    assert "JPG" in CODES[4000303].message.en


def test_error_for_a_listed_code_carries_its_facts() -> None:
    error = error_for_code(4000003, endpoint="business", http_status=200)
    assert isinstance(error, UnsupportedFileType)
    assert (error.code, error.http_status, error.retryable) == (4000003, 200, False)
    assert explain(error) == CODES[4000003].message
    assert str(error) == "business: invalid file type [code=4000003, http=200]"


@pytest.mark.parametrize(
    ("http_status", "error", "retryable"),
    [(200, UnknownError, False), (503, ServiceUnavailable, True), (429, RateLimited, True)],
)
def test_an_unlisted_code_still_gets_a_typed_error(
    http_status: int, error: type[OcrError], retryable: bool
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


def test_format_size() -> None:
    assert format_size(5 * 1024 * 1024) == "5 MB"
    assert format_size(1536 * 1024) == "1.5 MB"
    assert format_size(20 * 1024 * 1024) == "20 MB"
