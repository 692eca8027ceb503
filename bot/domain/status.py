"""Business status codes from NHN's business/status API, with Hometax's words, and the
answer a status check gives.

>>> status = BusinessStatus.from_code("6")
>>> status.label.ko, status.is_alert
('폐업자', True)
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import Text

# A watched business whose status changed within this long is listed among those that
# need attention: a week covers a team that looks at its watchlist once a week.
RECENT_CHANGE = timedelta(days=7)


class BusinessStatus(StrEnum):
    """Whether a business is open (and how it is taxed), inactive, closed or unknown."""

    NOT_IN_BUSINESS = "00"  # most likely a number that was never registered
    VAT_GENERAL = "01"
    VAT_SIMPLIFIED = "02"
    VAT_EXEMPT = "03"
    NON_PROFIT = "04"  # non-profit corporation or national body
    INACTIVE = "05"  # 휴업
    CLOSED = "06"  # 폐업
    OTHER = "09"

    @classmethod
    def from_code(cls, code: str) -> "BusinessStatus":
        """Tolerates missing zero padding and spaces; an unknown code is OTHER.

        >>> BusinessStatus.from_code(" 01 ")
        <BusinessStatus.VAT_GENERAL: '01'>
        >>> BusinessStatus.from_code("1")
        <BusinessStatus.VAT_GENERAL: '01'>
        >>> BusinessStatus.from_code("07")
        <BusinessStatus.OTHER: '09'>
        """
        code = code.strip()
        if code.isascii() and code.isdigit():
            code = f"{int(code):02d}"
        try:
            return cls(code)
        except ValueError:
            return cls.OTHER

    @property
    def label(self) -> Text:
        """
        >>> BusinessStatus.VAT_SIMPLIFIED.label.ko
        '계속사업자(간이과세자)'
        """
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        """
        >>> BusinessStatus.VAT_EXEMPT.is_open, BusinessStatus.INACTIVE.is_open
        (True, False)
        """
        return self in _OPEN

    @property
    def is_alert(self) -> bool:
        """Inactive or closed: worth warning whoever is about to pay or contract.

        >>> BusinessStatus.INACTIVE.is_alert
        True
        """
        return self in _ALERT

    @property
    def is_unknown(self) -> bool:
        """NHN could not say: shown as unknown rather than as open or closed.

        >>> BusinessStatus.NOT_IN_BUSINESS.is_unknown
        True
        """
        return self in _UNKNOWN


_OPEN = frozenset(
    {
        BusinessStatus.VAT_GENERAL,
        BusinessStatus.VAT_SIMPLIFIED,
        BusinessStatus.VAT_EXEMPT,
        BusinessStatus.NON_PROFIT,
    }
)
_ALERT = frozenset({BusinessStatus.INACTIVE, BusinessStatus.CLOSED})
_UNKNOWN = frozenset({BusinessStatus.NOT_IN_BUSINESS, BusinessStatus.OTHER})

_LABELS = {
    BusinessStatus.NOT_IN_BUSINESS: Text(
        ko="등록되지 않은 사업자(확인 불가)", en="Not registered (unknown)"
    ),
    BusinessStatus.VAT_GENERAL: Text(ko="계속사업자(일반과세자)", en="Open (VAT general)"),
    BusinessStatus.VAT_SIMPLIFIED: Text(ko="계속사업자(간이과세자)", en="Open (VAT simplified)"),
    BusinessStatus.VAT_EXEMPT: Text(ko="계속사업자(면세사업자)", en="Open (VAT exempt)"),
    BusinessStatus.NON_PROFIT: Text(
        ko="계속사업자(비영리법인·국가기관)", en="Open (non-profit or public body)"
    ),
    BusinessStatus.INACTIVE: Text(ko="휴업자", en="Inactive (temporarily closed)"),
    BusinessStatus.CLOSED: Text(ko="폐업자", en="Closed"),
    BusinessStatus.OTHER: Text(ko="기타(확인 불가)", en="Other (unknown)"),
}


@dataclass(frozen=True, slots=True)
class StatusCheck:
    """One business's status as a provider gave it, and when."""

    number: str  # 10 digits
    status: BusinessStatus
    checked_at: datetime  # when the provider answered, also for an answer from the cache
    cached: bool = False  # answered from the store, without a call
