"""Typed errors for the National Tax Service business status API.

`str(error)` is for logs: what happened, the API's code and the HTTP status. It never
carries the service key or text the server wrote. `user_message` is what the bot
tells the person, in Korean and English.
"""

from typing import ClassVar

from bot.errors import UserFacingError
from bot.i18n import Text

UNKNOWN = Text(
    ko=(
        "국세청 사업자 상태 조회 중 알 수 없는 오류가 발생했습니다. "
        "잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "The National Tax Service status lookup had an unknown error. "
        "Try again later and tell an admin if it keeps happening."
    ),
)
CHECK_SERVICE_KEY = Text(
    ko=(
        "국세청 사업자 상태 조회 API가 봇의 서비스 키를 받아들이지 않았습니다. "
        "관리자에게 공공데이터포털 활용신청과 NTS_SERVICE_KEY 설정을 확인해 달라고 요청해 주세요."
    ),
    en=(
        "The National Tax Service status API did not accept the bot's service key. "
        "Please ask an admin to check the data.go.kr subscription and NTS_SERVICE_KEY."
    ),
)
RATE_LIMITED = Text(
    ko="국세청 사업자 상태 조회 요청이 너무 많아 잠시 제한되었습니다. 나중에 다시 시도해 주세요.",
    en=(
        "The National Tax Service status API is limiting requests right now. "
        "Please try again later."
    ),
)
UNAVAILABLE = Text(
    ko="국세청 사업자 상태 조회 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
    en=(
        "The National Tax Service status lookup is temporarily unavailable. Please try again later."
    ),
)
TIMED_OUT = Text(
    ko="국세청 사업자 상태 조회의 응답이 너무 늦습니다. 잠시 후 다시 시도해 주세요.",
    en="The National Tax Service status lookup took too long to answer. Please try again later.",
)
CONNECTION_FAILED = Text(
    ko=(
        "국세청 사업자 상태 조회 서비스에 연결하지 못했습니다. "
        "잠시 후 다시 시도하고, 계속되면 관리자에게 알려 주세요."
    ),
    en=(
        "Could not reach the National Tax Service status lookup. "
        "Try again later and tell an admin if it keeps happening."
    ),
)
REFUSED = Text(
    ko="국세청 사업자 상태 조회 API가 봇의 요청을 거절했습니다. 관리자에게 알려 주세요.",
    en="The National Tax Service status API refused the bot's request. Please tell an admin.",
)
BAD_RESPONSE = Text(
    ko="국세청 사업자 상태 조회 API가 예상하지 못한 응답을 보냈습니다. 잠시 후 다시 시도해 주세요.",
    en="The National Tax Service status API sent an unexpected answer. Please try again later.",
)


class NtsError(UserFacingError):
    """Base of every NTS failure. Subclasses set what is usually true of them.

    `code` is what the API named the failure: its gateway's negative number
    ("-4") or the API's own `status_code` ("INTERNAL_ERROR").
    """

    default_retryable: ClassVar[bool] = False
    default_message: ClassVar[Text] = UNKNOWN

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.user_message = self.default_message

    def __str__(self) -> str:
        facts = [f"code={self.code}"] if self.code is not None else []
        if self.http_status is not None:
            facts.append(f"http={self.http_status}")
        return f"{self.detail} [{', '.join(facts)}]" if facts else self.detail


class NtsAuthenticationError(NtsError):
    """The service key is unknown or wrong, or not subscribed to this API."""

    default_message = CHECK_SERVICE_KEY


class NtsRateLimited(NtsError):
    default_retryable = True
    default_message = RATE_LIMITED


class NtsUnavailable(NtsError):
    default_retryable = True
    default_message = UNAVAILABLE


class NtsTimeout(NtsError):
    default_retryable = True
    default_message = TIMED_OUT


class NtsConnectionError(NtsError):
    default_retryable = True
    default_message = CONNECTION_FAILED


class NtsRequestRefused(NtsError):
    """The API refused the request itself: a bug in the bot, not something to retry."""

    default_message = REFUSED


class NtsInvalidResponse(NtsError):
    default_message = BAD_RESPONSE


# The API gateway's own codes (api.odcloud.kr answers these before the API runs).
_GATEWAY_ERRORS: dict[int, tuple[type[NtsError], str]] = {
    -1: (NtsUnavailable, "gateway: internal error"),
    -2: (NtsRequestRefused, "gateway: invalid parameter"),
    -3: (NtsAuthenticationError, "gateway: service not registered for this key"),
    -4: (NtsAuthenticationError, "gateway: service key not registered"),
    -9: (NtsAuthenticationError, "gateway: service terminated"),
    -10: (NtsRateLimited, "gateway: traffic limit exceeded"),
    -401: (NtsAuthenticationError, "gateway: service key invalid"),
}
# The API's `status_code` when it is not "OK".
_API_ERRORS: dict[str, tuple[type[NtsError], str]] = {
    "BAD_JSON_REQUEST": (NtsRequestRefused, "request body is not valid JSON"),
    "REQUEST_DATA_MALFORMED": (NtsRequestRefused, "required request data missing"),
    "TOO_LARGE_REQUEST": (NtsRequestRefused, "more than 100 items in one request"),
    "INTERNAL_ERROR": (NtsUnavailable, "internal server error"),
    "HTTP_ERROR": (NtsUnavailable, "HTTP error"),
}


def gateway_error(code: int, *, http_status: int, endpoint: str = "status") -> NtsError:
    """The typed error for a gateway answer `{"code": <negative number>, "msg": ...}`."""
    error_type, detail = _GATEWAY_ERRORS.get(
        code, (_by_http_status(http_status), "gateway: unlisted code")
    )
    return error_type(f"{endpoint}: {detail}", code=str(code), http_status=http_status)


def api_error(status_code: str, *, http_status: int, endpoint: str = "status") -> NtsError:
    """The typed error for an answer whose `status_code` is not "OK"."""
    listed = _API_ERRORS.get(status_code)
    if listed is None:
        # An unlisted code is server text: it is not repeated in logs.
        return _by_http_status(http_status)(
            f"{endpoint}: unlisted status_code", code="unlisted", http_status=http_status
        )
    error_type, detail = listed
    return error_type(f"{endpoint}: {detail}", code=status_code, http_status=http_status)


def http_error(http_status: int, *, endpoint: str = "status") -> NtsError:
    """The typed error for a failed answer without a body the API documents."""
    return _by_http_status(http_status)(
        f"{endpoint}: HTTP error without a documented body", http_status=http_status
    )


def _by_http_status(http_status: int) -> type[NtsError]:
    if http_status in (401, 403):
        return NtsAuthenticationError
    if http_status == 429:
        return NtsRateLimited
    if http_status >= 500:
        return NtsUnavailable
    return NtsInvalidResponse
