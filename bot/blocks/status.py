"""Business status: the badge, and the answers to `/bizstatus` (private and shared)."""

import json
from typing import Any

from bot.blocks import ids
from bot.blocks.elements import EMPTY, NAME_CHARS, Block, actions, button, context, section
from bot.blocks.errors import explain
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import date, escape, literal, mention, plain
from bot.domain import bizno
from bot.domain.bizno import InvalidBusinessNumber
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import BotError
from bot.i18n import Language, Text

StatusEntry = tuple[str, StatusCheck | BotError | InvalidBusinessNumber]
"""What a person typed, and what became of it, in input order."""

_CLOSED, _INACTIVE, _OPEN, _UNKNOWN = "🔴", "🟡", "🟢", "⚪"

# What to do about an inactive or closed business: the reason the bot checks.
ALERT_ADVICE = {
    BusinessStatus.INACTIVE: Text(
        ko="휴업 중인 사업자입니다. 결제나 계약 전에 거래처에 영업 여부를 확인해 주세요.",
        en="This business is inactive. Check with them before paying or signing anything.",
    ),
    BusinessStatus.CLOSED: Text(
        ko="폐업한 사업자입니다. 결제나 계약을 멈추고 거래처 정보를 다시 확인해 주세요.",
        en="This business is closed. Hold any payment or contract and check the vendor again.",
    ),
}
CHECKED_AT = Text(ko="조회 {when}", en="Checked {when}")

_TITLE = Text(ko="*사업자 상태 조회* ({count}건)", en="*Business status* ({count})")
_LOOKUP_FAILED = Text(ko="조회하지 못함", en="Lookup failed")
_INVALID = Text(ko="올바르지 않은 번호", en="Invalid number")
_PRIVATE = Text(
    ko="🔒 나에게만 보이는 결과입니다. 팀과 함께 보려면 *채널에 공유*를 누르세요.",
    en="🔒 Only you can see this. Press *Share to channel* to show it to the channel.",
)
_WATCH = Text(ko="관심 거래처로 등록", en="Watch")
_SHARE = Text(ko="채널에 공유", en="Share to channel")
_SHARED_BY = Text(
    ko="{user}님이 공유한 사업자 상태 조회 결과입니다.",
    en="Business status shared by {user}.",
)
_FALLBACK_TITLE = Text(ko="사업자 상태 조회 결과", en="Business status")
_CHECK_DIGIT_DIFFERS = Text(ko="검증번호 불일치", en="Check digit differs")
CHECK_DIGIT_NOTE = Text(
    ko="흔히 쓰는 검증번호 규칙은 국세청의 공식 규칙이 아니어서, 실제 번호 중에도 맞지 않는 "
    "것이 있습니다. 입력한 번호가 맞다면 그래도 조회할 수 있습니다(조회 1회).",
    en="The usual check-digit rule is not an official one, and a few real numbers do not "
    "follow it. If the number is right as typed, you can look it up anyway (one lookup).",
)
_LOOK_UP_ANYWAY = Text(ko="그래도 조회", en="Look it up anyway")
LOOKED_UP_ANYWAY = Text(
    ko="⚠️ 검증번호가 흔히 쓰는 규칙과 다른 번호입니다.",
    en="⚠️ This number's check digit differs from the usual rule.",
)


def status_emoji(status: BusinessStatus) -> str:
    """🟢 open, 🟡 inactive, 🔴 closed, ⚪ unknown or other."""
    if status is BusinessStatus.CLOSED:
        return _CLOSED
    if status is BusinessStatus.INACTIVE:
        return _INACTIVE
    return _OPEN if status.is_open else _UNKNOWN


def badge(status: BusinessStatus, lang: Language) -> str:
    """Emoji and label, readable at a glance.

    >>> badge(BusinessStatus.CLOSED, Language.KO)
    '🔴 폐업자'
    >>> badge(BusinessStatus.NOT_IN_BUSINESS, Language.EN)
    '⚪ Not registered (unknown)'
    """
    return f"{status_emoji(status)} {status.label(lang)}"


def status_line(check: StatusCheck, lang: Language) -> str:
    """The badge as mrkdwn, bold and followed by what to do when it is an alert."""
    shown = badge(check.status, lang)
    if check.status.is_alert:
        return f"*{shown}*\n⚠️ {ALERT_ADVICE[check.status](lang)}"
    return shown


def status_results(entries: list[StatusEntry], lang: Language, *, shareable: bool) -> Message:
    """The private answer to `/bizstatus`: one section per number, in input order.

    The Share button appears when `shareable` and at least one number was checked.
    """
    blocks = [
        section(_TITLE.format(count=len(entries))(lang)),
        *_entry_blocks(entries, lang, watchable=shareable),
    ]
    value = share_value(entries)
    if shareable and value != "[]":
        blocks.append(context(_PRIVATE(lang)))
        blocks.append(
            actions(
                ids.STATUS_ACTIONS_BLOCK,
                button(_SHARE(lang), action_id=ids.SHARE_STATUS, value=value, style="primary"),
            )
        )
    return compose(_fallback(entries, lang), blocks, lang)


def watch_button(number: str, lang: Language, *, one_of_several: bool = False) -> dict[str, Any]:
    """The Watch button for a possible business number (ten digits); `one_of_several` when
    a message has one per number (beside each number's section).

    Beside a number whose check digit differs, and which was looked up anyway, it
    watches anyway: the person has already chosen to trust the number.
    """
    digits = bizno.possible(number)
    if bizno.checksum_ok(digits):
        action, value = ids.WATCH_BUSINESS, digits
    else:
        action, value = ids.WATCH_ANYWAY, watch_anyway_value(digits, None)
    action_id = ids.per_number(action, digits) if one_of_several else action
    return button(_WATCH(lang), action_id=action_id, value=value)


def watch_anyway_value(digits: str, label: str | None) -> str:
    """The "Watch anyway" button's value: the number and the label typed with it.

    >>> watch_anyway_value("1234567890", "본사")
    '["1234567890","본사"]'
    """
    return json.dumps([digits, label or ""], ensure_ascii=False, separators=(",", ":"))


def watch_anyway_request(value: str) -> tuple[str, str] | None:
    """The number (not yet validated) and label in a "Watch anyway" value; None when the
    value is not one `watch_anyway_value` could have made. The clicker can forge it.

    >>> watch_anyway_request('["1234567890","본사"]')
    ('1234567890', '본사')
    >>> watch_anyway_request('{"number": 1}') is None
    True
    """
    try:
        number, label = json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(number, str) or not isinstance(label, str):
        return None
    return number, label


def shared_status_results(entries: list[StatusEntry], lang: Language, *, shared_by: str) -> Message:
    """The copy posted in the channel: says who shared it, and has no button."""
    blocks = [
        context(_SHARED_BY.format(user=mention(shared_by))(lang)),
        section(_TITLE.format(count=len(entries))(lang)),
        *_entry_blocks(entries, lang),
    ]
    return compose(_fallback(entries, lang), blocks, lang)


def share_value(entries: list[StatusEntry]) -> str:
    """The Share button's value: the ten digits of each number checked, as a JSON list.

    Only numbers: whoever clicks can forge a value, so the status the channel sees is
    the one the bot recorded for the number (see `shared_numbers`), never one carried
    here. Ten numbers take about 130 characters of the 2,000 a value may hold.
    """
    numbers = [result.number for _, result in entries if isinstance(result, StatusCheck)]
    return json.dumps(list(dict.fromkeys(numbers)), separators=(",", ":"))


def shared_numbers(value: str) -> list[str]:
    """The possible business numbers (ten digits, any check digit: a number looked up
    anyway may be shared too) a Share button's value names, in order;
    [] when any part of it is not what `share_value` makes.

    Buttons posted before values held numbers only carry [digits, status code, time]
    per check: the number is taken, and the rest ignored like any other forgery.

    >>> shared_numbers('["2208162517",["1248100998","01","2024-05-01T05:03:00+00:00"]]')
    ['2208162517', '1248100998']
    >>> shared_numbers('["0000000000"]')  # no tax office's number
    []
    """
    try:
        items = json.loads(value)
        if not isinstance(items, list):
            return []
        numbers = [item[0] if isinstance(item, list) and item else item for item in items]
        if not all(isinstance(number, str) for number in numbers):
            return []
        return list(dict.fromkeys(bizno.possible(number) for number in numbers))
    except (ValueError, RecursionError):
        return []


def _shown_number(raw: str) -> str:
    try:
        return bizno.format(raw)
    except InvalidBusinessNumber:
        return literal(raw, NAME_CHARS) or EMPTY


def _entry_blocks(
    entries: list[StatusEntry], lang: Language, *, watchable: bool = False
) -> list[Block]:
    """One section per entry; with `watchable`, each checked number has a Watch button and
    each number whose check digit differs a "Look it up anyway" button."""
    blocks = []
    watched: set[str] = set()
    for raw, result in entries:
        if isinstance(result, StatusCheck):
            when = CHECKED_AT.format(when=date(result.checked_at))(lang)
            text = f"*{bizno.format(result.number)}*   {status_line(result, lang)}\n{when}"
            if not bizno.checksum_ok(result.number):
                text += f"\n{LOOKED_UP_ANYWAY(lang)}"
            if watchable and result.number not in watched:
                watched.add(result.number)
                block = section(text)
                block["accessory"] = watch_button(result.number, lang, one_of_several=True)
                blocks.append(block)
                continue
        elif isinstance(result, BotError):
            text = (
                f"*{_shown_number(raw)}*   ⚠️ {_LOOKUP_FAILED(lang)}\n"
                f"{escape(explain(result)(lang))}"
            )
        elif result.reason == "checksum":
            digits = bizno.possible(raw)  # only a possible number fails for its check digit
            text = (
                f"*{bizno.format(digits)}*   ⚠️ {_CHECK_DIGIT_DIFFERS(lang)}\n"
                f"{escape(result.message(lang))}\n{CHECK_DIGIT_NOTE(lang)}"
            )
            if watchable and digits not in watched:
                watched.add(digits)
                block = section(text)
                block["accessory"] = button(
                    _LOOK_UP_ANYWAY(lang),
                    action_id=ids.per_number(ids.LOOK_UP_ANYWAY, digits),
                    value=digits,
                )
                blocks.append(block)
                continue
        else:
            text = (
                f"*{literal(raw, NAME_CHARS) or EMPTY}*   ❌ {_INVALID(lang)}\n"
                f"{escape(result.message(lang))}"
            )
        blocks.append(section(text))
    return blocks


def _fallback(entries: list[StatusEntry], lang: Language) -> str:
    lines = [_FALLBACK_TITLE(lang)]
    for raw, result in entries:
        if isinstance(result, StatusCheck):
            alert = "⚠️ " if result.status.is_alert else ""
            lines.append(f"{alert}{bizno.format(result.number)}: {result.status.label(lang)}")
        elif isinstance(result, BotError):
            lines.append(f"{plain(raw, NAME_CHARS)}: {_LOOKUP_FAILED(lang)}")
        elif result.reason == "checksum":
            lines.append(f"{plain(raw, NAME_CHARS)}: {_CHECK_DIGIT_DIFFERS(lang)}")
        else:
            lines.append(f"{plain(raw, NAME_CHARS)}: {_INVALID(lang)}")
    return "\n".join(lines)
