"""What an upload is: a certificate, a card, or a question for the uploader.

The rule, in order: words in the message, the channel's default, a PDF is a
certificate; otherwise nobody can tell and the bot asks.

>>> guess_kind("법인카드 영수증용", channel="C1", is_pdf=False)
'card'
>>> guess_kind("", channel="C9", is_pdf=False, business_channels=["C9"])
'business'
>>> guess_kind("", channel="C1", is_pdf=True)
'business'
>>> guess_kind("see attached", channel="C1", is_pdf=False) is None
True
"""

import re
from collections.abc import Collection
from typing import Literal

UploadKind = Literal["business", "card"]

_CARD_WORDS = re.compile(r"카드|\bcards?\b", re.IGNORECASE)
_BUSINESS_WORDS = re.compile(r"사업자|등록증|\bbusiness\b|\bcertificates?\b", re.IGNORECASE)


def kind_from_words(text: str) -> UploadKind | None:
    """The kind the message names, or None when it names neither or both.

    >>> kind_from_words("Business certificate for the new vendor")
    'business'
    >>> kind_from_words("신용카드 앞면")
    'card'
    >>> kind_from_words("사업자 카드") is None
    True
    """
    card = _CARD_WORDS.search(text) is not None
    business = _BUSINESS_WORDS.search(text) is not None
    if card == business:
        return None
    return "card" if card else "business"


def guess_kind(
    text: str,
    *,
    channel: str,
    is_pdf: bool,
    business_channels: Collection[str] = (),
    card_channels: Collection[str] = (),
) -> UploadKind | None:
    if (named := kind_from_words(text)) is not None:
        return named
    if channel in business_channels:
        return "business"
    if channel in card_channels:
        return "card"
    return "business" if is_pdf else None
