"""A small client for the National Tax Service business status API (data.go.kr 15081808).

`POST {NTS_BASE_URL}/status?serviceKey=...` with `{"b_no": [...]}`, up to 100 numbers per
call. The service key sits in the query string, so URLs are never logged: log lines name
the endpoint, and httpx's own request log has the key masked (see `_MaskServiceKey`).
"""

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote

import httpx
from pydantic import ValidationError

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
from bot.nts.models import GatewayAnswer, NtsBusiness, StatusAnswer
from bot.ocr.client import backoff_delay

logger = logging.getLogger(__name__)

MAX_NUMBERS_PER_CALL = 100
TIMEOUT_S = 10.0
MAX_ATTEMPTS = 3
_OK = "OK"
_TEN_DIGITS = re.compile(r"[0-9]{10}")


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
        self._url = f"{settings.nts_base_url}/status"
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
        failures = 0
        while True:
            try:
                return await self._send(body, failures + 1)
            except NtsError as error:
                failures += 1
                if not error.retryable or failures >= self._max_attempts:
                    raise
                delay = backoff_delay(failures, self._backoff_base_s)
                logger.warning(
                    "nts status retry in %.0f ms after attempt %d: %s",
                    delay * 1000,
                    failures,
                    error,
                )
                await asyncio.sleep(delay)

    async def _send(self, body: dict[str, list[str]], attempt: int) -> dict[str, NtsBusiness]:
        started = time.monotonic()
        http_status: int | None = None
        outcome = "ok"
        try:
            response = await self._http.post(
                self._url, params={"serviceKey": self._service_key}, json=body
            )
            http_status = response.status_code
            return _interpret(response)
        except NtsError as error:
            outcome = error.code or type(error).__name__
            raise
        except httpx.RequestError as error:
            # Named by type only: httpx's text may quote the URL, and so the key.
            failure = (
                NtsTimeout if isinstance(error, httpx.TimeoutException) else NtsConnectionError
            )
            outcome = type(error).__name__
            raise failure(f"status: {type(error).__name__}") from None
        finally:
            logger.log(
                logging.INFO if outcome == "ok" else logging.WARNING,
                "nts status numbers=%d http=%s outcome=%s attempt=%d elapsed_ms=%.0f",
                len(body["b_no"]),
                http_status,
                outcome,
                attempt,
                (time.monotonic() - started) * 1000,
            )


def _check_numbers(numbers: Sequence[str]) -> None:
    if not 0 < len(numbers) <= MAX_NUMBERS_PER_CALL:
        raise ValueError(f"ask about 1 to {MAX_NUMBERS_PER_CALL} numbers per call")
    if not all(_TEN_DIGITS.fullmatch(number) for number in numbers):
        raise ValueError("a business number is ten ASCII digits")
    if len(set(numbers)) != len(numbers):
        raise ValueError("ask about each number once per call")


def _interpret(response: httpx.Response) -> dict[str, NtsBusiness]:
    """The items of a successful answer; otherwise raise the error the answer names."""
    http_status = response.status_code
    document = _json_object(response)
    if document is None:
        if response.is_success:
            raise NtsInvalidResponse("status: answer is not a JSON object", http_status=http_status)
        raise http_error(http_status)
    if "status_code" not in document and isinstance(document.get("code"), int):
        raise gateway_error(GatewayAnswer.model_validate(document).code, http_status=http_status)
    try:
        answer = StatusAnswer.model_validate(document)
    except ValidationError as error:
        if not response.is_success:
            raise http_error(http_status) from None
        problems = ", ".join(
            f"{'.'.join(map(str, problem['loc']))}: {problem['type']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise NtsInvalidResponse(
            f"status: unexpected answer ({problems})", http_status=http_status
        ) from None
    if answer.status_code != _OK:
        raise api_error(answer.status_code, http_status=http_status)
    if not response.is_success:
        raise http_error(http_status)
    return {item.b_no: item for item in answer.data}


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
