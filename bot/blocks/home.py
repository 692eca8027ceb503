"""The App Home tab: the workspace's watchlist with re-check and unwatch buttons, and
its recent status changes.
"""

from collections.abc import Sequence
from typing import Any

from bot.blocks import ids
from bot.blocks.elements import (
    NAME_CHARS,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    plain_text,
    section,
)
from bot.blocks.errors import explain
from bot.blocks.limits import MAX_VIEW_BLOCKS
from bot.blocks.mrkdwn import date, escape, literal, plain
from bot.blocks.status import CHECKED_AT, badge
from bot.domain import bizno
from bot.domain.status import BusinessStatus
from bot.errors import BotError
from bot.i18n import Language, Text
from bot.store.watches import StatusChange, Watch

RECENT_CHANGES = 10
# Labels in the list of changes are cut shorter, so ten lines stay far below a
# section's 3,000 characters.
_CHANGE_LABEL_CHARS = 40
_CONFIRM_LABEL_CHARS = 60  # the dialog's text holds at most 300 characters
_BLOCKS_PER_WATCH = 2  # its section and its buttons

_TITLE = Text(ko="📋 감시 중인 거래처 ({count})", en="📋 Watched businesses ({count})")
_INTRO = Text(
    ko="이 워크스페이스가 감시하는 사업자입니다. 상태가 바뀌면 등록된 채널에 알립니다.",
    en="The businesses this workspace watches. A change of status is posted to their channel.",
)
_NOTHING_WATCHED = Text(
    ko="아직 감시 중인 거래처가 없습니다.\n"
    "`/bizstatus watch 220-81-62517 거래처이름`처럼 입력하면 봇이 정기적으로 상태를 확인하고, "
    "휴업이나 폐업으로 바뀌면 채널에 알려 드립니다.",
    en="No business is watched yet.\n"
    "Type `/bizstatus watch 220-81-62517 Supplier name` and the bot checks it regularly "
    "and tells the channel when it becomes inactive or closes.",
)
_NOT_CHECKED = Text(
    ko="⏳ 아직 조회 전 · 첫 조회 {when}", en="⏳ Not checked yet · first check {when}"
)
_RECHECK = Text(ko="다시 조회", en="Re-check")
_UNWATCH = Text(ko="감시 중단", en="Unwatch")
_CONFIRM_TITLE = Text(ko="감시를 중단할까요?", en="Stop watching?")
_CONFIRM_TEXT = Text(
    ko="{business}의 상태를 더 이상 확인하지 않으며, 바뀌어도 알리지 않습니다.",
    en="{business} will no longer be checked, and no change will be announced.",
)
_CANCEL = Text(ko="취소", en="Cancel")
_MORE = Text(
    ko="… 외 {count}곳은 여기에 보이지 않습니다. 전체 목록은 `/bizstatus list`로 볼 수 있습니다.",
    en="… and {count} more not shown here: `/bizstatus list` shows them all.",
)
_RECHECK_FAILED = Text(
    ko="⚠️ *{number}* 다시 조회하지 못했습니다.", en="⚠️ *{number}* could not be re-checked."
)
_CHANGES_TITLE = Text(ko="🔔 최근 상태 변경", en="🔔 Recent changes")
_NO_CHANGES = Text(ko="아직 바뀐 상태가 없습니다.", en="No status has changed yet.")


def home_view(
    watches: Sequence[Watch],
    changes: Sequence[StatusChange],
    lang: Language,
    *,
    failed_recheck: tuple[str, BotError] | None = None,
) -> dict[str, Any]:
    """The view for views.publish, within the Home tab's 100 blocks.

    Each watch shows its last known status (`last_status_code`, `last_checked_at`).
    When the watches do not all fit, the first ones are shown with a note of how
    many more there are. Only the first RECENT_CHANGES changes are listed.
    `failed_recheck` (the number and why) puts a notice at the top.
    """
    head = [header(_TITLE.format(count=len(watches))(lang))]
    if failed_recheck is not None:
        number, error = failed_recheck
        failed = _RECHECK_FAILED.format(number=bizno.format(number))(lang)
        head.append(section(f"{failed}\n{escape(explain(error)(lang))}"))
    head.append(section((_INTRO if watches else _NOTHING_WATCHED)(lang)))
    labels = {watch.business_number: watch.label for watch in watches}
    tail = [
        divider(),
        header(_CHANGES_TITLE(lang)),
        section(_changes_text(changes[:RECENT_CHANGES], labels, lang)),
    ]
    room = MAX_VIEW_BLOCKS - len(head) - len(tail)
    if len(watches) * _BLOCKS_PER_WATCH > room:
        room -= 1  # for the note saying how many more
    shown = watches[: room // _BLOCKS_PER_WATCH]
    body = [block for watch in shown for block in _watch_blocks(watch, lang)]
    if len(shown) < len(watches):
        body.append(context(_MORE.format(count=len(watches) - len(shown))(lang)))
    return {"type": "home", "blocks": head + body + tail}


def _watch_blocks(watch: Watch, lang: Language) -> list[Block]:
    digits = watch.business_number
    number = bizno.format(digits)
    title = f"*{number}*"
    if watch.label and (label := literal(watch.label, NAME_CHARS)):
        title += f"   {label}"
    if watch.last_status_code is None:
        state = _NOT_CHECKED.format(when=date(watch.next_check_at))(lang)
    else:
        status = BusinessStatus.from_code(watch.last_status_code)
        shown = badge(status, lang)
        state = f"*{shown}*" if status.is_alert else shown
        if watch.last_checked_at is not None:
            state += " · " + CHECKED_AT.format(when=date(watch.last_checked_at))(lang)
    unwatch = button(
        _UNWATCH(lang),
        action_id=ids.per_number(ids.HOME_UNWATCH, digits),
        value=digits,
        style="danger",
    )
    business = number
    if watch.label and (plain_label := plain(watch.label, _CONFIRM_LABEL_CHARS).strip()):
        business += f" ({plain_label})"
    unwatch["confirm"] = {
        "title": plain_text(_CONFIRM_TITLE(lang)),
        "text": plain_text(_CONFIRM_TEXT.format(business=business)(lang)),
        "confirm": plain_text(_UNWATCH(lang)),
        "deny": plain_text(_CANCEL(lang)),
        "style": "danger",
    }
    return [
        section(f"{title}\n{state}"),
        actions(
            f"{ids.HOME_WATCH_BLOCK}.{digits}",
            button(
                _RECHECK(lang), action_id=ids.per_number(ids.HOME_RECHECK, digits), value=digits
            ),
            unwatch,
        ),
    ]


def _changes_text(
    changes: Sequence[StatusChange], labels: dict[str, str | None], lang: Language
) -> str:
    if not changes:
        return _NO_CHANGES(lang)
    lines = []
    for change in changes:
        line = f"• *{bizno.format(change.business_number)}*"
        label = labels.get(change.business_number)
        if label and (shown_label := literal(label, _CHANGE_LABEL_CHARS)):
            line += f" {shown_label}"
        old = badge(BusinessStatus.from_code(change.old_status_code), lang)
        new = BusinessStatus.from_code(change.new_status_code)
        shown_new = f"*{badge(new, lang)}*" if new.is_alert else badge(new, lang)
        lines.append(f"{line}: {old} → {shown_new} · {date(change.changed_at)}")
    return "\n".join(lines)
