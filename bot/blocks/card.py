"""The reply to a card photo: brand, masked number, expiry and checks.

The number is shown only as `CardNumber.masked()` (last four digits): the
domain type offers nothing else, and file names go through `file_line`.
"""

from collections.abc import Sequence
from typing import Literal

from bot.blocks.elements import Block, context, fields, file_line, header, section
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import channel_mention
from bot.domain.analysis import CardAnalysis
from bot.i18n import Language, Text

_TITLE = Text(ko="신용카드 인식 결과", en="Credit card")
OriginalFate = Literal["shown", "deleted", "undeletable"]

_PRIVATE_COPY = Text(
    ko="🔒 *나에게만 보이는 결과입니다.* 공개 채널이라 올린 분에게만 보냈습니다.",
    en="🔒 *Only you can see this.* The channel is public, so the result went to you alone.",
)
_ORIGINAL: dict[OriginalFate, Text] = {
    "shown": Text(
        ko="⚠️ 원본 사진에는 카드 번호 전체가 보입니다. 채널에서 사진을 삭제해 주세요.",
        en="⚠️ The original photo shows the full card number: please delete it from the channel.",
    ),
    "deleted": Text(
        ko="🗑️ 카드 번호 전체가 보이는 원본 사진은 봇이 삭제했습니다.",
        en="🗑️ The bot deleted the original photo, which showed the full card number.",
    ),
    "undeletable": Text(
        ko="⚠️ 원본 사진에는 카드 번호 전체가 보이는데, Slack이 봇의 삭제를 허용하지 "
        "않았습니다. 직접 삭제해 주세요.",
        en="⚠️ The original photo shows the full card number and Slack did not let the bot "
        "delete it: please delete it yourself.",
    ),
}
REDACTED_COPY = Text(
    ko="🔒 카드 번호는 마지막 네 자리만, 유효기간은 가린 사본입니다. 원본 없이 이 사본으로 "
    "확인하세요.",
    en="🔒 A copy with all but the last four digits and the expiry covered: use it instead "
    "of the original.",
)
_DECLINED = Text(
    ko="🔒 카드 사진은 {channels} 채널에서만 분석합니다. 이 사진은 읽지 않았습니다. "
    "카드 번호가 보인다면 사진을 삭제해 주세요.",
    en="🔒 Card photos are analysed only in {channels}. Nothing was read from this one; "
    "if it shows a card number, please delete it.",
)
_NUMBER = Text(ko="카드 번호", en="Card number")
_NUMBER_MISSING = Text(ko="카드 번호를 인식하지 못했습니다", en="Card number not recognised")
_BRAND = Text(ko="카드 브랜드", en="Brand")
_EXPIRY = Text(ko="유효기간", en="Valid thru")
_EXPIRY_MISSING = Text(ko="인식하지 못함", en="Not recognised")
_EXPIRED = Text(ko="⚠️ 만료됨", en="⚠️ Expired")
_NOT_EXPIRED = Text(ko="유효", en="Valid")
_LUHN = Text(ko="번호 검증", en="Number check")
_LUHN_OK = Text(ko="✅ 통과 (Luhn)", en="✅ Passed (Luhn)")
_LUHN_FAILED = Text(
    ko="❌ 실패 (Luhn): 번호를 잘못 읽었을 수 있습니다. 다시 찍어 올려 주세요.",
    en="❌ Failed (Luhn): the number may be misread. Retake the photo.",
)
_LOW_RESOLUTION = Text(
    ko="⚠️ 이미지 해상도가 낮아 잘못 읽은 숫자가 있을 수 있습니다. "
    "카드가 화면을 채우도록 밝은 곳에서 다시 찍어 주세요.",
    en="⚠️ The image resolution is low, so some digits may be misread. "
    "Retake the photo in good light with the card filling the frame.",
)


def card_result(
    analysis: CardAnalysis,
    lang: Language,
    *,
    file_name: str,
    private_copy: bool,
    original: OriginalFate = "shown",
) -> Message:
    """The result; a `private_copy` (sent to the uploader alone) also says what became of
    the original photo, which otherwise `original_notice` tells the uploader privately."""
    blocks: list[Block] = [header(_TITLE(lang))]
    if private_copy:
        blocks.append(section(f"{_PRIVATE_COPY(lang)}\n{_ORIGINAL[original](lang)}"))
    blocks.append(context(file_line(file_name)))
    number = analysis.number
    card_fields = []
    if number is None:
        card_fields.append(f"*{_NUMBER(lang)}*\n{_NUMBER_MISSING(lang)}")
    else:
        card_fields += [
            f"*{_NUMBER(lang)}*\n{number.masked()}",
            f"*{_BRAND(lang)}*\n{number.brand.label(lang)}",
        ]
    card_fields.append(f"*{_EXPIRY(lang)}*\n{_expiry_text(analysis, lang)}")
    if number is not None:
        luhn = _LUHN_OK if number.luhn_valid else _LUHN_FAILED
        card_fields.append(f"*{_LUHN(lang)}*\n{luhn(lang)}")
    blocks.append(fields(card_fields))
    if analysis.low_resolution:
        blocks.append(context(_LOW_RESOLUTION(lang)))
    return compose(_fallback(analysis, lang), blocks, lang)


def original_notice(original: OriginalFate, lang: Language) -> Message:
    """For the uploader alone: what became of the photo that shows the full number."""
    text = _ORIGINAL[original](lang)
    return compose(text, [section(text)], lang)


def card_declined(card_channels: Sequence[str], lang: Language) -> Message:
    """For the uploader alone: card analysis is allowed only in CARD_CHANNELS."""
    channels = ", ".join(filter(None, map(channel_mention, card_channels)))
    text = _DECLINED.format(channels=channels or "CARD_CHANNELS")(lang)
    return compose(text, [section(text)], lang)


def _expiry_text(analysis: CardAnalysis, lang: Language) -> str:
    if analysis.expiry is None:
        return _EXPIRY_MISSING(lang)
    if analysis.expired is None:
        return analysis.expiry.display
    verdict = _EXPIRED if analysis.expired else _NOT_EXPIRED
    return f"{analysis.expiry.display}  {verdict(lang)}"


def _fallback(analysis: CardAnalysis, lang: Language) -> str:
    number = analysis.number
    if number is None:
        shown = _NUMBER_MISSING(lang)
    else:
        shown = f"{number.brand.label(lang)} {number.masked()}"
    return f"{_TITLE(lang)}: {shown}"
