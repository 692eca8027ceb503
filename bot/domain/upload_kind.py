"""What an upload is: a certificate, a card, or a question for the uploader.

The rule, in order: words in the message, then words in the file name, the
channel's default, a PDF is a certificate; otherwise nobody can tell and the bot asks.

>>> guess_kind("법인카드 영수증용", file_name="IMG_0001.jpg", channel="C1", is_pdf=False)
'card'
>>> guess_kind("", file_name="사업자등록증.png", channel="C1", is_pdf=False)
'business'
>>> guess_kind("", file_name="scan.png", channel="C9", is_pdf=False, business_channels=["C9"])
'business'
>>> guess_kind("", file_name="scan.pdf", channel="C1", is_pdf=True)
'business'
>>> guess_kind("see attached", file_name="IMG_0001.jpg", channel="C1", is_pdf=False) is None
True
"""

import re
from collections.abc import Collection
from typing import Literal

UploadKind = Literal["business", "card"]

# Word edges that also split file names like "card_front.jpg" or "business-cert.png".
_CARD_WORDS = re.compile(r"카드|(?<![a-z])cards?(?![a-z])", re.IGNORECASE)
_BUSINESS_WORDS = re.compile(
    r"사업자|등록증|(?<![a-z])(?:business|certificates?)(?![a-z])", re.IGNORECASE
)


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
    file_name: str,
    channel: str,
    is_pdf: bool,
    business_channels: Collection[str] = (),
    card_channels: Collection[str] = (),
) -> UploadKind | None:
    for words in (text, file_name):
        if (named := kind_from_words(words)) is not None:
            return named
    if channel in business_channels:
        return "business"
    if channel in card_channels:
        return "card"
    return "business" if is_pdf else None
