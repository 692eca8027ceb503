"""The National Tax Service API's failure codes as facts: the kind of failure each one is.
What a person reads about them is in `bot.blocks.errors`.

`str(error)` is for logs: what happened, the API's code and the HTTP status. It never
carries the service key or text the server wrote. `code` is what the API named the
failure: its gateway's negative number ("-4") or the API's own `status_code`
("INTERNAL_ERROR").
"""

from collections.abc import Mapping
from types import MappingProxyType

from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    RateLimited,
    Refused,
    Service,
    Unavailable,
    UpstreamError,
)

# The API gateway's own codes (api.odcloud.kr answers these before the API runs).
GATEWAY_CODES: Mapping[int, tuple[type[UpstreamError], str]] = MappingProxyType(
    {
        -1: (Unavailable, "gateway: internal error"),
        -2: (Refused, "gateway: invalid parameter"),
        -3: (AuthenticationFailed, "gateway: service not registered for this key"),
        -4: (AuthenticationFailed, "gateway: service key not registered"),
        -9: (AuthenticationFailed, "gateway: service terminated"),
        -10: (RateLimited, "gateway: traffic limit exceeded"),
        -401: (AuthenticationFailed, "gateway: service key invalid"),
    }
)
# The API's `status_code` when it is not "OK".
STATUS_CODES: Mapping[str, tuple[type[UpstreamError], str]] = MappingProxyType(
    {
        "BAD_JSON_REQUEST": (Refused, "request body is not valid JSON"),
        "REQUEST_DATA_MALFORMED": (Refused, "required request data missing"),
        "TOO_LARGE_REQUEST": (Refused, "more than 100 items in one request"),
        "INTERNAL_ERROR": (Unavailable, "internal server error"),
        "HTTP_ERROR": (Unavailable, "HTTP error"),
    }
)


def gateway_error(code: int, *, http_status: int, endpoint: str = "status") -> UpstreamError:
    """The typed error for a gateway answer `{"code": <negative number>, "msg": ...}`."""
    kind, detail = GATEWAY_CODES.get(code, (_by_http_status(http_status), "gateway: unlisted code"))
    return kind(
        f"{endpoint}: {detail}", service=Service.NTS, code=str(code), http_status=http_status
    )


def api_error(status_code: str, *, http_status: int, endpoint: str = "status") -> UpstreamError:
    """The typed error for an answer whose `status_code` is not "OK"."""
    listed = STATUS_CODES.get(status_code)
    if listed is None:
        # An unlisted code is server text: it is not repeated in logs.
        return _by_http_status(http_status)(
            f"{endpoint}: unlisted status_code",
            service=Service.NTS,
            code="unlisted",
            http_status=http_status,
        )
    kind, detail = listed
    return kind(
        f"{endpoint}: {detail}", service=Service.NTS, code=status_code, http_status=http_status
    )


def http_error(http_status: int, *, endpoint: str = "status") -> UpstreamError:
    """The typed error for a failed answer without a body the API documents."""
    return _by_http_status(http_status)(
        f"{endpoint}: HTTP error without a documented body",
        service=Service.NTS,
        http_status=http_status,
    )


def bad_response(detail: str, *, http_status: int | None = None) -> BadResponse:
    return BadResponse(detail, service=Service.NTS, http_status=http_status)


def _by_http_status(http_status: int) -> type[UpstreamError]:
    if http_status in (401, 403):
        return AuthenticationFailed
    if http_status == 429:
        return RateLimited
    if http_status >= 500:
        return Unavailable
    return BadResponse
