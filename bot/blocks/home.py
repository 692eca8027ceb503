"""The App Home tab: the workspace's watchlist with re-check and unwatch buttons, and
its recent status changes.
"""

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import ids
from bot.blocks.elements import (
    NAME_CHARS,
    Block,
    actions,
    button,
    confirm,
    context,
    divider,
    header,
    plain_text,
    section,
)
from bot.blocks.errors import explain
from bot.blocks.limits import fit
from bot.blocks.mrkdwn import date, escape, literal, plain
from bot.blocks.status import CHECKED_AT, badge
from bot.blocks.watchlist import LIST_LABEL_CHARS, attention_line, page_count
from bot.domain import bizno
from bot.domain.status import BusinessStatus
from bot.errors import BotError
from bot.i18n import Language, Text
from bot.store.watches import StatusChange, Watch, WatchPage

RECENT_CHANGES = 10
# Watches on one page of the tab: two blocks each, so a page with its head and the
# recent changes stays well within a view's 100 blocks and the bot's JSON bound.
HOME_PAGE = 20
_PAGE_DIGITS = 4  # a page value longer than this is not one the bot made
# The filter is as long as `/bizstatus list` shows a search: more finds nothing more.
SEARCH_CHARS = LIST_LABEL_CHARS
# private_metadata longer than the bot writes (a page and a search, each character of
# which JSON writes in at most six, as \u0001) is forged.
_METADATA_CHARS = 6 * SEARCH_CHARS + 40
# Labels in the list of changes are cut shorter, so ten lines stay far below a
# section's 3,000 characters.
_CHANGE_LABEL_CHARS = 40
_CONFIRM_LABEL_CHARS = 60  # the dialog's text holds at most 300 characters

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
_ORDER = Text(
    ko="폐업·휴업·최근 변경된 거래처가 먼저 나옵니다. CSV로 받기: `/bizstatus export`",
    en="Closed, inactive and recently changed businesses come first. As CSV: `/bizstatus export`",
)
_FILTER_LABEL = Text(ko="번호나 이름으로 찾기", en="Filter by number or name")
_FILTER_PLACEHOLDER = Text(
    ko="예: 220-81 또는 한빛 (Enter로 찾기)", en="e.g. 220-81 or Acme (press Enter)"
)
_MATCHES = Text(
    ko="🔎 '{search}': 전체 {total}곳 중 {count}곳", en="🔎 '{search}': {count} of {total} match"
)
_NO_MATCH = Text(
    ko="🔎 '{search}'에 맞는 거래처가 없습니다 (전체 {total}곳).",
    en="🔎 Nothing matches '{search}' (of {total}).",
)
_CLEAR = Text(ko="검색 지우기", en="Clear filter")
_PAGE = Text(
    ko="{page}/{pages}쪽 · {first}–{last}번째 (전체 {total}곳)",
    en="Page {page} of {pages} · {first}–{last} of {total}",
)
_PREVIOUS = Text(ko="◀ 이전", en="◀ Previous")
_NEXT = Text(ko="다음 ▶", en="Next ▶")
_RECHECK_FAILED = Text(
    ko="⚠️ *{number}* 다시 조회하지 못했습니다.", en="⚠️ *{number}* could not be re-checked."
)
_CHANGES_TITLE = Text(ko="🔔 최근 상태 변경", en="🔔 Recent changes")
_NO_CHANGES = Text(ko="아직 바뀐 상태가 없습니다.", en="No status has changed yet.")


def page_number(value: str) -> int:
    """The page a HOME_PAGE value (or the view's private_metadata) names; 1 for anything
    the bot did not write. Not clamped: the service knows how many pages there are.

    >>> page_number("3"), page_number("-1"), page_number("99999"), page_number("")
    (3, 1, 1, 1)
    """
    if value.isascii() and value.isdigit() and len(value) <= _PAGE_DIGITS:
        return max(1, int(value))
    return 1


def search_text(value: object) -> str:
    """The filter a HOME_SEARCH value (or the view's private_metadata) holds: one line of
    at most SEARCH_CHARS; "" for anything that is not text. The clicker can forge it.

    >>> search_text("  한빛   상사 "), search_text(None), len(search_text("9" * 500))
    ('한빛 상사', '', 40)
    """
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:SEARCH_CHARS].strip()


def shown_view(metadata: str) -> tuple[int, str]:
    """The page and filter a view's private_metadata names, as `home_view` writes it;
    page 1 and no filter for anything the bot did not write (it can be forged).
    A bare page number is what views published before the filter carry.

    >>> shown_view('{"page": 3, "search": "한빛"}'), shown_view("2"), shown_view("[1]")
    ((3, '한빛'), (2, ''), (1, ''))
    """
    if len(metadata) > _METADATA_CHARS:
        return 1, ""
    try:
        state = json.loads(metadata)
    except ValueError:
        return page_number(metadata), ""
    if isinstance(state, int) and not isinstance(state, bool):
        return page_number(str(state)), ""
    if not isinstance(state, dict):
        return 1, ""
    return page_number(str(state.get("page"))), search_text(state.get("search"))


def home_view(
    page: WatchPage,
    changes: Sequence[StatusChange],
    lang: Language,
    *,
    search: str = "",
    watched: int | None = None,
    failed_recheck: tuple[str, BotError] | None = None,
) -> dict[str, Any]:
    """The view for views.publish: one page of the watchlist, those needing attention
    first, with a filter and Previous and Next buttons, fitted to a view's limits.

    With a `search` (a `search_text`), `page` holds the watches it matched, counted
    against the `watched` the team has, with a button that clears the filter. Each
    watch shows its last known status (`last_status_code`, `last_checked_at`). Only the
    first RECENT_CHANGES changes are listed. `failed_recheck` (the number and why) puts
    a notice at the top. The page and filter shown are the view's private_metadata, so
    a Re-check, Unwatch or Next on it keeps them.
    """
    number = page.offset // HOME_PAGE + 1
    if watched is None or not search:
        watched = page.total
    blocks = [header(_TITLE.format(count=watched)(lang))]
    if failed_recheck is not None:
        failed_number, error = failed_recheck
        failed = _RECHECK_FAILED.format(number=bizno.format(failed_number))(lang)
        blocks.append(section(f"{failed}\n{escape(explain(error)(lang))}"))
    blocks.append(section((_INTRO if watched else _NOTHING_WATCHED)(lang)))
    if watched:
        blocks.append(_filter_input(search, lang))
    if search:
        blocks += _filter_state(page, search, watched, lang)
    if page.total:
        blocks.append(context(attention_line(page, lang), _ORDER(lang)))
    labels = {watch.business_number: watch.label for watch in page.watches}
    blocks += [
        header(_CHANGES_TITLE(lang)),
        section(_changes_text(changes[:RECENT_CHANGES], labels, lang)),
    ]
    if page.watches:
        blocks.append(divider())
        blocks += [block for watch in page.watches for block in _watch_blocks(watch, lang)]
        blocks += _pager(page, number, lang)
    return {
        "type": "home",
        "private_metadata": json.dumps({"page": number, "search": search}, ensure_ascii=False),
        "blocks": fit(blocks, lang, view=True),
    }


def _filter_input(search: str, lang: Language) -> Block:
    # Dispatched on Enter: a Home tab has no submit button.
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.HOME_SEARCH,
        "max_length": SEARCH_CHARS,
        "placeholder": plain_text(_FILTER_PLACEHOLDER(lang)),
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    if search:
        element["initial_value"] = search
    return {
        "type": "input",
        # A new block_id when the filter is set or cleared: Slack keeps what was typed in
        # an input whose block_id stays, so Clear would leave the old text in the box.
        "block_id": f"{ids.HOME_SEARCH_BLOCK}.filtered" if search else ids.HOME_SEARCH_BLOCK,
        "dispatch_action": True,
        "label": plain_text(_FILTER_LABEL(lang)),
        "element": element,
    }


def _filter_state(page: WatchPage, search: str, watched: int, lang: Language) -> list[Block]:
    shown = literal(search, SEARCH_CHARS)
    counts = (
        _MATCHES.format(search=shown, count=page.total, total=watched)
        if page.total
        else _NO_MATCH.format(search=shown, total=watched)
    )
    clear = button(_CLEAR(lang), action_id=ids.HOME_CLEAR_SEARCH, value="clear")
    return [context(counts(lang)), actions(ids.HOME_FILTER_BLOCK, clear)]


def _pager(page: WatchPage, number: int, lang: Language) -> list[Block]:
    pages = page_count(page.total, HOME_PAGE)
    where = _PAGE.format(
        page=number,
        pages=pages,
        first=page.offset + 1,
        last=page.offset + len(page.watches),
        total=page.total,
    )
    buttons = []
    if number > 1:
        buttons.append(_page_button(_PREVIOUS(lang), number - 1))
    if number < pages:
        buttons.append(_page_button(_NEXT(lang), number + 1))
    pager = [context(where(lang))]
    if buttons:
        pager.append(actions(ids.HOME_PAGER_BLOCK, *buttons))
    return pager


def _page_button(text: str, number: int) -> dict[str, Any]:
    return button(text, action_id=ids.per_number(ids.HOME_PAGE, str(number)), value=str(number))


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
    unwatch["confirm"] = confirm(
        _CONFIRM_TITLE(lang),
        _CONFIRM_TEXT.format(business=business)(lang),
        yes=_UNWATCH(lang),
        no=_CANCEL(lang),
        style="danger",
    )
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
