"""A small client for the National Tax Service business status API (data.go.kr 15081808).

`POST {NTS_BASE_URL}/status?serviceKey=...` with `{"b_no": [...]}`, and
`POST {NTS_BASE_URL}/validate?serviceKey=...` with `{"businesses": [...]}` (진위확인),
up to 100 numbers or businesses per call. The service key sits in the query string, so
URLs are never logged: log lines name the endpoint, and httpx's own request log has the
key masked (see `bot.logs`).
"""

import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

from bot import metrics
from bot.config import ConfigError, Settings
from bot.errors import BotError, Service
from bot.http import UpstreamClient, http_client, transport_error, with_retries
from bot.nts.errors import api_error, bad_response, gateway_error, http_error
from bot.nts.models import (
    GatewayAnswer,
    NtsBusiness,
    StatusAnswer,
    ValidateAnswer,
    ValidationItem,
    ValidationRequest,
)

logger = logging.getLogger(__name__)

MAX_NUMBERS_PER_CALL = 100
TIMEOUT_S = 10.0
MAX_ATTEMPTS = 3
_OK = "OK"
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")
STATUS, VALIDATE = "status", "validate"
Answer = TypeVar("Answer")


class NtsClient(UpstreamClient):
    """Asks the National Tax Service whether businesses are open, inactive or closed.

    Use as `async with NtsClient(settings) as nts: ...`. Timeouts, connection failures,
    rate limits and server errors are retried up to `max_attempts` times with backoff.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base_s: float = 0.5,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if settings.nts_service_key is None:
            raise ConfigError("NTS_SERVICE_KEY is not set (see README.md, 'Configuration').")
        # The "Encoding" key data.go.kr shows is percent-encoded already; httpx encodes
        # the query itself, so it gets the decoded key or the server sees it encoded twice.
        self._service_key = unquote(settings.nts_service_key.get_secret_value())
        self._base_url = settings.nts_base_url
        self._backoff_base_s = backoff_base_s
        self._max_attempts = max_attempts
        super().__init__(http_client(timeout_s=TIMEOUT_S, transport=transport))

    async def status(self, numbers: Sequence[str]) -> dict[str, NtsBusiness]:
        """The answer for each number, keyed by number.

        `numbers` are 1 to 100 distinct strings of ten ASCII digits; anything else is a
        bug in the caller (ValueError). A number the answer leaves out is not in the
        result. Raises an UpstreamError when the call fails.
        """
        _check_numbers(numbers)
        body = {"b_no": list(numbers)}
        return await self._call(STATUS, body, len(numbers), _status_items)

    async def validate(self, businesses: Sequence[ValidationRequest]) -> list[ValidationItem]:
        """Whether each business's details match the register (진위확인), in order.

        `businesses` are 1 to 100 requests with a ten-digit `b_no`, an eight-digit
        `start_dt` and a `p_nm`; anything else is a bug in the caller (ValueError). A
        number may appear more than once (two copies of one certificate). Raises an
        UpstreamError when the call fails or the answer does not cover every business.
        """
        _check_businesses(businesses)
        body = {"businesses": [business.model_dump() for business in businesses]}
        items = await self._call(VALIDATE, body, len(businesses), _validation_items)
        numbers = [business.b_no for business in businesses]
        if [item.b_no for item in items] != numbers:
            raise bad_response(
                "validate: the answer does not list the businesses asked about, in order"
            )
        return items

    async def _call(
        self,
        endpoint: str,
        body: dict[str, Any],
        count: int,
        interpret: Callable[[httpx.Response], Answer],
    ) -> Answer:
        async def attempt(number: int) -> Answer:
            return await self._send(endpoint, body, count, interpret, number)

        return await with_retries(
            attempt,
            service=Service.NTS,
            endpoint=endpoint,
            max_attempts=self._max_attempts,
            backoff_base_s=self._backoff_base_s,
        )

    async def _send(
        self,
        endpoint: str,
        body: dict[str, Any],
        count: int,
        interpret: Callable[[httpx.Response], Answer],
        attempt: int,
    ) -> Answer:
        started = time.monotonic()
        http_status: int | None = None
        outcome = "ok"
        try:
            response = await self._http.post(
                f"{self._base_url}/{endpoint}",
                params={"serviceKey": self._service_key},
                json=body,
            )
            http_status = response.status_code
            return interpret(response)
        except BotError as error:
            outcome = str(error.code or type(error).__name__)
            raise
        except httpx.RequestError as error:
            outcome = type(error).__name__
            raise transport_error(Service.NTS, endpoint, error) from None
        finally:
            elapsed_s = time.monotonic() - started
            metrics.api_call("nts", endpoint, outcome, elapsed_s)
            logger.log(
                logging.INFO if outcome == "ok" else logging.WARNING,
                "nts %s numbers=%d http=%s outcome=%s attempt=%d elapsed_ms=%.0f",
                endpoint,
                count,
                http_status,
                outcome,
                attempt,
                elapsed_s * 1000,
            )


def _check_numbers(numbers: Sequence[str]) -> None:
    if not 0 < len(numbers) <= MAX_NUMBERS_PER_CALL:
        raise ValueError(f"ask about 1 to {MAX_NUMBERS_PER_CALL} numbers per call")
    if not all(_TEN_DIGITS.fullmatch(number) for number in numbers):
        raise ValueError("a business number is ten ASCII digits")
    if len(set(numbers)) != len(numbers):
        raise ValueError("ask about each number once per call")


def _check_businesses(businesses: Sequence[ValidationRequest]) -> None:
    if not 0 < len(businesses) <= MAX_NUMBERS_PER_CALL:
        raise ValueError(f"ask about 1 to {MAX_NUMBERS_PER_CALL} businesses per call")
    for business in businesses:
        if not _TEN_DIGITS.fullmatch(business.b_no):
            raise ValueError("a business number is ten ASCII digits")
        if not _EIGHT_DIGITS.fullmatch(business.start_dt):
            raise ValueError("an opening date is YYYYMMDD")
        if not business.p_nm.strip():
            raise ValueError("a representative's name is required")


def _status_items(response: httpx.Response) -> dict[str, NtsBusiness]:
    answer = _interpret(response, STATUS, StatusAnswer)
    return {item.b_no: item for item in answer.data}


def _validation_items(response: httpx.Response) -> list[ValidationItem]:
    return _interpret(response, VALIDATE, ValidateAnswer).data


Model = TypeVar("Model", StatusAnswer, ValidateAnswer)


def _interpret(response: httpx.Response, endpoint: str, model: type[Model]) -> Model:
    """A successful answer; otherwise raise the error the answer names."""
    http_status = response.status_code
    document = _json_object(response)
    if document is None:
        if response.is_success:
            raise bad_response(f"{endpoint}: answer is not a JSON object", http_status=http_status)
        raise http_error(http_status, endpoint=endpoint)
    if "status_code" not in document and isinstance(document.get("code"), int):
        raise gateway_error(
            GatewayAnswer.model_validate(document).code, http_status=http_status, endpoint=endpoint
        )
    try:
        answer = model.model_validate(document)
    except ValidationError as error:
        if not response.is_success:
            raise http_error(http_status, endpoint=endpoint) from None
        problems = ", ".join(
            f"{'.'.join(map(str, problem['loc']))}: {problem['type']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise bad_response(
            f"{endpoint}: unexpected answer ({problems})", http_status=http_status
        ) from None
    if answer.status_code != _OK:
        raise api_error(answer.status_code, http_status=http_status, endpoint=endpoint)
    if not response.is_success:
        raise http_error(http_status, endpoint=endpoint)
    return answer


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
