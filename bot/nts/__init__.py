"""The National Tax Service business API: statuses and 진위확인, up to 100 per call, free."""

from bot.nts.client import MAX_NUMBERS_PER_CALL, NtsClient
from bot.nts.models import NtsBusiness, ValidationItem, ValidationRequest, business_status

__all__ = [
    "MAX_NUMBERS_PER_CALL",
    "NtsBusiness",
    "NtsClient",
    "ValidationItem",
    "ValidationRequest",
    "business_status",
]
