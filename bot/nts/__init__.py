"""The National Tax Service business status API: up to 100 numbers per call, free."""

from bot.nts.client import MAX_NUMBERS_PER_CALL, NtsClient
from bot.nts.errors import (
    NtsAuthenticationError,
    NtsConnectionError,
    NtsError,
    NtsInvalidResponse,
    NtsRateLimited,
    NtsRequestRefused,
    NtsTimeout,
    NtsUnavailable,
)
from bot.nts.models import NtsBusiness, business_status

__all__ = [
    "MAX_NUMBERS_PER_CALL",
    "NtsAuthenticationError",
    "NtsBusiness",
    "NtsClient",
    "NtsConnectionError",
    "NtsError",
    "NtsInvalidResponse",
    "NtsRateLimited",
    "NtsRequestRefused",
    "NtsTimeout",
    "NtsUnavailable",
    "business_status",
]
