"""A small client for the National Tax Service business status API (data.go.kr 15081808).

`POST {NTS_BASE_URL}/status?serviceKey=...` with `{"b_no": [...]}`, and
`POST {NTS_BASE_URL}/validate?serviceKey=...` with `{"businesses": [...]}` (진위확인),
up to 100 numbers or businesses per call. The service key sits in the query string, so
URLs are never logged: log lines name the endpoint, and httpx's own request log has the
key masked (see `_MaskServiceKey`).
"""

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

from bot import metrics
from bot.config import ConfigError, Settings
from bot.nts.errors import (
    NtsConnectionError,
    NtsError,
    NtsInvalidResponse,
    NtsTimeout,
    api_error,
    gateway_error,
    http_error,
)
from bot.nts.models import (
    GatewayAnswer,
    NtsBusiness,
    StatusAnswer,
    ValidateAnswer,
    ValidationItem,
    ValidationRequest,
)
from bot.ocr.client import backoff_delay

logger = logging.getLogger(__name__)

MAX_NUMBERS_PER_CALL = 100
TIMEOUT_S = 10.0
MAX_ATTEMPTS = 3
_OK = "OK"
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")
STATUS, VALIDATE = "status", "validate"
Answer = TypeVar("Answer")


class _MaskServiceKey(logging.Filter):
    """httpx logs every request URL at INFO; the service key in its query must not reach a log."""

    _KEY_PARAMETER = re.compile(r"(serviceKey=)[^&\s\"]+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._mask(arg) for arg in record.args)
        return True

    def _mask(self, arg: object) -> object:
        if isinstance(arg, httpx.URL | str) and "servicekey=" in str(arg).lower():
            return self._KEY_PARAMETER.sub(r"\1***", str(arg))
        return arg


logging.getLogger("httpx").addFilter(_MaskServiceKey())


class NtsClient:
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
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT_S), transport=transport)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def status(self, numbers: Sequence[str]) -> dict[str, NtsBusiness]:
        """The answer for each number, keyed by number.

        `numbers` are 1 to 100 distinct strings of ten ASCII digits; anything else is a
        bug in the caller (ValueError). A number the answer leaves out is not in the
        result. Raises NtsError when the call fails.
        """
        _check_numbers(numbers)
        body = {"b_no": list(numbers)}
        return await self._call(STATUS, body, len(numbers), _status_items)

    async def validate(self, businesses: Sequence[ValidationRequest]) -> list[ValidationItem]:
        """Whether each business's details match the register (진위확인), in order.

        `businesses` are 1 to 100 requests with a ten-digit `b_no`, an eight-digit
        `start_dt` and a `p_nm`; anything else is a bug in the caller (ValueError). A
        number may appear more than once (two copies of one certificate). Raises
        NtsError when the call fails or the answer does not cover every business.
        """
        _check_businesses(businesses)
        body = {"businesses": [business.model_dump() for business in businesses]}
        items = await self._call(VALIDATE, body, len(businesses), _validation_items)
        numbers = [business.b_no for business in businesses]
        if [item.b_no for item in items] != numbers:
            raise NtsInvalidResponse(
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
        failures = 0
        while True:
            try:
                return await self._send(endpoint, body, count, interpret, failures + 1)
            except NtsError as error:
                failures += 1
                if not error.retryable or failures >= self._max_attempts:
                    raise
                delay = backoff_delay(failures, self._backoff_base_s)
                logger.warning(
                    "nts %s retry in %.0f ms after attempt %d: %s",
                    endpoint,
                    delay * 1000,
                    failures,
                    error,
                )
                await asyncio.sleep(delay)

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
        except NtsError as error:
            outcome = error.code or type(error).__name__
            raise
        except httpx.RequestError as error:
            # Named by type only: httpx's text may quote the URL, and so the key.
            failure = (
                NtsTimeout if isinstance(error, httpx.TimeoutException) else NtsConnectionError
            )
            outcome = type(error).__name__
            raise failure(f"{endpoint}: {type(error).__name__}") from None
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
            raise NtsInvalidResponse(
                f"{endpoint}: answer is not a JSON object", http_status=http_status
            )
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
        raise NtsInvalidResponse(
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
