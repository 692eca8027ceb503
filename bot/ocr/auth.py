"""How OCR requests authenticate: a User Access Key token (v1.1) or the secret key (v1.0)."""

import asyncio
import base64
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from bot.config import ConfigError, OcrApiVersion, Settings
from bot.errors import AuthenticationFailed, RateLimited, Service, Unavailable, UpstreamError
from bot.http import transport_error
from bot.ocr.errors import bad_response, scrub

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/token/create"  # noqa: S105 - a path, not a password
_MIN_RENEWAL_MARGIN_S = 30.0
_RENEWAL_MARGIN_SHARE = 0.1


@dataclass(frozen=True, slots=True, eq=False)
class Credential:
    """Headers that authenticate one request; compared by identity to spot a stale token."""

    headers: Mapping[str, str] = field(repr=False)
    secret: str = field(repr=False)


class Authenticator(Protocol):
    @property
    def renewable(self) -> bool:
        """Whether `invalidate` followed by `credential` can yield a different credential."""

    async def credential(self) -> Credential: ...

    def invalidate(self, credential: Credential) -> None: ...


class SecretKeyAuth:
    """API v1.0: the console secret key, as is, in `Authorization`."""

    def __init__(self, secret_key: str) -> None:
        self._credential = Credential(headers={"Authorization": secret_key}, secret=secret_key)

    @property
    def renewable(self) -> bool:
        return False

    async def credential(self) -> Credential:
        return self._credential

    def invalidate(self, credential: Credential) -> None:
        """A secret key cannot be renewed; nothing to forget."""


class _TokenAnswer(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: SecretStr
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_in: float  # documented as a string, shown as a number: lax mode takes both


class _OAuthError(BaseModel):
    error: str


@dataclass(frozen=True, slots=True)
class _CachedToken:
    credential: Credential
    renew_at: float


def renewal_margin(lifetime_s: float) -> float:
    """How long before expiry to renew: 10 % of the lifetime, at least 30 s, at most half."""
    return min(max(lifetime_s * _RENEWAL_MARGIN_SHARE, _MIN_RENEWAL_MARGIN_S), lifetime_s / 2)


class TokenAuth:
    """API v1.1: a cached User Access Key token, issued by one caller at a time."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        oauth_url: str,
        key_id: str,
        secret_access_key: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = oauth_url + TOKEN_PATH
        basic = base64.b64encode(f"{key_id}:{secret_access_key}".encode()).decode("ascii")
        self._basic = f"Basic {basic}"
        self._secrets = (key_id, secret_access_key, basic)
        self._clock = clock
        self._lock = asyncio.Lock()
        self._cached: _CachedToken | None = None

    @property
    def renewable(self) -> bool:
        return True

    async def credential(self) -> Credential:
        cached = self._cached
        if cached is not None and self._clock() < cached.renew_at:
            return cached.credential
        async with self._lock:
            # Whoever waited on the lock finds the token the first caller just issued.
            cached = self._cached
            if cached is None or self._clock() >= cached.renew_at:
                cached = await self._issue()
                self._cached = cached
            return cached.credential

    def invalidate(self, credential: Credential) -> None:
        """Forget `credential` unless another caller has already replaced it."""
        if self._cached is not None and self._cached.credential is credential:
            self._cached = None

    async def _issue(self) -> _CachedToken:
        started = self._clock()
        try:
            response = await self._http.post(
                self._url,
                data={"grant_type": "client_credentials"},
                headers={"Authorization": self._basic},
            )
        except httpx.RequestError as error:
            raise transport_error(Service.NHN, "token", error) from None
        elapsed_ms = (self._clock() - started) * 1000
        logger.info("nhn token http=%d elapsed_ms=%.0f", response.status_code, elapsed_ms)
        if response.status_code != httpx.codes.OK:
            raise self._refusal(response)
        try:
            answer = _TokenAnswer.model_validate_json(response.content)
        except ValidationError:
            raise bad_response(
                "token: answer without access_token or expires_in", http_status=200
            ) from None
        if answer.token_type.lower() != "bearer" or answer.expires_in <= 0:
            raise bad_response("token: not a Bearer token with a lifetime", http_status=200)
        token = answer.access_token.get_secret_value()
        credential = Credential(headers={"X-NHN-Authorization": f"Bearer {token}"}, secret=token)
        renew_at = started + answer.expires_in - renewal_margin(answer.expires_in)
        return _CachedToken(credential=credential, renew_at=renew_at)

    def _refusal(self, response: httpx.Response) -> UpstreamError:
        status = response.status_code
        if status >= 500:
            return Unavailable("token: server error", service=Service.NHN, http_status=status)
        if status == httpx.codes.TOO_MANY_REQUESTS:
            return RateLimited("token: too many requests", service=Service.NHN, http_status=status)
        try:
            reason = scrub(_OAuthError.model_validate_json(response.content).error, self._secrets)
        except ValidationError:
            reason = "no RFC 6749 error"
        return AuthenticationFailed(
            f"token: refused ({reason})", service=Service.NHN, http_status=status
        )


def authenticator_for(settings: Settings, http: httpx.AsyncClient) -> Authenticator:
    """The authentication `settings.ocr_api_version()` calls for."""
    if settings.ocr_api_version() is OcrApiVersion.V1_1:
        return TokenAuth(
            http,
            oauth_url=settings.nhn_oauth_url,
            key_id=reveal(settings.nhn_user_access_key_id, "NHN_USER_ACCESS_KEY_ID"),
            secret_access_key=reveal(settings.nhn_secret_access_key, "NHN_SECRET_ACCESS_KEY"),
        )
    return SecretKeyAuth(reveal(settings.nhn_ocr_secret_key, "NHN_OCR_SECRET_KEY"))


def reveal(secret: SecretStr | None, variable: str) -> str:
    if secret is None:
        raise ConfigError(f"NHN Cloud OCR is not configured: set {variable}.")
    return secret.get_secret_value()
