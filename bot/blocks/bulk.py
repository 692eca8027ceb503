"""Bulk checks of a CSV file: the progress message, and the summary that replaces it."""

from collections import Counter
from collections.abc import Mapping

from bot.blocks import ids
from bot.blocks.elements import (
    EMPTY,
    NAME_CHARS,
    Block,
    actions,
    button,
    confirm,
    context,
    fields,
    file_line,
    section,
)
from bot.blocks.errors import explain
from bot.blocks.message import Message, compose
from bot.blocks.mrkdwn import escape, literal
from bot.blocks.status import badge
from bot.domain import bizno
from bot.domain.authenticity import Authenticity, Verdict
from bot.domain.number_csv import NumberCsv
from bot.domain.status import BusinessStatus, StatusCheck
from bot.errors import BotError
from bot.i18n import Language, Text

BulkResult = StatusCheck | BotError

# Ends the "Watch all" value when the file was checked with the numbers whose check
# digit differs: those are then watched too.
ANYWAY_MARK = "+"

# How many rows of each kind the summary names; the result file has them all.
SHOWN_ALERTS = 10
SHOWN_INVALID = 5
SHOWN_FAILURE_REASONS = 3
_BAR_CELLS = 10

# Worst news first: what to act on leads the counts.
_STATUS_ORDER = (
    BusinessStatus.CLOSED,
    BusinessStatus.INACTIVE,
    BusinessStatus.VAT_GENERAL,
    BusinessStatus.VAT_SIMPLIFIED,
    BusinessStatus.VAT_EXEMPT,
    BusinessStatus.NON_PROFIT,
    BusinessStatus.NOT_IN_BUSINESS,
    BusinessStatus.OTHER,
)

_PROGRESS = Text(
    ko="⏳ *사업자등록번호 {total:,}개를 조회하고 있습니다*\n"
    "{bar} {done:,} / {total:,} ({percent}%)",
    en="⏳ *Checking {total:,} business numbers*\n{bar} {done:,} / {total:,} ({percent}%)",
)
_PROGRESS_FALLBACK = Text(
    ko="사업자등록번호 {total:,}개 조회 중: {done:,}개 완료",
    en="Checking {total:,} business numbers: {done:,} done",
)
_TITLE = Text(ko="*사업자 상태 일괄 조회 결과*", en="*Bulk business status check*")
_READ = Text(
    ko="{rows:,}행을 읽어 번호 {numbers:,}개를 조회했습니다.",
    en="Rows read: {rows:,}. Numbers checked: {numbers:,}.",
)
_COLUMN = Text(ko=" 열: {column}.", en=" Column: {column}.")
_DUPLICATES = Text(
    ko=" 같은 번호가 다시 나온 {count:,}행은 한 번만 조회했습니다.",
    en=" Rows repeating an earlier number: {count:,}, each checked once.",
)
_COUNT = Text(ko="{count:,}개", en="{count:,}")
_INVALID_COUNT = Text(ko="❌ 올바르지 않은 번호", en="❌ Invalid numbers")
_FAILED_COUNT = Text(ko="⚠️ 조회하지 못함", en="⚠️ Lookup failed")
_ALERTS = Text(ko="*휴업·폐업 사업자*", en="*Inactive and closed businesses*")
_ROW = Text(ko="{row}행", en="row {row}")
_INVALID = Text(ko="*올바르지 않은 번호* ({count:,}행)", en="*Invalid numbers* (rows: {count:,})")
_FAILED = Text(
    ko="*조회하지 못한 번호* ({count:,}개)", en="*Numbers that could not be checked* ({count:,})"
)
_MORE_ROWS = Text(
    ko="… 외 {count:,}개는 결과 파일에 있습니다.", en="… and {count:,} more in the result file."
)
_TIMES = Text(ko="{count:,}개", en="count: {count:,}")
_ATTACHED = Text(
    ko="📎 행별 결과는 아래 CSV 파일에 있습니다.", en="📎 Every row's result is in the CSV below."
)
_NOT_ATTACHED = Text(
    ko="⚠️ 결과 CSV 파일을 올리지 못했습니다. 봇이 이 채널에 초대되어 있는지 확인해 주세요.",
    en="⚠️ The result CSV could not be attached: check that the bot is in this channel.",
)
_CACHED = Text(
    ko="🕘 {count:,}개는 최근 조회 결과를 그대로 보여 줍니다(조회 시각은 결과 파일에).",
    en="🕘 From recent lookups: {count:,} (their times are in the result file).",
)
_VERIFIED = Text(
    ko="*진위확인* ({count:,}행): ✅ 일치 {match:,} · ❌ 불일치 {mismatch:,} · "
    "⚪ 확인 못함 {unchecked:,}",
    en="*Authenticity* ({count:,} rows): ✅ match {match:,} · ❌ differ {mismatch:,} · "
    "⚪ not checked {unchecked:,}",
)
_WATCH_ALL = Text(ko="모두 감시 목록에 추가", en="Watch all")
_WATCH_ALL_TITLE = Text(ko="모두 감시할까요?", en="Watch them all?")
_WATCH_ALL_TEXT = Text(
    ko="이 파일의 사업자 {count:,}곳을 관심 거래처로 등록합니다. 이미 등록된 곳은 그대로 둡니다. "
    "각 거래처는 정기적으로 조회되고, 상태가 바뀌면 채널에 알립니다.",
    en="This watches the {count:,} businesses in this file (those already watched stay as "
    "they are). Each is checked regularly, and changes are posted in the channel.",
)
_CANCEL = Text(ko="취소", en="Cancel")
_DIFFERS_COUNT = Text(ko="⚠️ 검증번호 불일치", en="⚠️ Check digit differs")
_DIFFERS = Text(
    ko="*검증번호가 흔히 쓰는 규칙과 다른 번호* ({count:,}개, 조회하지 않음)",
    en="*Numbers whose check digit differs from the usual rule* ({count:,}, not looked up)",
)
_DIFFERS_HOW = Text(
    ko="오타일 수 있지만, 이 규칙은 공식 규칙이 아니어서 실제 번호 중에도 맞지 않는 것이 "
    "있습니다. *그래도 조회*를 누르면 이 번호까지 포함해 파일을 다시 조회합니다"
    "(이 번호들만 새로 조회됩니다).",
    en="They may be typos, but the rule is not an official one and a few real numbers do "
    "not follow it. *Look up anyway* checks the file again with them included (only they "
    "cost new lookups).",
)
_LOOK_UP_ANYWAY = Text(ko="그래도 조회", en="Look up anyway")
_LOOKED_UP_ANYWAY = Text(
    ko="⚠️ 검증번호가 흔히 쓰는 규칙과 다른 번호 {count:,}개도 요청에 따라 조회했습니다.",
    en="⚠️ Also looked up on request: {count:,} numbers whose check digit differs.",
)
_FALLBACK = Text(
    ko="사업자 상태 일괄 조회 결과: 번호 {numbers:,}개, 폐업 {closed:,}개, 휴업 {inactive:,}개",
    en="Bulk business status check: {numbers:,} numbers, {closed:,} closed, {inactive:,} inactive",
)


def bulk_progress(*, done: int, total: int, file_name: str, lang: Language) -> Message:
    """The thread message that shows how far the lookups are; the summary replaces it."""
    percent = 100 * done // total if total else 100
    filled = _BAR_CELLS * done // total if total else _BAR_CELLS
    bar = "▰" * filled + "▱" * (_BAR_CELLS - filled)
    text = _PROGRESS.format(total=total, done=done, percent=percent, bar=bar)
    blocks = [section(text(lang)), context(file_line(file_name))]
    return compose(_PROGRESS_FALLBACK.format(total=total, done=done)(lang), blocks, lang)


def _verified_line(verdicts: Mapping[int, Authenticity], lang: Language) -> str:
    """How many rows' details match the register; the CSV says which."""
    by_verdict = Counter(check.verdict for check in verdicts.values())
    mismatch = by_verdict[Verdict.MISMATCH] + by_verdict[Verdict.NAME_DIFFERS]
    return _VERIFIED.format(
        count=len(verdicts),
        match=by_verdict[Verdict.MATCH],
        mismatch=mismatch,
        unchecked=by_verdict[None],
    )(lang)


def bulk_summary(
    listed: NumberCsv,
    results: Mapping[str, BulkResult],
    *,
    file_id: str,
    file_name: str,
    attached: bool,
    lang: Language,
    verdicts: Mapping[int, Authenticity] | None = None,
    anyway: bool = False,
) -> Message:
    """Counts by status, the alerts, invalid rows and failures; and a "Watch all" button,
    with "Look up anyway" when numbers whose check digit differs were left out.

    `results` holds every number of `listed`, by its digits; `anyway` when `listed`
    includes the numbers whose check digit differs. The buttons' value is the file
    id: a click reads the file again rather than trusting a long value.
    """
    checks = [
        (number.row, check)
        for number in listed.numbers
        if isinstance(check := results[number.digits], StatusCheck)
    ]
    failures = [
        error for number in listed.numbers if isinstance(error := results[number.digits], Exception)
    ]
    by_status = Counter(check.status for _, check in checks)

    intro = _READ.format(rows=listed.rows, numbers=len(listed.numbers))(lang)
    if listed.column is not None:
        intro += _COLUMN.format(column=literal(listed.column, NAME_CHARS))(lang)
    if listed.duplicates:
        intro += _DUPLICATES.format(count=len(listed.duplicates))(lang)
    counts = [
        f"*{badge(status, lang)}*\n{_COUNT.format(count=by_status[status])(lang)}"
        for status in _STATUS_ORDER
        if by_status[status]
    ]
    differs = listed.check_digit_differs
    if differs:
        counts.append(f"*{_DIFFERS_COUNT(lang)}*\n{_COUNT.format(count=len(differs))(lang)}")
    if listed.invalid:
        counts.append(f"*{_INVALID_COUNT(lang)}*\n{_COUNT.format(count=len(listed.invalid))(lang)}")
    if failures:
        counts.append(f"*{_FAILED_COUNT(lang)}*\n{_COUNT.format(count=len(failures))(lang)}")

    blocks: list[Block] = [section(f"{_TITLE(lang)}\n{intro}")]
    if counts:
        blocks.append(fields(counts))
    alerts = [(row, check) for row, check in checks if check.status.is_alert]
    if alerts:
        blocks.append(section(_alert_lines(alerts, lang)))
    if differs:
        blocks.append(section(_differs_lines(listed, lang)))
    if listed.invalid:
        blocks.append(section(_invalid_lines(listed, lang)))
    if failures:
        blocks.append(section(_failure_lines(failures, lang)))
    if verdicts:
        blocks.append(section(_verified_line(verdicts, lang)))
    notes = [_ATTACHED(lang) if attached else _NOT_ATTACHED(lang)]
    if cached := sum(check.cached for _, check in checks):
        notes.append(_CACHED.format(count=cached)(lang))
    if anyway and (looked_up := sum(not bizno.checksum_ok(n.digits) for n in listed.numbers)):
        notes.append(_LOOKED_UP_ANYWAY.format(count=looked_up)(lang))
    blocks.append(context(*notes, file_line(file_name)))
    buttons = []
    if listed.numbers:
        watch_all = button(
            f"{_WATCH_ALL(lang)} ({len(listed.numbers):,})",
            action_id=ids.BULK_WATCH_ALL,
            value=file_id + ANYWAY_MARK if anyway else file_id,
            style="primary",
        )
        # One click adds hundreds: Slack asks first, with the count. The count is only
        # shown; the click reads the file again and watches what it lists.
        watch_all["confirm"] = confirm(
            _WATCH_ALL_TITLE(lang),
            _WATCH_ALL_TEXT.format(count=len(listed.numbers))(lang),
            yes=_WATCH_ALL(lang),
            no=_CANCEL(lang),
        )
        buttons.append(watch_all)
    if differs:
        buttons.append(
            button(
                f"{_LOOK_UP_ANYWAY(lang)} ({len(differs):,})",
                action_id=ids.BULK_LOOK_UP_ANYWAY,
                value=file_id,
            )
        )
    if buttons:
        blocks.append(actions(ids.BULK_ACTIONS_BLOCK, *buttons))
    fallback = _FALLBACK.format(
        numbers=len(listed.numbers),
        closed=by_status[BusinessStatus.CLOSED],
        inactive=by_status[BusinessStatus.INACTIVE],
    )
    return compose(fallback(lang), blocks, lang)


def _alert_lines(alerts: list[tuple[int, StatusCheck]], lang: Language) -> str:
    lines = [_ALERTS(lang)]
    for row, check in alerts[:SHOWN_ALERTS]:
        where = _ROW.format(row=row)(lang)
        lines.append(f"• {bizno.format(check.number)} ({where})  {badge(check.status, lang)}")
    return "\n".join(lines + _more(len(alerts) - SHOWN_ALERTS, lang))


def _invalid_lines(listed: NumberCsv, lang: Language) -> str:
    lines = [_INVALID.format(count=len(listed.invalid))(lang)]
    lines += [
        f"• {_ROW.format(row=row.row)(lang)} {literal(row.text, NAME_CHARS) or EMPTY}: "
        f"{escape(row.error.message(lang))}"
        for row in listed.invalid[:SHOWN_INVALID]
    ]
    return "\n".join(lines + _more(len(listed.invalid) - SHOWN_INVALID, lang))


def _differs_lines(listed: NumberCsv, lang: Language) -> str:
    differs = listed.check_digit_differs
    lines = [_DIFFERS.format(count=len(differs))(lang), _DIFFERS_HOW(lang)]
    lines += [
        f"• {_ROW.format(row=number.row)(lang)} {bizno.format(number.digits)}"
        for number in differs[:SHOWN_INVALID]
    ]
    return "\n".join(lines + _more(len(differs) - SHOWN_INVALID, lang))


def _failure_lines(failures: list[BotError], lang: Language) -> str:
    """Failures grouped by what went wrong: usually one reason for all of them."""
    reasons = Counter(explain(error)(lang) for error in failures)
    lines = [_FAILED.format(count=len(failures))(lang)]
    lines += [
        f"• {escape(reason)} ({_TIMES.format(count=count)(lang)})"
        for reason, count in reasons.most_common(SHOWN_FAILURE_REASONS)
    ]
    return "\n".join(lines)


def _more(hidden: int, lang: Language) -> list[str]:
    return [_MORE_ROWS.format(count=hidden)(lang)] if hidden > 0 else []
