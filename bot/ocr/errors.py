"""NHN Document OCR's result codes as facts: the kind of failure each one is, and whether
another try may succeed. What a person reads about them is in `bot.blocks.errors`.

`str(error)` is for logs: endpoint, what happened, result code and HTTP status. It never
carries credentials or card digits; text that comes from the server goes through
`scrub` first.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.config import MB
from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    BotError,
    CardNotFound,
    EmptyFile,
    FileTooLarge,
    NotACertificate,
    NotRecognised,
    NumberNotRegistered,
    PasswordProtectedPdf,
    RateLimited,
    Refused,
    Service,
    Unavailable,
    UnreadableImage,
    UnsupportedFileType,
    UpstreamError,
)

# NHN's guides state 5 MB, multipart overhead included (FACTS.md).
GUIDE_UPLOAD_LIMIT_BYTES = 5 * MB


@dataclass(frozen=True, slots=True)
class CodeSpec:
    error: type[BotError]
    retryable: bool
    description: str  # what NHN's documentation says the code means


def _spec(error: type[BotError], description: str, *, retryable: bool | None = None) -> CodeSpec:
    return CodeSpec(error, error.default_retryable if retryable is None else retryable, description)


TOKEN_INVALID = 4010006
# Credit card API v2.1: the client refetches the public key once on 4000301 itself.
CARD_KEY_VERSION_INVALID = 4000301
CARD_SYMMETRIC_KEY_INVALID = 4000302
CARD_CIPHERTEXT_INVALID = 4000303
SERVICE_NOT_ENABLED = 4000401
STATUS_API_FAILED = 5003004
TOO_LARGE_CODE = 4131000
# What NHN's API Gateway answers, with its own HTTP status, before the OCR service sees a call.
GATEWAY_HTTP_STATUS: Mapping[int, int] = MappingProxyType(
    {4131000: 413, 4291000: 429, 4041007: 404, 5020001: 502, 5030001: 503}
)

CODES: Mapping[int, CodeSpec] = MappingProxyType(
    {
        -1: _spec(Unavailable, "unknown error", retryable=False),
        400: _spec(Refused, "bad request"),
        401: _spec(AuthenticationFailed, "unauthorized"),
        403: _spec(AuthenticationFailed, "forbidden"),
        404: _spec(Refused, "not found"),
        405: _spec(Refused, "method not allowed"),
        415: _spec(UnsupportedFileType, "unsupported media type"),
        4000001: _spec(Refused, "invalid parameter"),
        4000002: _spec(UnreadableImage, "invalid file"),
        4000003: _spec(UnsupportedFileType, "invalid file type"),
        4000004: _spec(EmptyFile, "uploaded file is empty"),
        4000005: _spec(AuthenticationFailed, "required headers are missing"),
        4000006: _spec(RateLimited, "API call limit exceeded"),
        4000101: _spec(NotACertificate, "invalid business registration format"),
        4000102: _spec(NumberNotRegistered, "business number does not exist"),
        4000103: _spec(PasswordProtectedPdf, "PDF is password-protected"),
        4000111: _spec(CardNotFound, "credit card information not found"),
        # Still refused after the key was fetched afresh: another try would meet the same.
        CARD_KEY_VERSION_INVALID: _spec(Refused, "card API: invalid key version"),
        # The next attempt wraps a new key, under a public key fetched afresh.
        CARD_SYMMETRIC_KEY_INVALID: _spec(
            Refused, "card API: invalid symmetric key", retryable=True
        ),
        # The same image sealed again would be refused again.
        CARD_CIPHERTEXT_INVALID: _spec(Refused, "card API: invalid encrypted data"),
        SERVICE_NOT_ENABLED: _spec(AuthenticationFailed, "service not enabled"),
        4010001: _spec(AuthenticationFailed, "invalid appkey or secret key"),
        4010002: _spec(AuthenticationFailed, "invalid uuid"),
        4010003: _spec(AuthenticationFailed, "user not allowed"),
        4010004: _spec(AuthenticationFailed, "invalid project"),
        4010005: _spec(AuthenticationFailed, "unauthorized role"),
        TOKEN_INVALID: _spec(AuthenticationFailed, "invalid token"),
        4010007: _spec(AuthenticationFailed, "permission denied"),
        4041007: _spec(Refused, "gateway: URL not found"),
        TOO_LARGE_CODE: _spec(FileTooLarge, "request larger than the permitted size"),
        4291000: _spec(RateLimited, "gateway: too many requests"),
        5000001: _spec(Unavailable, "internal API failure"),
        5000002: _spec(Unavailable, "error parsing failure"),
        5000003: _spec(Unavailable, "database server error"),
        5000004: _spec(Unavailable, "resource deletion failure"),
        5000005: _spec(Unavailable, "file read failure"),
        5000006: _spec(Unavailable, "decryption failure"),
        5000007: _spec(Unavailable, "encryption failure"),
        5000503: _spec(Unavailable, "API temporarily unavailable"),
        5003001: _spec(NotRecognised, "business OCR API failure"),
        5003002: _spec(NotRecognised, "business OCR API returned an empty body"),
        5003003: _spec(NotRecognised, "business OCR failed to recognise the document"),
        STATUS_API_FAILED: _spec(Unavailable, "business status API failure", retryable=False),
        5003011: _spec(NotRecognised, "card OCR API failure"),
        5003012: _spec(NotRecognised, "card OCR API returned an empty body"),
        5003013: _spec(NotRecognised, "card OCR failed to recognise the card"),
        5020001: _spec(Unavailable, "gateway: bad gateway"),
        5030001: _spec(Unavailable, "gateway: service unavailable"),
    }
)
# The codes of a failed card reading; the other NotRecognised codes are a certificate's.
_CARD_NOT_RECOGNISED = frozenset({5003011, 5003012, 5003013})

_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){7,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SCRUBBED_MAX_CHARS = 200


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Make server-supplied text safe to log: no known secrets, no long digit runs."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _DIGIT_RUN.sub("[digits]", text)
    return _CONTROL.sub(" ", text)[:_SCRUBBED_MAX_CHARS]


def error_for_code(
    code: int,
    *,
    endpoint: str,
    http_status: int,
    server_message: str = "",
    secrets: Iterable[str] = (),
    retry_after_s: float | None = None,
) -> BotError:
    """The typed error for a failed result header; an unlisted code still gets one."""
    spec = CODES.get(code)
    if spec is None:
        said = scrub(server_message, secrets)
        kind: type[UpstreamError] = (
            Unavailable if http_status >= 500 else RateLimited if http_status == 429 else Refused
        )
        return kind(
            f"{endpoint}: unlisted result code: {said}",
            service=Service.NHN,
            code=code,
            http_status=http_status,
            retryable=kind.default_retryable,
            retry_after_s=retry_after_s,
        )
    detail = f"{endpoint}: {spec.description}"
    if issubclass(spec.error, UpstreamError):
        return spec.error(
            detail,
            service=Service.NHN,
            code=code,
            http_status=http_status,
            retryable=spec.retryable,
            retry_after_s=retry_after_s,
        )
    if spec.error is FileTooLarge:
        return FileTooLarge(
            detail, limit_bytes=GUIDE_UPLOAD_LIMIT_BYTES, code=code, http_status=http_status
        )
    if spec.error is NotRecognised:
        document = "card" if code in _CARD_NOT_RECOGNISED else "business"
        return NotRecognised(detail, document=document, code=code, http_status=http_status)
    return spec.error(detail, code=code, http_status=http_status, retryable=spec.retryable)


def bad_response(
    detail: str, *, http_status: int | None = None, retry_after_s: float | None = None
) -> BadResponse:
    """An NHN answer the client cannot use; retryable when NHN's server was at fault."""
    return BadResponse(
        detail,
        service=Service.NHN,
        http_status=http_status,
        retryable=http_status is not None and http_status >= 500,
        retry_after_s=retry_after_s,
    )
