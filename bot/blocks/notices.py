"""Short notices: failures, unsupported files, /bizstatus help, and the team channel alert."""

import re

from bot.blocks.authenticity import LABEL as AUTHENTICITY
from bot.blocks.authenticity import verdict_text
from bot.blocks.elements import (
    NAME_CHARS,
    Block,
    context,
    fields,
    file_line,
    header,
    section,
)
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import (
    channel_mention,
    date,
    escape,
    link,
    literal,
    mention,
    plain,
)
from bot.blocks.status import ALERT_ADVICE, CHECKED_AT, badge, status_emoji
from bot.domain import bizno
from bot.domain.authenticity import Authenticity
from bot.domain.number_list import MAX_NUMBERS
from bot.domain.status import BusinessStatus, StatusCheck
from bot.i18n import Language, Text

_FILE_FAILED = Text(ko="파일을 처리하지 못했습니다", en="The file could not be processed")
_UNSUPPORTED = Text(
    ko="🙅 *읽을 수 없는 파일 형식입니다*\n"
    "사업자등록증은 사진(JPEG, PNG, HEIC, WebP, TIFF, BMP, GIF)이나 PDF로, "
    "신용카드는 사진으로 올려 주세요. 사업자번호 목록은 CSV 파일을 `bizstatus`라는 말과 "
    "함께 올리면 됩니다.",
    en="🙅 *This file type cannot be read*\n"
    "Upload a business registration certificate as a photo (JPEG, PNG, HEIC, WebP, TIFF, "
    "BMP, GIF) or a PDF, and a credit card as a photo. For a list of business numbers, "
    "upload a CSV file with the word `bizstatus`.",
)
_UNSUPPORTED_FALLBACK = Text(
    ko="읽을 수 없는 파일 형식입니다: {file}", en="This file type cannot be read: {file}"
)
_HELP = Text(
    ko="*`/bizstatus` 사용법*\n"
    "• `/bizstatus 220-81-62517`: 사업자 한 곳의 상태를 조회합니다.\n"
    "• `/bizstatus 220-81-62517, 124-81-00998`: 띄어쓰기나 쉼표로 구분해 "
    "최대 {limit}개까지 한 번에 조회합니다.\n"
    "• `/bizstatus watch 220-81-62517 [이름]`: 관심 거래처로 등록해 상태가 바뀌면 알립니다.\n"
    "• `/bizstatus unwatch 220-81-62517`: 등록을 해제합니다.\n"
    "• `/bizstatus list [이름 또는 번호] [쪽]`: 목록을 봅니다. 폐업·휴업·최근 변경이 먼저 "
    "나옵니다.\n"
    "• `/bizstatus export`: 목록을 CSV 파일로 받습니다(일괄 조회로 다시 올릴 수 있습니다).\n"
    "• 사업자등록번호 CSV 파일을 `bizstatus`라는 말과 함께 올리면 모두 조회합니다.\n"
    "• `/bizstatus help`: 이 도움말을 봅니다.",
    en="*How to use `/bizstatus`*\n"
    "• `/bizstatus 220-81-62517`: check one business.\n"
    "• `/bizstatus 220-81-62517, 124-81-00998`: check up to {limit} at once, "
    "separated by spaces or commas.\n"
    "• `/bizstatus watch 220-81-62517 [label]`: watch a business and hear when it changes.\n"
    "• `/bizstatus unwatch 220-81-62517`: stop watching.\n"
    "• `/bizstatus list [name or number] [page]`: the watchlist, closed, inactive and "
    "recently changed first.\n"
    "• `/bizstatus export`: the watchlist as a CSV file (a bulk check reads it back).\n"
    "• Upload a CSV of business numbers with the word `bizstatus` to check them all.\n"
    "• `/bizstatus help`: show this help.",
)
_HELP_NOTE = Text(
    ko="결과는 나에게만 보이며, *채널에 공유* 버튼으로 채널에 올릴 수 있습니다.\n"
    "🟢 계속사업자 · 🟡 휴업 · 🔴 폐업 · ⚪ 확인 불가",
    en="Only you see the results; *Share to channel* posts them for everyone.\n"
    "🟢 open · 🟡 inactive · 🔴 closed · ⚪ unknown",
)
_HELP_FALLBACK = Text(
    ko="/bizstatus 사용법: 사업자등록번호를 최대 {limit}개까지 입력하세요.",
    en="How to use /bizstatus: give up to {limit} business registration numbers.",
)
_ALERT_TITLES = {
    BusinessStatus.CLOSED: Text(
        ko="폐업한 거래처가 조회되었습니다", en="A closed business was checked"
    ),
    BusinessStatus.INACTIVE: Text(
        ko="휴업 중인 거래처가 조회되었습니다", en="An inactive business was checked"
    ),
}
_STATUS_TITLE = Text(ko="거래처 상태 알림", en="Business status notice")
_MISMATCH_TITLE = Text(
    ko="국세청 등록 정보와 다른 사업자등록증이 올라왔습니다",
    en="A certificate that differs from the NTS register was checked",
)
_MISMATCH_ADVICE = Text(
    ko="잘못 읽은 글자 때문일 수도 있습니다. 거래 전에 원본을 확인해 주세요.",
    en="A misread letter can cause this too. Check the original before doing business.",
)
_NUMBER = Text(ko="등록번호", en="Registration number")
_TRADE_NAME = Text(ko="상호", en="Trade name")
_TRADE_NAME_UNKNOWN = Text(ko="알 수 없음", en="Unknown")
_STATUS = Text(ko="상태", en="Status")
_CHECKED_BY = Text(ko="조회한 사람", en="Checked by")
_WHERE = Text(ko="원본 메시지 보기", en="View the original message")
_IN_CHANNEL = Text(ko="{channel}에서", en="in {channel}")
_IN_DIRECT_MESSAGE = Text(ko="개인 메시지에서", en="in a direct message")
_DIRECT_MESSAGE_ID = re.compile(r"D[A-Z0-9_]{2,}")


def failure(message: Text, lang: Language, *, file_name: str | None) -> Message:
    """What went wrong and what to do; `message` is `bot.blocks.errors.explain` of the error."""
    said = escape(message(lang))
    if file_name is None:
        blocks: list[Block] = [section(f"⚠️ {said}")]
    else:
        blocks = [section(f"⚠️ *{_FILE_FAILED(lang)}*\n{said}"), context(file_line(file_name))]
    return compose(message(lang), blocks, lang)


def unsupported_file(file_name: str, lang: Language) -> Message:
    fallback = _UNSUPPORTED_FALLBACK.format(file=plain(file_name, NAME_CHARS))
    return compose(
        fallback(lang), [section(_UNSUPPORTED(lang)), context(file_line(file_name))], lang
    )


def bizstatus_help(lang: Language) -> Message:
    usage = _HELP.format(limit=MAX_NUMBERS)
    fallback = _HELP_FALLBACK.format(limit=MAX_NUMBERS)
    return compose(fallback(lang), [section(usage(lang)), context(_HELP_NOTE(lang))], lang)


def team_alert(
    check: StatusCheck,
    lang: Language,
    *,
    trade_name: str | None,
    checked_by: str,
    where: str | None,
) -> Message:
    """For the team channel: which business, its status, who checked, and where.

    `where` is a permalink to the message the lookup came from, shown as a link
    only when it is a plain https URL; or, when there is no message to link (a
    slash command), the id of the channel, which the bot writes as its mention.
    Anything else is left out.
    """
    title = _ALERT_TITLES.get(check.status, _STATUS_TITLE)(lang)
    number = bizno.format(check.number)
    blocks: list[Block] = [
        header(f"{status_emoji(check.status)} {title}"),
        fields(
            [
                f"*{_NUMBER(lang)}*\n{number}",
                f"*{_TRADE_NAME(lang)}*\n{_shown_trade_name(trade_name, lang)}",
                f"*{_STATUS(lang)}*\n*{badge(check.status, lang)}*",
                f"*{_CHECKED_BY(lang)}*\n{mention(checked_by)}",
            ]
        ),
    ]
    advice = ALERT_ADVICE.get(check.status)
    if advice is not None:
        blocks.append(section(f"⚠️ {advice(lang)}"))
    footer = [CHECKED_AT.format(when=date(check.checked_at))(lang)]
    place = _place(where, lang) if where is not None else None
    if place is not None:
        footer.append(place)
    blocks.append(context(" · ".join(footer)))
    return compose(_alert_fallback(title, number, trade_name), blocks, lang)


def mismatch_alert(
    check: Authenticity,
    lang: Language,
    *,
    trade_name: str | None,
    checked_by: str,
    where: str | None,
) -> Message:
    """For the team channel: a certificate whose details NTS does not hold, and where."""
    title = _MISMATCH_TITLE(lang)
    number = bizno.format(check.details.number) if check.details.number else "—"
    blocks: list[Block] = [
        header(f"⚠️ {title}"),
        fields(
            [
                f"*{_NUMBER(lang)}*\n{number}",
                f"*{_TRADE_NAME(lang)}*\n{_shown_trade_name(trade_name, lang)}",
                f"*{_CHECKED_BY(lang)}*\n{mention(checked_by)}",
            ]
        ),
        section(f"*{AUTHENTICITY(lang)}*   {verdict_text(check, None, lang)}"),
        section(_MISMATCH_ADVICE(lang)),
    ]
    place = _place(where, lang) if where is not None else None
    if place is not None:
        blocks.append(context(place))
    return compose(_alert_fallback(title, number, trade_name), blocks, lang)


def _shown_trade_name(trade_name: str | None, lang: Language) -> str:
    """The trade name, outside text, shown literally in an alert's fields."""
    return (
        literal(trade_name, NAME_CHARS) if trade_name is not None else ""
    ) or _TRADE_NAME_UNKNOWN(lang)


def _alert_fallback(title: str, number: str, trade_name: str | None) -> str:
    """An alert's notification text: its title, the number and any trade name."""
    fallback = f"{title}: {number}"
    if shown_in_fallback := plain(trade_name or "", NAME_CHARS).strip():
        fallback += f" ({shown_in_fallback})"
    return fallback


def _place(where: str, lang: Language) -> str | None:
    """Where a lookup was made, for the alert's footer (see `team_alert`)."""
    if channel := channel_mention(where):
        return _IN_CHANNEL.format(channel=channel)(lang)
    if _DIRECT_MESSAGE_ID.fullmatch(where):
        return _IN_DIRECT_MESSAGE(lang)  # its mention would mean nothing to the team
    return link(where, _WHERE(lang))
