"""The NHN Cloud Document OCR client: one pooled HTTP client, bounded retries, typed errors.

The app key sits in every OCR URL, so URLs are never logged: log lines name the endpoint,
and httpx's own request log has the key masked (see `bot.logs`).

With User Access Key credentials, cards go through the credit-card API v2.1: the photo
and the number fields travel encrypted (see `bot.ocr.card_crypto`), so nothing between
the bot and NHN (a TLS-inspecting proxy, a gateway log) sees the card. NHN's public key
is fetched once per client and fetched again when NHN answers 4000301 or 4000302.
"""

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from bot import metrics
from bot.config import MB, OcrApiVersion, Settings
from bot.errors import BotError, MalformedBusinessNumber, Service
from bot.http import (
    UpstreamClient,
    http_client,
    retry_after,
    transport_error,
    with_retries,
)
from bot.ocr.auth import Credential, authenticator_for, reveal
from bot.ocr.card_crypto import CardCryptoError, CardEnvelope, PublicKey, load_public_key
from bot.ocr.errors import (
    CARD_KEY_VERSION_INVALID,
    CARD_SYMMETRIC_KEY_INVALID,
    GUIDE_UPLOAD_LIMIT_BYTES,
    TOKEN_INVALID,
    TOO_LARGE_CODE,
    bad_response,
    error_for_code,
)
from bot.ocr.image_work import ImageWork
from bot.ocr.models import (
    ApiModel,
    BusinessResult,
    CardResult,
    DocumentKind,
    FileType,
    PreparedFile,
    SealedCardResult,
    SealedFieldError,
    StatusResult,
)
from bot.ocr.preflight import prepare

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT", bound=BaseModel)

_SPARE_CONNECTIONS = 2  # the token endpoint, and a connection being replaced
SEALED_CARD_VERSION = "v2.1"  # the card API that encrypts, with the v1.1 token
_BUSINESS_NUMBER = re.compile(r"[0-9]{10}")
# Codes the API Gateway means when its 413/429 answer has no JSON header.
_CODE_FOR_BARE_STATUS = {413: TOO_LARGE_CODE, 429: 4291000}


class Endpoint(StrEnum):
    BUSINESS = "business"
    STATUS = "business/status"
    CARD = "credit-card"
    CARD_PUBLIC_KEY = "public-keys/credit-card"


_KIND = {Endpoint.BUSINESS: DocumentKind.BUSINESS, Endpoint.CARD: DocumentKind.CARD}


class _Header(ApiModel):
    is_successful: bool
    result_code: int
    result_message: str = ""


class _Envelope(ApiModel):
    header: _Header
    result: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class _Answer:
    result: dict[str, Any]
    upload: PreparedFile | None  # as finally sent: a 4131000 may have shrunk it
    sealed: CardEnvelope | None  # the key that opens a v2.1 card answer


class OcrClient(UpstreamClient):
    """Calls NHN Document OCR. Use as `async with OcrClient(settings) as ocr: ...`."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base_s: float = 0.5,
    ) -> None:
        self._api_version = settings.ocr_api_version()
        self._settings = settings
        self._backoff_base_s = backoff_base_s
        app_key = reveal(settings.nhn_ocr_app_key, "NHN_OCR_APP_KEY")
        self._base_url = (
            f"{settings.nhn_ocr_base_url}/{self._api_version}/appkeys/{quote(app_key, safe='')}"
        )
        # v1.0 secret-key setups keep the v1.0 card call.
        self._seals_cards = self._api_version is OcrApiVersion.V1_1
        self._card_base_url = (
            f"{settings.nhn_ocr_base_url}/{SEALED_CARD_VERSION}/appkeys/{quote(app_key, safe='')}"
            if self._seals_cards
            else self._base_url
        )
        self._card_key: PublicKey | None = None
        self._card_key_lock = asyncio.Lock()
        super().__init__(
            http_client(
                timeout_s=settings.ocr_timeout_s,
                max_connections=settings.ocr_concurrency + _SPARE_CONNECTIONS,
                transport=transport,
            )
        )
        self._auth = authenticator_for(settings, self._http)
        self._in_flight = asyncio.Semaphore(settings.ocr_concurrency)
        # Shared with whatever else handles the images.
        self.image_work = ImageWork(budget_bytes=settings.image_memory_budget_mb * MB)
        self._secrets = settings.secrets()

    @property
    def api_version(self) -> OcrApiVersion:
        return self._api_version

    async def authenticate(self) -> None:
        """Have the credential ready: on v1.1 a token is issued (and kept for the calls to
        come), which proves the User Access Key. Raises the BotError the OCR calls do."""
        await self._auth.credential()

    async def check_app_key(self) -> None:
        """Prove NHN_OCR_APP_KEY with NHN's card public key, a call that reads no document
        and is not charged. API v1.0 has no such call: nothing is checked. Raises the
        BotError the OCR calls do. NHN's answer is not read as a key: that would load
        cryptography (some 8 MB) into a process that may never see a card, and this
        client's key would not outlive the check anyway."""
        if self._seals_cards:
            credential = await self._auth.credential()
            await self._send(Endpoint.CARD_PUBLIC_KEY, credential, None, None, 1, None)

    async def business(self, image: bytes, filename: str) -> BusinessResult:
        """Read a business registration certificate (JPEG, PNG or PDF)."""
        upload = await self._prepare(image, filename, DocumentKind.BUSINESS)
        answer = await self._call(Endpoint.BUSINESS, upload=upload)
        business = _parse(BusinessResult, Endpoint.BUSINESS, answer.result)
        if answer.upload is not None:
            business.keep_sent(answer.upload)
        return business

    async def business_status(self, number: str) -> StatusResult:
        """Whether a business is open, inactive or closed; `number` is 10 ASCII digits."""
        if not _BUSINESS_NUMBER.fullmatch(number):
            raise MalformedBusinessNumber("business/status: not 10 ASCII digits")
        answer = await self._call(Endpoint.STATUS, json_body={"businessNumber": number})
        return _parse(StatusResult, Endpoint.STATUS, answer.result)

    async def credit_card(self, image: bytes, filename: str) -> CardResult:
        """Read a credit card photo (JPEG or PNG); the digits come back as SecretStr."""
        upload = await self._prepare(image, filename, DocumentKind.CARD)
        answer = await self._call(Endpoint.CARD, upload=upload)
        if answer.sealed is None:
            card = _parse(CardResult, Endpoint.CARD, answer.result)
        else:
            sealed = _parse(SealedCardResult, Endpoint.CARD, answer.result)
            try:
                card = sealed.opened(answer.sealed.open)
            except SealedFieldError as error:
                raise bad_response(f"{Endpoint.CARD}: {error}") from None
        if answer.upload is not None:
            card.keep_sent(answer.upload)
        return card

    async def _prepare(
        self, image: bytes, filename: str, kind: DocumentKind, max_bytes: int | None = None
    ) -> PreparedFile:
        limit = self._settings.ocr_max_upload_bytes if max_bytes is None else max_bytes
        return await self.image_work.run(
            prepare, image, filename, kind, limit, self.image_work.budget
        )

    async def _call(
        self,
        endpoint: Endpoint,
        *,
        upload: PreparedFile | None = None,
        json_body: dict[str, str] | None = None,
    ) -> _Answer:
        """Send with retries, all within the overall deadline."""
        # Renewing a token or the card key and shrinking an upload fix the request; they
        # use up no attempt, and each is done once per call.
        credential: Credential | None = None
        card_key: PublicKey | None = None
        token_renewed = shrunk = card_key_renewed = False

        async def attempt(number: int) -> _Answer:
            nonlocal credential, card_key
            credential = card_key = None
            credential = await self._auth.credential()
            sealed = None
            if endpoint is Endpoint.CARD and self._seals_cards:
                card_key = await self._card_public_key(credential, number)
                sealed = CardEnvelope(card_key)  # a fresh symmetric key per request
            result = await self._send(endpoint, credential, upload, json_body, number, sealed)
            return _Answer(result, upload, sealed)

        async def repair(error: BotError) -> bool:
            nonlocal upload, token_renewed, shrunk, card_key_renewed
            if card_key is not None and error.code in (
                CARD_KEY_VERSION_INVALID,
                CARD_SYMMETRIC_KEY_INVALID,
            ):
                # NHN may have rotated its key: the next request fetches it again.
                self._forget_card_key(card_key)
                if error.code == CARD_KEY_VERSION_INVALID and not card_key_renewed:
                    card_key_renewed = True
                    return True
            if (
                error.code == TOKEN_INVALID
                and credential is not None
                and self._auth.renewable
                and not token_renewed
            ):
                token_renewed = True
                self._auth.invalidate(credential)
                return True
            if (
                error.code == TOO_LARGE_CODE
                and upload is not None
                and upload.file_type is not FileType.PDF
                and not shrunk
            ):
                shrunk = True
                upload = await self._shrink(endpoint, upload)
                return True
            return False

        return await with_retries(
            attempt,
            service=Service.NHN,
            endpoint=endpoint,
            max_attempts=self._settings.ocr_max_attempts,
            backoff_base_s=self._backoff_base_s,
            deadline_s=self._settings.ocr_deadline_s,
            repair=repair,
        )

    async def _card_public_key(self, credential: Credential, attempt: int) -> PublicKey:
        """NHN's card public key: cached, fetched by one caller at a time."""
        cached = self._card_key
        if cached is not None:
            return cached
        async with self._card_key_lock:
            # Whoever waited on the lock finds the key the first caller just fetched.
            if self._card_key is None:
                result = await self._send(
                    Endpoint.CARD_PUBLIC_KEY, credential, None, None, attempt, None
                )
                try:
                    self._card_key = load_public_key(result.get("key"), result.get("version"))
                except CardCryptoError as error:
                    raise bad_response(f"{Endpoint.CARD_PUBLIC_KEY}: {error}") from None
            return self._card_key

    def _forget_card_key(self, key: PublicKey) -> None:
        """Forget `key` unless another caller has already replaced it."""
        if self._card_key is key:
            self._card_key = None

    async def _shrink(self, endpoint: Endpoint, upload: PreparedFile) -> PreparedFile:
        """After a 4131000, well under what was refused and under the guides' limit."""
        target = min(len(upload.data) // 2, GUIDE_UPLOAD_LIMIT_BYTES * 9 // 10)
        logger.info("nhn_ocr %s too large at %d bytes, shrinking", endpoint, len(upload.data))
        return await self._prepare(upload.data, upload.filename, _KIND[endpoint], target)

    async def _send(
        self,
        endpoint: Endpoint,
        credential: Credential,
        upload: PreparedFile | None,
        json_body: dict[str, str] | None,
        attempt: int,
        sealed: CardEnvelope | None,
    ) -> dict[str, Any]:
        card_api = endpoint in (Endpoint.CARD, Endpoint.CARD_PUBLIC_KEY)
        url = f"{self._card_base_url if card_api else self._base_url}/{endpoint}"
        # Off the event loop: a photo sent as uploaded may be 5 MB.
        ciphertext = (
            await self.image_work.run(sealed.seal, upload.data)
            if upload is not None and sealed is not None
            else None
        )
        started = time.monotonic()
        status: int | None = None
        code: int | str | None = None
        try:
            async with self._in_flight:
                if endpoint is Endpoint.CARD_PUBLIC_KEY:
                    response = await self._http.get(url, headers=credential.headers)
                elif upload is not None and sealed is not None and ciphertext is not None:
                    # A neutral name: the uploader's file name could hold the card number.
                    files = {
                        "image": (
                            "card" + upload.file_type.extension,
                            ciphertext,
                            "application/octet-stream",
                        )
                    }
                    headers = {**credential.headers, **sealed.headers}
                    response = await self._http.post(url, headers=headers, files=files)
                elif upload is not None:
                    files = {"image": (upload.filename, upload.data, upload.content_type)}
                    response = await self._http.post(url, headers=credential.headers, files=files)
                else:
                    response = await self._http.post(
                        url, headers=credential.headers, json=json_body
                    )
            status = response.status_code
            result = self._interpret(endpoint, response, credential)
            code = 0
            return result
        except BotError as error:
            code = error.code
            raise
        except httpx.RequestError as error:
            raise transport_error(Service.NHN, endpoint, error) from None
        finally:
            elapsed_s = time.monotonic() - started
            metrics.api_call("nhn", endpoint, code, elapsed_s)
            logger.log(
                logging.INFO if code == 0 else logging.WARNING,
                "nhn_ocr %s http=%s code=%s attempt=%d elapsed_ms=%.0f",
                endpoint,
                status,
                code,
                attempt,
                elapsed_s * 1000,
            )

    def _interpret(
        self, endpoint: Endpoint, response: httpx.Response, credential: Credential
    ) -> dict[str, Any]:
        """The `result` of a successful answer; otherwise raise the error the header names."""
        status = response.status_code
        retry_after_s = retry_after(response.headers.get("Retry-After"))
        try:
            envelope = _Envelope.model_validate_json(response.content)
        except ValidationError:
            bare_code = _CODE_FOR_BARE_STATUS.get(status)
            if bare_code is None:
                raise bad_response(
                    f"{endpoint}: answer without a result header",
                    http_status=status,
                    retry_after_s=retry_after_s,
                ) from None
            raise error_for_code(
                bare_code, endpoint=endpoint, http_status=status, retry_after_s=retry_after_s
            ) from None
        header = envelope.header
        if not (header.is_successful and header.result_code == 0):
            raise error_for_code(
                header.result_code,
                endpoint=endpoint,
                http_status=status,
                server_message=header.result_message,
                secrets=(*self._secrets, credential.secret),
                retry_after_s=retry_after_s,
            )
        if not response.is_success or envelope.result is None:
            raise bad_response(
                f"{endpoint}: success header without a result or with an HTTP error",
                http_status=status,
            )
        return envelope.result


def _parse(model: type[ResultT], endpoint: Endpoint, result: dict[str, Any]) -> ResultT:
    try:
        return model.model_validate(result)
    except ValidationError as error:
        # Locations and error types only: the input values may be card digits.
        problems = ", ".join(
            f"{'.'.join(map(str, problem['loc']))}: {problem['type']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise bad_response(f"{endpoint}: unexpected result ({problems})") from None
