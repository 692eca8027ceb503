"""Typed errors for NHN Document OCR, and the table of every documented result code.

`str(error)` is for logs: endpoint, what happened, result code and HTTP status. It never
carries credentials or card digits; text that comes from the server goes through
`scrub` first. `user_message` is what the bot tells the person, in Korean and English.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

import httpx

from bot.errors import UserFacingError
from bot.i18n import Text

# NHN's guides state 5 MB; the new endpoint takes 20 MB (FACTS.md).
GUIDE_UPLOAD_LIMIT_BYTES = 5_000_000
_MIB = 1024 * 1024


def format_size(size_bytes: int) -> str:
    """Megabytes as file browsers show them: 5242880 -> "5 MB", 1572864 -> "1.5 MB"."""
    megabytes = size_bytes / _MIB
    if megabytes >= 10 or megabytes == round(megabytes):
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB"


UNKNOWN = Text(
    ko=(
        "OCR 서비스에서 알 수 없는 오류가 발생했습니다. "
        "잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The OCR service had an unknown error. "
        "Try again later and tell an admin if it keeps happening."
    ),
)
INVALID_REQUEST = Text(
    ko=(
        "OCR 서비스가 요청을 받아들이지 않았습니다. "
        "파일을 다시 올려 보고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The OCR service refused the request. "
        "Upload the file again and tell an admin if it keeps happening."
    ),
)
INVALID_BUSINESS_NUMBER = Text(
    ko="사업자등록번호는 숫자 10자리여야 합니다(예: 220-81-62517).",
    en="A business registration number has 10 digits (e.g. 220-81-62517).",
)
UNREADABLE = Text(
    ko="파일을 읽을 수 없습니다. 글자가 선명하게 보이도록 다시 찍어 올려 주세요.",
    en="The file could not be read. Retake the photo so the text is sharp and upload it again.",
)
TOO_MANY_PIXELS = Text(
    ko=(
        "이미지의 픽셀 수가 너무 많아 처리할 수 없습니다(최대 {megapixels}메가픽셀). "
        "해상도를 낮춰 다시 저장해 올려 주세요."
    ),
    en=(
        "The image has too many pixels to process (at most {megapixels} megapixels). "
        "Save it at a lower resolution and upload it again."
    ),
)
TOO_MANY_PIXELS_AT_ONCE = Text(
    ko=(
        "이미지가 {width}×{height} 픽셀이라 한 번에 처리하기에 너무 큽니다. "
        "{megapixels}메가픽셀 이하로 줄이거나 JPG로 저장해 다시 올려 주세요."
    ),
    en=(
        "This image is {width} x {height} pixels, too large to process at once. "
        "Save it at {megapixels} megapixels or fewer, or as a JPG, and upload it again."
    ),
)
UNSUPPORTED_TYPE = Text(
    ko=(
        "지원하지 않는 파일 형식입니다. JPG, PNG, HEIC, WebP, TIFF, BMP, GIF 이미지로 "
        "올려 주세요(사업자등록증은 PDF도 됩니다)."
    ),
    en=(
        "This file type is not supported. Upload a JPG, PNG, HEIC, WebP, TIFF, BMP or GIF "
        "image (or a PDF for a business registration certificate)."
    ),
)
# Whatever the file's name says: the bytes decide (an HTML page named scan.pdf gets this).
UNSUPPORTED_FOR_BUSINESS = Text(
    ko=(
        "읽을 수 있는 PDF나 이미지 파일이 아닙니다. 사업자등록증은 JPG, PNG, HEIC, WebP, "
        "TIFF, BMP, GIF 이미지나 PDF 파일로 올려 주세요."
    ),
    en=(
        "This file is not a readable PDF or image. Upload the business registration "
        "certificate as a JPG, PNG, HEIC, WebP, TIFF, BMP or GIF image, or as a PDF."
    ),
)
UNSUPPORTED_FOR_CARD = Text(
    ko=(
        "읽을 수 있는 이미지 파일이 아닙니다. 카드는 JPG, PNG, HEIC, WebP, TIFF, BMP, GIF "
        "이미지로 올려 주세요(PDF는 안 됩니다)."
    ),
    en=(
        "This file is not a readable image. Upload the card as a JPG, PNG, HEIC, WebP, TIFF, "
        "BMP or GIF image (PDF is not accepted)."
    ),
)
EMPTY = Text(
    ko="빈 파일입니다. 파일을 다시 올려 주세요.",
    en="The file is empty. Please upload it again.",
)
TOO_LARGE = Text(
    ko="파일이 너무 큽니다(최대 {limit}). 더 작은 파일로 올려 주세요.",
    en="The file is too large (limit {limit}). Please upload a smaller file.",
)
PASSWORD_PDF = Text(
    ko="암호가 걸린 PDF는 읽을 수 없습니다. 암호를 푼 PDF나 사진으로 올려 주세요.",
    en="A password-protected PDF cannot be read. Upload an unlocked PDF or a photo instead.",
)
PDF_UNREADABLE = Text(
    ko="PDF 파일을 열 수 없습니다. PDF를 다시 저장해 올리거나 사진으로 올려 주세요.",
    en="The PDF could not be opened. Save it again and upload it, or upload a photo instead.",
)
NOT_A_CERTIFICATE = Text(
    ko="사업자등록증으로 인식되지 않습니다. 사업자등록증 전체가 보이도록 다시 찍어 올려 주세요.",
    en=(
        "This does not look like a business registration certificate. "
        "Retake the photo showing the whole certificate."
    ),
)
NUMBER_NOT_REGISTERED = Text(
    ko="국세청에 등록되지 않은 사업자등록번호입니다. 번호를 확인해 주세요.",
    en=(
        "This business registration number is not registered with the National Tax Service. "
        "Please check the number."
    ),
)
CARD_NOT_FOUND = Text(
    ko="카드 번호를 찾지 못했습니다. 카드 앞면이 화면을 채우도록 똑바로 다시 찍어 올려 주세요.",
    en=(
        "No card number was found. "
        "Retake the photo with the front of the card upright and filling the frame."
    ),
)
CHECK_KEYS = Text(
    ko=(
        "OCR 서비스 인증에 실패했습니다. "
        "관리자에게 NHN Cloud 키 설정을 확인해 달라고 요청해 주세요."
    ),
    en=(
        "The OCR service did not accept the bot's credentials. "
        "Please ask an admin to check the NHN Cloud keys."
    ),
)
NOT_ENABLED = Text(
    ko="NHN Cloud에서 Document OCR 서비스가 활성화되어 있지 않습니다. 관리자에게 요청해 주세요.",
    en="Document OCR is not enabled in NHN Cloud. Please ask an admin to enable it.",
)
RATE_LIMITED = Text(
    ko="OCR 요청이 너무 많아 잠시 제한되었습니다. 몇 분 후 다시 시도해 주세요.",
    en="The OCR service is limiting requests right now. Please try again in a few minutes.",
)
UNAVAILABLE = Text(
    ko="OCR 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
    en="The OCR service is temporarily unavailable. Please try again later.",
)
BUSINESS_NOT_RECOGNISED = Text(
    ko=(
        "사업자등록증을 인식하지 못했습니다. "
        "밝은 곳에서 문서 전체가 선명하게 보이도록 다시 찍어 올려 주세요."
    ),
    en=(
        "The certificate could not be recognised. "
        "Retake the photo in good light with the whole document sharp."
    ),
)
STATUS_CHECK_FAILED = Text(
    ko="사업자 상태를 조회하지 못했습니다. 잠시 후 다시 시도해 주세요.",
    en="The business status could not be checked. Please try again later.",
)
CARD_NOT_RECOGNISED = Text(
    ko="카드를 인식하지 못했습니다. 밝은 곳에서 카드 앞면을 똑바로 다시 찍어 올려 주세요.",
    en=(
        "The card could not be recognised. "
        "Retake the photo of the front of the card, upright and in good light."
    ),
)
CARD_KEY_VERSION_REFUSED = Text(
    ko=(
        "OCR 서비스가 카드 암호화 키를 바꾸는 중이라 카드를 읽지 못했습니다. "
        "몇 분 후 다시 올려 주시고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The OCR service is changing its card encryption key, so the card could not be read. "
        "Upload it again in a few minutes and tell an admin if it keeps happening."
    ),
)
CARD_KEY_REFUSED = Text(
    ko=(
        "OCR 서비스가 카드 사진을 보호하는 암호화 키를 받아들이지 않았습니다. "
        "잠시 후 다시 올려 주시고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The OCR service did not accept the key protecting the card photo. "
        "Upload it again later and tell an admin if it keeps happening."
    ),
)
CARD_CIPHERTEXT_REFUSED = Text(
    ko=(
        "OCR 서비스가 암호화된 카드 사진을 풀지 못했습니다. "
        "카드 사진을 JPG나 PNG로 다시 올려 주시고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The OCR service could not decrypt the encrypted card photo. "
        "Upload the card again as a JPG or PNG and tell an admin if it keeps happening."
    ),
)
WRONG_ADDRESS = Text(
    ko="OCR 서비스 주소가 올바르지 않습니다. 관리자에게 OCR 설정을 확인해 달라고 요청해 주세요.",
    en="The OCR service address is wrong. Please ask an admin to check the OCR settings.",
)
TIMED_OUT = Text(
    ko="OCR 서비스의 응답이 너무 늦습니다. 잠시 후 다시 시도해 주세요.",
    en="The OCR service took too long to answer. Please try again later.",
)
CONNECTION_FAILED = Text(
    ko="OCR 서비스에 연결하지 못했습니다. 잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요.",
    en="Could not reach the OCR service. Try again later and tell an admin if it keeps happening.",
)
BAD_RESPONSE = Text(
    ko="OCR 서비스가 예상하지 못한 응답을 보냈습니다. 잠시 후 다시 시도해 주세요.",
    en="The OCR service sent an unexpected answer. Please try again later.",
)


class OcrError(UserFacingError):
    """Base of every OCR failure. Subclasses set what is usually true of them."""

    default_retryable: ClassVar[bool] = False
    default_message: ClassVar[Text] = UNKNOWN

    def __init__(
        self,
        detail: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
        user_message: Text | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.user_message = self.default_message if user_message is None else user_message
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        facts = [f"code={self.code}"] if self.code is not None else []
        if self.http_status is not None:
            facts.append(f"http={self.http_status}")
        return f"{self.detail} [{', '.join(facts)}]" if facts else self.detail


class InvalidInput(OcrError):
    default_message = INVALID_REQUEST


class EmptyFile(InvalidInput):
    default_message = EMPTY


class UnsupportedFileType(InvalidInput):
    default_message = UNSUPPORTED_TYPE


class FileTooLarge(InvalidInput):
    default_message = TOO_LARGE.format(limit=format_size(GUIDE_UPLOAD_LIMIT_BYTES))


class PasswordProtectedPdf(InvalidInput):
    default_message = PASSWORD_PDF


class ImageUnreadable(InvalidInput):
    default_message = UNREADABLE


class PdfUnreadable(InvalidInput):
    default_message = PDF_UNREADABLE


class BusinessNumberNotFound(OcrError):
    default_message = NUMBER_NOT_REGISTERED


class CardNotFound(OcrError):
    default_message = CARD_NOT_FOUND


class AuthenticationError(OcrError):
    default_message = CHECK_KEYS


class RateLimited(OcrError):
    default_retryable = True
    default_message = RATE_LIMITED


class ServiceUnavailable(OcrError):
    default_retryable = True
    default_message = UNAVAILABLE


class RecognitionFailed(OcrError):
    default_message = BUSINESS_NOT_RECOGNISED


class NotFound(OcrError):
    default_message = WRONG_ADDRESS


class UnknownError(OcrError):
    default_message = UNKNOWN


class OcrTimeout(OcrError):
    default_retryable = True
    default_message = TIMED_OUT


class OcrConnectionError(OcrError):
    default_retryable = True
    default_message = CONNECTION_FAILED


class InvalidResponse(OcrError):
    default_message = BAD_RESPONSE


class CardEncryptionError(OcrError):
    """NHN refused the v2.1 envelope: the key version, the wrapped key or the ciphertext."""

    default_message = CARD_CIPHERTEXT_REFUSED


@dataclass(frozen=True, slots=True)
class CodeSpec:
    error: type[OcrError]
    retryable: bool
    message: Text
    description: str  # what NHN's documentation says the code means


def _spec(
    error: type[OcrError],
    description: str,
    message: Text | None = None,
    *,
    retryable: bool | None = None,
) -> CodeSpec:
    return CodeSpec(
        error,
        error.default_retryable if retryable is None else retryable,
        message or error.default_message,
        description,
    )


TOKEN_INVALID = 4010006
# Credit card API v2.1: the client refetches the public key once on 4000301 itself.
CARD_KEY_VERSION_INVALID = 4000301
CARD_SYMMETRIC_KEY_INVALID = 4000302
TOO_LARGE_CODE = 4131000
# What NHN's API Gateway answers, with its own HTTP status, before the OCR service sees a call.
GATEWAY_HTTP_STATUS: Mapping[int, int] = MappingProxyType(
    {4131000: 413, 4291000: 429, 4041007: 404, 5020001: 502, 5030001: 503}
)

CODES: Mapping[int, CodeSpec] = MappingProxyType(
    {
        -1: _spec(UnknownError, "unknown error"),
        400: _spec(InvalidInput, "bad request"),
        401: _spec(AuthenticationError, "unauthorized"),
        403: _spec(AuthenticationError, "forbidden"),
        404: _spec(NotFound, "not found"),
        405: _spec(NotFound, "method not allowed"),
        415: _spec(UnsupportedFileType, "unsupported media type"),
        4000001: _spec(InvalidInput, "invalid parameter"),
        4000002: _spec(ImageUnreadable, "invalid file"),
        4000003: _spec(UnsupportedFileType, "invalid file type"),
        4000004: _spec(EmptyFile, "uploaded file is empty"),
        4000005: _spec(AuthenticationError, "required headers are missing"),
        4000006: _spec(RateLimited, "API call limit exceeded"),
        4000101: _spec(InvalidInput, "invalid business registration format", NOT_A_CERTIFICATE),
        4000102: _spec(BusinessNumberNotFound, "business number does not exist"),
        4000103: _spec(PasswordProtectedPdf, "PDF is password-protected"),
        4000111: _spec(CardNotFound, "credit card information not found"),
        # Still refused after the key was fetched afresh: another try would meet the same.
        CARD_KEY_VERSION_INVALID: _spec(
            CardEncryptionError, "card API: invalid key version", CARD_KEY_VERSION_REFUSED
        ),
        # The next attempt wraps a new key, under a public key fetched afresh.
        CARD_SYMMETRIC_KEY_INVALID: _spec(
            CardEncryptionError,
            "card API: invalid symmetric key",
            CARD_KEY_REFUSED,
            retryable=True,
        ),
        # The same image sealed again would be refused again.
        4000303: _spec(CardEncryptionError, "card API: invalid encrypted data"),
        4000401: _spec(AuthenticationError, "service not enabled", NOT_ENABLED),
        4010001: _spec(AuthenticationError, "invalid appkey or secret key"),
        4010002: _spec(AuthenticationError, "invalid uuid"),
        4010003: _spec(AuthenticationError, "user not allowed"),
        4010004: _spec(AuthenticationError, "invalid project"),
        4010005: _spec(AuthenticationError, "unauthorized role"),
        TOKEN_INVALID: _spec(AuthenticationError, "invalid token"),
        4010007: _spec(AuthenticationError, "permission denied"),
        4041007: _spec(NotFound, "gateway: URL not found"),
        TOO_LARGE_CODE: _spec(FileTooLarge, "request larger than the permitted size"),
        4291000: _spec(RateLimited, "gateway: too many requests"),
        5000001: _spec(ServiceUnavailable, "internal API failure"),
        5000002: _spec(ServiceUnavailable, "error parsing failure"),
        5000003: _spec(ServiceUnavailable, "database server error"),
        5000004: _spec(ServiceUnavailable, "resource deletion failure"),
        5000005: _spec(ServiceUnavailable, "file read failure"),
        5000006: _spec(ServiceUnavailable, "decryption failure"),
        5000007: _spec(ServiceUnavailable, "encryption failure"),
        5000503: _spec(ServiceUnavailable, "API temporarily unavailable"),
        5003001: _spec(RecognitionFailed, "business OCR API failure"),
        5003002: _spec(RecognitionFailed, "business OCR API returned an empty body"),
        5003003: _spec(RecognitionFailed, "business OCR failed to recognise the document"),
        5003004: _spec(RecognitionFailed, "business status API failure", STATUS_CHECK_FAILED),
        5003011: _spec(RecognitionFailed, "card OCR API failure", CARD_NOT_RECOGNISED),
        5003012: _spec(
            RecognitionFailed, "card OCR API returned an empty body", CARD_NOT_RECOGNISED
        ),
        5003013: _spec(
            RecognitionFailed, "card OCR failed to recognise the card", CARD_NOT_RECOGNISED
        ),
        5020001: _spec(ServiceUnavailable, "gateway: bad gateway"),
        5030001: _spec(ServiceUnavailable, "gateway: service unavailable"),
    }
)

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
) -> OcrError:
    """The typed error for a failed result header; an unlisted code still gets one."""
    spec = CODES.get(code)
    if spec is not None:
        return spec.error(
            f"{endpoint}: {spec.description}",
            code=code,
            http_status=http_status,
            retryable=spec.retryable,
            user_message=spec.message,
            retry_after_s=retry_after_s,
        )
    said = scrub(server_message, secrets)
    if http_status >= 500:
        error_type: type[OcrError] = ServiceUnavailable
    elif http_status == 429:
        error_type = RateLimited
    else:
        error_type = UnknownError
    return error_type(
        f"{endpoint}: unlisted result code: {said}",
        code=code,
        http_status=http_status,
        retry_after_s=retry_after_s,
    )


def transport_error(endpoint: str, error: httpx.RequestError) -> OcrError:
    """A timeout or connection failure, named by type only: httpx's text may hold the URL."""
    if isinstance(error, httpx.TimeoutException):
        return OcrTimeout(f"{endpoint}: {type(error).__name__}")
    return OcrConnectionError(f"{endpoint}: {type(error).__name__}")
