"""What the bot tells a person about a failure, in Korean and English: one place for it all.

Adapters raise errors with codes and facts (`bot.errors`); `explain` turns one into words.
A megabyte here is 10^6 bytes, as in the settings and NHN's guides. Long on purpose: one
cohesive table of every failure's words, so a translator or a reviewer reads them in one file.
"""

from collections.abc import Mapping
from types import MappingProxyType

from bot.config import MB
from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    BotError,
    CardNotFound,
    ConnectionFailed,
    DownloadRefusal,
    EmptyFile,
    FileGone,
    FileTooLarge,
    MalformedBusinessNumber,
    NotACertificate,
    NotDownloadable,
    NotRecognised,
    NumberListError,
    NumberListProblem,
    NumberNotRegistered,
    PasswordProtectedPdf,
    RateLimited,
    Refused,
    Service,
    Timeout,
    TooManyPixels,
    Unavailable,
    UnreadableImage,
    UnreadablePdf,
    UnsupportedFileType,
    UpstreamError,
)
from bot.i18n import Text


def format_size(size_bytes: int) -> str:
    """Megabytes of 10^6 bytes, as a limit is set: 5000000 -> "5 MB", 1500000 -> "1.5 MB".

    >>> format_size(5_000_000), format_size(1_500_000), format_size(50_000_000)
    ('5 MB', '1.5 MB', '50 MB')
    """
    megabytes = size_bytes / MB
    if megabytes >= 10 or megabytes == round(megabytes):
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB"


# NHN Document OCR, and the files and numbers a person gives it
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

# The National Tax Service API
NTS_UNKNOWN = Text(
    ko=(
        "국세청 사업자 상태 조회 중 알 수 없는 오류가 발생했습니다. "
        "잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The National Tax Service status lookup had an unknown error. "
        "Try again later and tell an admin if it keeps happening."
    ),
)
NTS_CHECK_SERVICE_KEY = Text(
    ko=(
        "국세청 사업자 상태 조회 API가 봇의 서비스 키를 받아들이지 않았습니다. "
        "관리자에게 공공데이터포털 활용신청과 NTS_SERVICE_KEY 설정을 확인해 달라고 요청해 주세요."
    ),
    en=(
        "The National Tax Service status API did not accept the bot's service key. "
        "Please ask an admin to check the data.go.kr subscription and NTS_SERVICE_KEY."
    ),
)
NTS_RATE_LIMITED = Text(
    ko="국세청 사업자 상태 조회 요청이 너무 많아 잠시 제한되었습니다. 나중에 다시 시도해 주세요.",
    en=(
        "The National Tax Service status API is limiting requests right now. "
        "Please try again later."
    ),
)
NTS_UNAVAILABLE = Text(
    ko="국세청 사업자 상태 조회 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
    en=(
        "The National Tax Service status lookup is temporarily unavailable. Please try again later."
    ),
)
NTS_TIMED_OUT = Text(
    ko="국세청 사업자 상태 조회의 응답이 너무 늦습니다. 잠시 후 다시 시도해 주세요.",
    en="The National Tax Service status lookup took too long to answer. Please try again later.",
)
NTS_CONNECTION_FAILED = Text(
    ko=(
        "국세청 사업자 상태 조회 서비스에 연결하지 못했습니다. "
        "잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "Could not reach the National Tax Service status lookup. "
        "Try again later and tell an admin if it keeps happening."
    ),
)
NTS_REFUSED = Text(
    ko="국세청 사업자 상태 조회 API가 봇의 요청을 거절했습니다. 관리자에게 알려 주세요.",
    en="The National Tax Service status API refused the bot's request. Please tell an admin.",
)
NTS_BAD_RESPONSE = Text(
    ko="국세청 사업자 상태 조회 API가 예상하지 못한 응답을 보냈습니다. 잠시 후 다시 시도해 주세요.",
    en="The National Tax Service status API sent an unexpected answer. Please try again later.",
)

# Slack's files
SLACK_SCOPE_MISSING = Text(
    ko="Slack이 파일 대신 로그인 페이지를 보냈습니다. 앱에 `files:read` 권한이 없습니다. "
    "관리자가 Slack 앱 설정의 OAuth & Permissions에서 `files:read` 권한을 추가한 뒤 "
    "앱을 워크스페이스에 다시 설치해 주세요.",
    en="Slack sent a sign-in page instead of the file: the app is missing the `files:read` "
    "scope. An admin should add `files:read` under OAuth & Permissions in the Slack app "
    "settings, then reinstall the app to the workspace.",
)
SLACK_FOREIGN_HOST = Text(
    ko="이 파일은 Slack에 저장된 파일이 아니어서 내려받지 않았습니다. "
    "파일을 Slack에 직접 올려 주세요.",
    en="This file is not stored on Slack, so it was not downloaded. "
    "Upload the file to Slack directly.",
)
SLACK_FILE_GONE = Text(
    ko="파일이 삭제되었거나 더 이상 볼 수 없습니다. 파일을 다시 올려 주세요.",
    en="The file was deleted or is no longer available. Upload it again.",
)
SLACK_NOT_DOWNLOADABLE = Text(
    ko="이 파일은 내려받을 수 없습니다(외부 링크 파일일 수 있습니다). "
    "파일 자체를 Slack에 올려 주세요.",
    en="This file cannot be downloaded (it may be a link to an external file). "
    "Upload the file itself to Slack.",
)
SLACK_NETWORK = Text(
    ko="Slack에서 파일을 받는 중 네트워크 오류가 났습니다. 잠시 후 다시 시도해 주세요.",
    en="A network error interrupted the download from Slack. Try again in a moment.",
)
SLACK_HTTP_ERROR = Text(
    ko="Slack이 파일을 보내 주지 못했습니다(HTTP {status}). 잠시 후 다시 시도하거나 "
    "파일을 다시 올려 주세요.",
    en="Slack could not serve the file (HTTP {status}). Try again in a moment, "
    "or upload the file again.",
)
SLACK_TOO_MANY_REDIRECTS = Text(
    ko="Slack이 파일 주소를 너무 여러 번 옮겨서 내려받지 못했습니다. 파일을 다시 올려 주세요.",
    en="The download was redirected too many times, so it was stopped. Upload the file again.",
)
SLACK_NOT_A_FILE = Text(
    ko="파일 대신 웹 페이지를 받았습니다. 파일을 Slack에 다시 올려 주세요.",
    en="A web page came back instead of the file. Upload the file to Slack again.",
)
SLACK_FILE_INFO_FAILED = Text(
    ko="Slack에서 파일 정보를 가져오지 못했습니다({error}). 잠시 후 다시 시도해 주세요.",
    en="Slack did not return the file's details ({error}). Try again in a moment.",
)

# A CSV of business numbers
CSV_EMPTY = Text(
    ko="파일이 비어 있습니다. 사업자등록번호를 한 줄에 하나씩 담은 CSV 파일을 올려 주세요.",
    en="The file is empty: upload a CSV file with one business registration number per row.",
)
CSV_NOT_TEXT = Text(
    ko="CSV 파일로 읽을 수 없는 파일입니다. 엑셀에서 '다른 이름으로 저장'을 눌러 "
    "'CSV (쉼표로 분리)' 형식으로 저장한 뒤 올려 주세요.",
    en="This file cannot be read as CSV. In Excel, use 'Save As' with the "
    "'CSV (Comma delimited)' format, then upload that file.",
)
CSV_WORKBOOK = Text(
    ko="엑셀 통합 문서(.xlsx, .xls)는 읽을 수 없습니다. 엑셀에서 '다른 이름으로 저장'을 눌러 "
    "'CSV (쉼표로 분리)' 형식으로 저장한 뒤 올려 주세요.",
    en="Excel workbooks (.xlsx, .xls) cannot be read. In Excel, use 'Save As' with the "
    "'CSV (Comma delimited)' format, then upload that file.",
)
CSV_BROKEN = Text(
    ko="{line}번째 줄 근처에서 CSV 형식이 깨져 있어 읽지 못했습니다. 따옴표가 제대로 "
    "닫혔는지 확인하거나, 엑셀에서 CSV 형식으로 다시 저장해 올려 주세요.",
    en="The CSV is malformed near line {line}. Check that every quote is closed, "
    "or save the file as CSV from Excel again.",
)
CSV_NO_COLUMN = Text(
    ko="사업자등록번호가 든 열을 찾지 못했습니다. 첫 줄에 '사업자등록번호' 같은 열 이름을 "
    "넣거나, 번호만 한 열에 담아 올려 주세요.",
    en="No column of business registration numbers was found. Name the column "
    "'business number' (or 사업자등록번호) in the first row, or upload the numbers alone "
    "in one column.",
)
CSV_TOO_MANY_ROWS = Text(
    ko="한 파일에서 최대 {limit:,}행까지 조회할 수 있습니다. 파일을 나누어 올려 주세요.",
    en="A file can hold up to {limit:,} rows: split the list into several files.",
)


# What each kind of upstream failure means, per service.
_UPSTREAM: Mapping[tuple[type[UpstreamError], Service], Text] = MappingProxyType(
    {
        (Timeout, Service.NHN): TIMED_OUT,
        (ConnectionFailed, Service.NHN): CONNECTION_FAILED,
        (RateLimited, Service.NHN): RATE_LIMITED,
        (Unavailable, Service.NHN): UNAVAILABLE,
        (AuthenticationFailed, Service.NHN): CHECK_KEYS,
        (Refused, Service.NHN): INVALID_REQUEST,
        (BadResponse, Service.NHN): BAD_RESPONSE,
        (Timeout, Service.NTS): NTS_TIMED_OUT,
        (ConnectionFailed, Service.NTS): NTS_CONNECTION_FAILED,
        (RateLimited, Service.NTS): NTS_RATE_LIMITED,
        (Unavailable, Service.NTS): NTS_UNAVAILABLE,
        (AuthenticationFailed, Service.NTS): NTS_CHECK_SERVICE_KEY,
        (Refused, Service.NTS): NTS_REFUSED,
        (BadResponse, Service.NTS): NTS_BAD_RESPONSE,
        (Timeout, Service.SLACK): SLACK_NETWORK,
        (ConnectionFailed, Service.SLACK): SLACK_NETWORK,
        (AuthenticationFailed, Service.SLACK): SLACK_SCOPE_MISSING,
    }
)
# NHN result codes whose advice differs from their kind's (NHN's error-code page).
_NHN_CODES: Mapping[int | str | None, Text] = MappingProxyType(
    {
        -1: UNKNOWN,
        404: WRONG_ADDRESS,
        405: WRONG_ADDRESS,
        4041007: WRONG_ADDRESS,
        4000301: CARD_KEY_VERSION_REFUSED,
        4000302: CARD_KEY_REFUSED,
        4000303: CARD_CIPHERTEXT_REFUSED,
        4000401: NOT_ENABLED,
        5003004: STATUS_CHECK_FAILED,
    }
)
# Codes the Slack file downloader gives what it saw (see bot.slack.files).
_SLACK_CODES: Mapping[int | str | None, Text] = MappingProxyType(
    {"too_many_redirects": SLACK_TOO_MANY_REDIRECTS, "not_a_file": SLACK_NOT_A_FILE}
)
_UNSUPPORTED = MappingProxyType(
    {"business": UNSUPPORTED_FOR_BUSINESS, "card": UNSUPPORTED_FOR_CARD}
)
_NUMBER_LIST: Mapping[NumberListProblem, Text] = MappingProxyType(
    {
        NumberListProblem.EMPTY: CSV_EMPTY,
        NumberListProblem.NOT_TEXT: CSV_NOT_TEXT,
        NumberListProblem.WORKBOOK: CSV_WORKBOOK,
        NumberListProblem.MALFORMED: CSV_BROKEN,
        NumberListProblem.NO_NUMBER_COLUMN: CSV_NO_COLUMN,
        NumberListProblem.TOO_MANY_ROWS: CSV_TOO_MANY_ROWS,
    }
)
_SIMPLE: Mapping[type[BotError], Text] = MappingProxyType(
    {
        EmptyFile: EMPTY,
        PasswordProtectedPdf: PASSWORD_PDF,
        UnreadableImage: UNREADABLE,
        UnreadablePdf: PDF_UNREADABLE,
        FileGone: SLACK_FILE_GONE,
        MalformedBusinessNumber: INVALID_BUSINESS_NUMBER,
        NotACertificate: NOT_A_CERTIFICATE,
        NumberNotRegistered: NUMBER_NOT_REGISTERED,
        CardNotFound: CARD_NOT_FOUND,
    }
)


def explain(error: BotError) -> Text:
    """What happened and what to do, for the person who asked.

    >>> from bot.errors import RateLimited, Service
    >>> explain(RateLimited("status: quota", service=Service.NTS)).en[:37]
    'The National Tax Service status API i'
    """
    if isinstance(error, UpstreamError):
        return _upstream(error)
    if isinstance(error, FileTooLarge):
        return TOO_LARGE.format(limit=format_size(error.limit_bytes))
    if isinstance(error, TooManyPixels):
        if error.width is not None and error.height is not None:
            return TOO_MANY_PIXELS_AT_ONCE.format(
                width=error.width, height=error.height, megapixels=error.megapixels
            )
        return TOO_MANY_PIXELS.format(megapixels=error.megapixels)
    if isinstance(error, UnsupportedFileType):
        return _UNSUPPORTED.get(str(error.document), UNSUPPORTED_TYPE)
    if isinstance(error, NotRecognised):
        return CARD_NOT_RECOGNISED if error.document == "card" else BUSINESS_NOT_RECOGNISED
    if isinstance(error, NotDownloadable):
        if error.reason is DownloadRefusal.FOREIGN_HOST:
            return SLACK_FOREIGN_HOST
        return SLACK_NOT_DOWNLOADABLE
    if isinstance(error, NumberListError):
        return _NUMBER_LIST[error.problem].format(line=error.line, limit=error.limit)
    for kind in type(error).__mro__:
        if kind in _SIMPLE:
            return _SIMPLE[kind]
    return UNKNOWN


def _upstream(error: UpstreamError) -> Text:
    if error.service is Service.NHN and error.code in _NHN_CODES:
        return _NHN_CODES[error.code]
    if error.service is Service.SLACK:
        if error.code in _SLACK_CODES:
            return _SLACK_CODES[error.code]
        if isinstance(error, Refused | Unavailable):
            if error.http_status is not None:
                return SLACK_HTTP_ERROR.format(status=error.http_status)
            return SLACK_FILE_INFO_FAILED.format(error=error.code)
    explained = _UPSTREAM.get((type(error), error.service))
    if explained is not None:
        return explained
    return NTS_UNKNOWN if error.service is Service.NTS else UNKNOWN
