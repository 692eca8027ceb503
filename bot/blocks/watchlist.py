"""The watchlist: answers to watch, unwatch and list, the Watch button, and change notices."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.blocks import ids
from bot.blocks.elements import EMPTY, Block, button, context, fields, header, section
from bot.blocks.errors import explain
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import KST, channel_mention, date, escape, literal, mention, plain
from bot.blocks.status import (
    ALERT_ADVICE,
    CHECK_DIGIT_NOTE,
    CHECKED_AT,
    LOOKED_UP_ANYWAY,
    badge,
    status_emoji,
    watch_anyway_value,
)
from bot.domain import bizno
from bot.domain.number_csv import write_csv
from bot.domain.status import RECENT_CHANGE, BusinessStatus, StatusCheck
from bot.errors import BotError
from bot.i18n import Language, Text
from bot.store.watches import Watch, WatchPage

# A label is shown whole in answers about one watch, shortened in the list.
LABEL_CHARS = 100
LIST_LABEL_CHARS = 40
# A page of the list holds this many watches (ten per section): enough to scan, and with
# hostile labels escaped at their longest still within a message's JSON bound.
LIST_PAGE = 30
_LIST_SECTION_LINES = 10

_ADDED = Text(
    ko="👀 *{number}*{label} 을(를) 관심 거래처로 등록했습니다. "
    "상태가 바뀌면 {channel}에 알립니다.",
    en="👀 Now watching *{number}*{label}. Changes will be posted in {channel}.",
)
_ADDED_FALLBACK = Text(ko="관심 거래처로 등록했습니다: {number}", en="Now watching {number}")
_SCHEDULE = Text(
    ko="첫 조회 {first}, 이후 {every}마다 다시 조회합니다.",
    en="First check {first}, then every {every}.",
)
_STATUS_NOW = Text(ko="현재 상태: {status}", en="Status now: {status}")
_CHECKED_SCHEDULE = Text(
    ko="조회 {checked} · 다음 조회 {next}, 이후 {every}마다 다시 조회합니다.",
    en="Checked {checked} · next check {next}, then every {every}.",
)
_FIRST_LOOKUP_FAILED = Text(
    ko="⚠️ 지금은 상태를 조회하지 못했습니다: {reason} {retry}에 다시 조회합니다.",
    en="⚠️ The status could not be looked up now: {reason} Trying again {retry}.",
)
_DIFFERS = Text(
    ko="⚠️ *{number}*{label}: 마지막 자리(검증번호)가 흔히 쓰는 규칙과 맞지 않아 "
    "등록하지 않았습니다. 오타가 없는지 확인하세요.",
    en="⚠️ *{number}*{label} was not added: its last digit does not match the usual "
    "check-digit rule. Check for a typo.",
)
_DIFFERS_FALLBACK = Text(
    ko="검증번호가 맞지 않는 번호입니다: {number}",
    en="The check digit differs: {number}",
)
_WATCH_ANYWAY = Text(ko="그래도 등록", en="Watch anyway")
_WATCH_ANYWAY_NOTE = Text(
    ko="입력한 번호가 맞다면 그래도 관심 거래처로 등록할 수 있습니다(등록할 때 조회 1회).",
    en="If the number is right as typed, you can watch it anyway (one lookup when added).",
)
_ALREADY = Text(
    ko="ℹ️ *{number}*{label} 은(는) 이미 관심 거래처입니다. {user}님이 {when}에 등록했습니다.",
    en="ℹ️ *{number}*{label} is already watched: {user} added it {when}.",
)
_ALREADY_FALLBACK = Text(ko="이미 관심 거래처입니다: {number}", en="Already watched: {number}")
_REMOVED = Text(
    ko="🔕 *{number}* 을(를) 관심 거래처에서 뺐습니다.", en="🔕 Stopped watching *{number}*."
)
_REMOVED_FALLBACK = Text(ko="관심 거래처에서 뺐습니다: {number}", en="Stopped watching {number}")
_NOT_WATCHED = Text(
    ko="ℹ️ *{number}* 은(는) 관심 거래처가 아닙니다. `/bizstatus list`로 목록을 볼 수 있습니다.",
    en="ℹ️ *{number}* is not watched. `/bizstatus list` shows what is.",
)
_NOT_WATCHED_FALLBACK = Text(ko="관심 거래처가 아닙니다: {number}", en="Not watched: {number}")
_ADDED_MANY = Text(
    ko="👀 {added}곳을 관심 거래처로 등록했습니다{already}. 상태가 바뀌면 {channel}에 알립니다.",
    en="👀 Now watching {added} more{already}. Changes will be posted in {channel}.",
)
_ALREADY_MANY = Text(ko=" ({count}곳은 이미 등록됨)", en=" ({count} already watched)")
_ADDED_MANY_FALLBACK = Text(
    ko="관심 거래처 {added}곳을 등록했습니다", en="Now watching {added} more"
)
_LIST_TITLE = Text(ko="*관심 거래처* ({count}곳)", en="*Watchlist* ({count})")
_LIST_EMPTY = Text(
    ko="관심 거래처가 없습니다. `/bizstatus watch 220-81-62517 [이름]`으로 등록하세요.",
    en="Nothing is watched yet. Add a business with `/bizstatus watch 220-81-62517 [name]`.",
)
_LIST_NO_MATCH = Text(
    ko="'{search}'에 맞는 관심 거래처가 없습니다.", en="No watched business matches '{search}'."
)
_LIST_MATCHING = Text(ko="'{search}' 검색 결과", en="matching '{search}'")
_ATTENTION = Text(
    ko="🔴 폐업 {closed} · 🟡 휴업 {inactive} · 🔔 최근 {days}일 내 상태 변경 {changed}",
    en="🔴 closed {closed} · 🟡 inactive {inactive} · 🔔 changed in the last {days} days {changed}",
)
_ATTENTION_FIRST = Text(
    ko="폐업·휴업·최근 변경된 거래처가 먼저 나옵니다.",
    en="Closed, inactive and recently changed businesses come first.",
)
_LIST_PAGE = Text(ko="{page}/{pages}쪽", en="Page {page} of {pages}")
_LIST_NEXT = Text(ko="다음 쪽: {command}", en="next: {command}")
_LIST_PREVIOUS = Text(ko="이전 쪽: {command}", en="previous: {command}")
_LIST_HOW = Text(
    ko="검색: `/bizstatus list 이름 또는 번호` · CSV로 받기: `/bizstatus export`",
    en="Search: `/bizstatus list &lt;name or number&gt;` · as CSV: `/bizstatus export`",
)
_EXPORTED = Text(
    ko="📄 관심 거래처 {count}곳을 CSV 파일로 올렸습니다. 같은 파일을 `bizstatus`와 함께 "
    "올리면 일괄 조회 후 '모두 감시 목록에 추가'로 다시 등록할 수 있습니다.",
    en="📄 Uploaded the {count} watched businesses as a CSV file. Share the same file with "
    "the word `bizstatus` to check them all, and 'Watch all' watches them again.",
)
_CSV_HEADER = {
    Language.KO: ("사업자등록번호", "이름", "상태", "조회 시각(KST)"),
    Language.EN: ("business number", "label", "status", "checked at (KST)"),
}
_CSV_FILE = Text(ko="관심거래처_{date}.csv", en="watchlist_{date}.csv")
_EXPORTED_FALLBACK = Text(ko="관심 거래처 CSV ({count}곳)", en="Watchlist CSV ({count})")
EXPORT_FAILED = Text(
    ko="CSV 파일을 올리지 못했습니다. 봇이 이 대화에 초대되어 있는지 확인하세요.",
    en="The CSV file could not be uploaded. Check that the bot is in this conversation.",
)
_NOT_CHECKED = Text(ko="⏳ 조회 전 · 첫 조회 {when}", en="⏳ Not checked yet · first check {when}")
_LIST_FALLBACK = Text(ko="관심 거래처 {count}곳", en="{count} watched businesses")
_THIS_CONVERSATION = Text(ko="이 대화", en="this conversation")

_CLOSED_TITLE = Text(ko="관심 거래처가 폐업했습니다", en="A watched business has closed")
_INACTIVE_TITLE = Text(ko="관심 거래처가 휴업 중입니다", en="A watched business is inactive")
_REOPENED_TITLE = Text(
    ko="관심 거래처가 더 이상 휴·폐업 상태가 아닙니다",
    en="A watched business is no longer inactive or closed",
)
_CHANGED_TITLE = Text(
    ko="관심 거래처의 상태가 바뀌었습니다", en="A watched business's status changed"
)
_NUMBER = Text(ko="등록번호", en="Registration number")
_LABEL = Text(ko="이름", en="Name")
_BEFORE = Text(ko="이전 상태", en="Before")
_NOW = Text(ko="현재 상태", en="Now")
_FIRST_CHECK = Text(ko="첫 조회", en="First check")
_ADDED_BY = Text(ko="등록: {user}", en="Watched by {user}")
_HOURS = Text(ko="{n}시간", en="{n} h")
_MINUTES = Text(ko="{n}분", en="{n} min")


def watch_added(
    watch: Watch,
    lang: Language,
    *,
    interval: timedelta,
    failed: BotError | None = None,
) -> Message:
    """The new watch, its status from the lookup made as it was added, and its schedule.

    `failed` is why that lookup failed: the watch is then checked again soon.
    """
    number = bizno.format(watch.business_number)
    text = _ADDED.format(
        number=number, label=_label(watch, LABEL_CHARS), channel=_channel(watch.channel_id, lang)
    )
    every = _duration(interval, lang)
    blocks: list[Block] = [section(text(lang))]
    if watch.last_status_code is not None and watch.last_checked_at is not None:
        status = BusinessStatus.from_code(watch.last_status_code)
        now = f"*{badge(status, lang)}*"
        advice = ALERT_ADVICE.get(status)
        if advice is not None:
            now += f"\n⚠️ {advice(lang)}"
        if not bizno.checksum_ok(watch.business_number):
            now += f"\n{LOOKED_UP_ANYWAY(lang)}"
        blocks.append(section(_STATUS_NOW.format(status=now)(lang)))
        schedule = _CHECKED_SCHEDULE.format(
            checked=date(watch.last_checked_at), next=date(watch.next_check_at), every=every
        )
    else:
        if failed is not None:
            reason = _FIRST_LOOKUP_FAILED.format(
                reason=escape(explain(failed)(lang)), retry=date(watch.next_check_at)
            )
            blocks.append(section(reason(lang)))
        schedule = _SCHEDULE.format(first=date(watch.next_check_at), every=every)
    blocks.append(context(schedule(lang)))
    return compose(_ADDED_FALLBACK.format(number=number)(lang), blocks, lang)


def watch_check_digit_differs(digits: str, label: str | None, lang: Language) -> Message:
    """Not watched yet: the check digit differs. Explains, and offers "Watch anyway"."""
    number = bizno.format(digits)
    shown_label = f" ({literal(label, LABEL_CHARS) or EMPTY})" if label else ""
    text = f"{_DIFFERS.format(number=number, label=shown_label)(lang)}\n{CHECK_DIGIT_NOTE(lang)}"
    block = section(text)
    block["accessory"] = button(
        _WATCH_ANYWAY(lang), action_id=ids.WATCH_ANYWAY, value=watch_anyway_value(digits, label)
    )
    blocks = [block, context(_WATCH_ANYWAY_NOTE(lang))]
    return compose(_DIFFERS_FALLBACK.format(number=number)(lang), blocks, lang)


def already_watched(watch: Watch, lang: Language) -> Message:
    """A polite refusal that says who added the watch, and when."""
    number = bizno.format(watch.business_number)
    text = _ALREADY.format(
        number=number,
        label=_label(watch, LABEL_CHARS),
        user=mention(watch.created_by),
        when=date(watch.created_at),
    )
    return compose(_ALREADY_FALLBACK.format(number=number)(lang), [section(text(lang))], lang)


def watched_many(*, added: int, already: int, channel_id: str, lang: Language) -> Message:
    """The answer to "watch all": how many were added, and how many were watched before."""
    text = _ADDED_MANY.format(
        added=added,
        already=_ALREADY_MANY.format(count=already)(lang) if already else "",
        channel=_channel(channel_id, lang),
    )
    return compose(_ADDED_MANY_FALLBACK.format(added=added)(lang), [section(text(lang))], lang)


def watch_removed(number: str, lang: Language) -> Message:
    shown = bizno.format(number)
    text = _REMOVED.format(number=shown)(lang)
    return compose(_REMOVED_FALLBACK.format(number=shown)(lang), [section(text)], lang)


def not_watched(number: str, lang: Language) -> Message:
    shown = bizno.format(number)
    text = _NOT_WATCHED.format(number=shown)(lang)
    return compose(_NOT_WATCHED_FALLBACK.format(number=shown)(lang), [section(text)], lang)


def page_count(total: int, size: int) -> int:
    """How many pages of `size` hold `total` items; an empty list still has its one page."""
    return max(1, -(-total // size))


def attention_line(page: WatchPage, lang: Language) -> str:
    """How many of the matching watches need attention, whatever page is shown."""
    return _ATTENTION.format(
        closed=page.closed,
        inactive=page.inactive,
        changed=page.changed,
        days=RECENT_CHANGE.days,
    )(lang)


def watch_list(page: WatchPage, search: str, lang: Language) -> Message:
    """One page of `/bizstatus list [search] [page]`: number, label, last status and when
    it was checked, those needing attention first, and the commands for the pages around.
    """
    title = _LIST_TITLE.format(count=page.total)(lang)
    shown_search = literal(search, LIST_LABEL_CHARS)
    if search:
        title += " · " + _LIST_MATCHING.format(search=shown_search)(lang)
    blocks: list[Block] = [section(title)]
    if not page.total:
        empty = _LIST_NO_MATCH.format(search=shown_search) if search else _LIST_EMPTY
        blocks.append(context(empty(lang)))
        return compose(_LIST_FALLBACK.format(count=0)(lang), blocks, lang)
    blocks.append(context(attention_line(page, lang), _ATTENTION_FIRST(lang)))
    lines = [_list_line(watch, lang) for watch in page.watches]
    for start in range(0, len(lines), _LIST_SECTION_LINES):
        blocks.append(section("\n".join(lines[start : start + _LIST_SECTION_LINES])))
    number = page.offset // LIST_PAGE + 1
    pages = page_count(page.total, LIST_PAGE)
    where = [_LIST_PAGE.format(page=number, pages=pages)(lang)]
    if number > 1:
        where.append(_LIST_PREVIOUS.format(command=_list_command(search, number - 1))(lang))
    if number < pages:
        where.append(_LIST_NEXT.format(command=_list_command(search, number + 1))(lang))
    blocks.append(context(" · ".join(where), _LIST_HOW(lang)))
    return compose(_LIST_FALLBACK.format(count=page.total)(lang), blocks, lang)


def _list_command(search: str, page: int) -> str:
    # The search as typed, inside code: shown, never parsed as mrkdwn.
    words = " ".join(search.replace("`", "'").split())
    return f"`/bizstatus list {literal(words, LIST_LABEL_CHARS) + ' ' if words else ''}{page}`"


def exported(count: int, lang: Language) -> Message:
    """The answer to `/bizstatus export` once the file is up."""
    text = _EXPORTED.format(count=count)(lang)
    return compose(_EXPORTED_FALLBACK.format(count=count)(lang), [section(text)], lang)


def watchlist_csv(watches: Sequence[Watch], lang: Language) -> bytes:
    """The watches as a CSV file the bulk check reads back: the number column under a
    header it knows, then the label, the last status and when it was checked (KST)."""
    rows = (
        [
            bizno.format(watch.business_number),
            watch.label or "",
            ""
            if watch.last_status_code is None
            else BusinessStatus.from_code(watch.last_status_code).label(lang),
            ""
            if watch.last_checked_at is None
            else watch.last_checked_at.astimezone(KST).strftime("%Y-%m-%d %H:%M"),
        ]
        for watch in watches
    )
    return write_csv(_CSV_HEADER[lang], rows)


def watchlist_file_name(now: datetime, lang: Language) -> str:
    return _CSV_FILE.format(date=now.astimezone(KST).strftime("%Y%m%d"))(lang)


def status_change(
    watch: Watch, old: BusinessStatus | None, new: StatusCheck, lang: Language
) -> Message:
    """For the watch's channel: the business, its status before and now, and what to do.

    `old` is None on the watch's first check.
    """
    title = _change_title(old, new.status)(lang)
    number = bizno.format(watch.business_number)
    before = _FIRST_CHECK(lang) if old is None else badge(old, lang)
    blocks: list[Block] = [
        header(f"{status_emoji(new.status)} {title}"),
        fields(
            [
                f"*{_NUMBER(lang)}*\n{number}",
                f"*{_LABEL(lang)}*\n{_label_value(watch, LABEL_CHARS)}",
                f"*{_BEFORE(lang)}*\n{before}",
                f"*{_NOW(lang)}*\n*{badge(new.status, lang)}*",
            ]
        ),
    ]
    advice = ALERT_ADVICE.get(new.status)
    if advice is not None:
        blocks.append(section(f"⚠️ {advice(lang)}"))
    when = CHECKED_AT.format(when=date(new.checked_at))(lang)
    blocks.append(context(f"{when} · {_ADDED_BY.format(user=mention(watch.created_by))(lang)}"))
    fallback = f"{title}: {number}"
    if watch.label:
        fallback += f" ({plain(watch.label, LABEL_CHARS)})"
    fallback += f" {before} → {badge(new.status, lang)}"
    return compose(fallback, blocks, lang)


def _change_title(old: BusinessStatus | None, new: BusinessStatus) -> Text:
    if new is BusinessStatus.CLOSED:
        return _CLOSED_TITLE
    if new is BusinessStatus.INACTIVE:
        return _INACTIVE_TITLE
    if old is not None and old.is_alert:
        return _REOPENED_TITLE
    return _CHANGED_TITLE


def _list_line(watch: Watch, lang: Language) -> str:
    number = f"*{bizno.format(watch.business_number)}*"
    if watch.label:
        number += f"  {_label_value(watch, LIST_LABEL_CHARS)}"
    if watch.last_status_code is None or watch.last_checked_at is None:
        return f"{number} · {_NOT_CHECKED.format(when=date(watch.next_check_at))(lang)}"
    status = badge(BusinessStatus.from_code(watch.last_status_code), lang)
    checked = CHECKED_AT.format(when=date(watch.last_checked_at))(lang)
    return f"{number} · {status} · {checked}"


def _label(watch: Watch, limit: int) -> str:
    """` (label)` after a number, or nothing."""
    return f" ({_label_value(watch, limit)})" if watch.label else ""


def _label_value(watch: Watch, limit: int) -> str:
    return literal(watch.label or "", limit) or EMPTY


def _channel(channel_id: str, lang: Language) -> str:
    """`<#C…>` for a channel; a direct message is "this conversation"."""
    return channel_mention(channel_id) or _THIS_CONVERSATION(lang)


def _duration(interval: timedelta, lang: Language) -> str:
    """24h -> "24시간" / "24 h"; what is not whole hours in minutes."""
    seconds = int(interval.total_seconds())
    if seconds % 3600 == 0:
        return _HOURS.format(n=seconds // 3600)(lang)
    return _MINUTES.format(n=max(1, seconds // 60))(lang)
