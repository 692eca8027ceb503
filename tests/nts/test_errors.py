"""The NTS API's codes as kinds, checked against FACTS.md and data.go.kr's gateway guide:
a timeout is a Timeout whichever service was slow; the service is a field."""

import pytest

from bot.errors import (
    AuthenticationFailed,
    BadResponse,
    RateLimited,
    Refused,
    Service,
    Unavailable,
    UpstreamError,
)
from bot.nts.errors import api_error, gateway_error, http_error


@pytest.mark.parametrize(
    ("status_code", "kind", "retryable"),
    [
        # Request-level errors FACTS.md names: the bot's request was wrong, not worth a retry.
        ("BAD_JSON_REQUEST", Refused, False),
        ("REQUEST_DATA_MALFORMED", Refused, False),
        ("TOO_LARGE_REQUEST", Refused, False),
        ("INTERNAL_ERROR", Unavailable, True),
        ("HTTP_ERROR", Unavailable, True),
    ],
)
def test_status_codes_map_to_their_kind(
    status_code: str, kind: type[UpstreamError], retryable: bool
) -> None:
    error = api_error(status_code, http_status=400, endpoint="validate")
    assert type(error) is kind
    assert (error.service, error.code, error.retryable) == (Service.NTS, status_code, retryable)
    assert str(error).startswith("validate: ")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (-1, Unavailable),
        (-2, Refused),
        (-3, AuthenticationFailed),
        (-4, AuthenticationFailed),
        (-9, AuthenticationFailed),
        (-10, RateLimited),
        (-401, AuthenticationFailed),
    ],
)
def test_gateway_codes_map_to_their_kind(code: int, kind: type[UpstreamError]) -> None:
    error = gateway_error(code, http_status=200)
    assert type(error) is kind
    assert (error.service, error.code) == (Service.NTS, str(code))


@pytest.mark.parametrize(
    ("http_status", "kind"),
    [(401, AuthenticationFailed), (403, AuthenticationFailed), (429, RateLimited),
     (500, Unavailable), (503, Unavailable), (400, BadResponse)],
)  # fmt: skip
def test_an_unlisted_answer_is_judged_by_its_http_status(
    http_status: int, kind: type[UpstreamError]
) -> None:
    assert type(http_error(http_status)) is kind
    assert type(gateway_error(-999, http_status=http_status)) is kind
    unlisted = api_error("SOMETHING_NEW", http_status=http_status)
    assert type(unlisted) is kind
    assert unlisted.code == "unlisted"  # server text is not repeated
