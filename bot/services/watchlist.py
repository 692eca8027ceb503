"""The watchlist: businesses a workspace watches, re-checked on a schedule, with changes
posted to the channel each watch names.

Scheduling: a watch is checked once per WATCH_INTERVAL at its own fixed offset
within the interval, taken from a hash of the team and the number, so watches
added together (a bulk "watch all") fall due spread over the whole interval
rather than all at once. Any process may run a pass: watches are claimed in the
store, so with several processes each watch is still checked once per interval.

A new watch is looked up at once (from the status cache when that is fresh), so it
shows a status from the start; its schedule continues from that check.

Over 400 lines as one cohesive thing: adding, listing, exporting and re-checking watches
share the schedule and the audit, and are what `/bizstatus`, the Home tab and the
scheduler ask of a watchlist.
"""

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.blocks.notices import failure
from bot.blocks.status import watch_anyway_request
from bot.blocks.watchlist import (
    EXPORT_FAILED,
    LABEL_CHARS,
    LIST_PAGE,
    already_watched,
    exported,
    not_watched,
    page_count,
    status_change,
    watch_added,
    watch_check_digit_differs,
    watch_list,
    watch_removed,
    watched_many,
    watchlist_csv,
    watchlist_file_name,
)
from bot.config import Settings, WatchNotify
from bot.domain import bizno
from bot.domain.status import RECENT_CHANGE, BusinessStatus, StatusCheck
from bot.errors import BotError
from bot.i18n import Text
from bot.services.audit import AuditAction, Auditor
from bot.services.status import StatusService
from bot.slack.failures import SLACK_FAILURES, describe
from bot.store import Store
from bot.store.watches import FirstCheck, Watch, WatchPage

log = logging.getLogger(__name__)

NOT_A_WATCH = Text(
    ko="이 버튼으로는 관심 거래처를 등록할 수 없습니다. `/bizstatus watch 번호`로 등록해 주세요.",
    en="This button cannot add a watch. Use `/bizstatus watch <number>` instead.",
)
# A failed lookup is tried again after this long: soon, but not in a tight loop.
RETRY_DELAY = timedelta(minutes=10)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StatusMove:
    """A watch whose re-check found a status other than the one it had."""

    watch: Watch  # as it was before the check
    new: BusinessStatus


@dataclass(frozen=True, slots=True)
class RecheckPass:
    """What one scheduler pass did."""

    claimed: int  # watches that were due and taken by this process
    failed: int  # of those, lookups that failed: due again after RETRY_DELAY
    changed: tuple[StatusMove, ...] = ()  # first checks are not changes
    last_id: int = 0  # the highest watch id claimed, where `recheck_all` goes on from


def scheduled_check(team_id: str, number: str, *, after: datetime, interval: timedelta) -> datetime:
    """The first time strictly after `after` at this watch's own offset within `interval`.

    The offset comes from a hash of team and number: the same for every
    process, spread evenly over the interval across watches.
    """
    period = int(interval.total_seconds())
    digest = hashlib.sha256(f"{team_id}:{number}".encode()).digest()
    offset = int.from_bytes(digest[:8], "big") % period
    elapsed = int((after - _EPOCH).total_seconds())
    intervals = (elapsed - offset) // period + 1
    return _EPOCH + timedelta(seconds=offset + intervals * period)


class WatchlistService:
    def __init__(
        self,
        *,
        store: Store,
        status: StatusService,
        client: AsyncWebClient,
        auditor: Auditor,
        settings: Settings,
        clock: Callable[[], datetime],
        worker_id: str,
    ) -> None:
        self._watches = store.watches
        self._status = status
        self._client = client
        self._auditor = auditor
        self._settings = settings
        self._clock = clock
        self._worker_id = worker_id
        self._lang = settings.language

    # Slash command subcommands and buttons

    async def watch(
        self,
        team_id: str,
        number_text: str,
        *,
        label: str | None,
        user_id: str,
        channel_id: str,
        anyway: bool = False,
    ) -> Message:
        """`/bizstatus watch <number> [label]`, the Watch button and "Watch anyway".

        A number that fails only the check digit is watched only `anyway`: without,
        the answer explains and offers that button. Changes go to NOTIFY_CHANNEL, or
        when it is unset to `channel_id`, where the person asked.
        """
        try:
            number = bizno.possible(number_text)
        except bizno.InvalidBusinessNumber as error:
            return failure(error.message, self._lang, file_name=None)
        label = " ".join((label or "").split())[:LABEL_CHARS] or None
        if not anyway and not bizno.checksum_ok(number):
            return watch_check_digit_differs(number, label, self._lang)
        now = self._clock()
        first_check_at = self._first_check(team_id, number, now)
        while True:  # a watch removed between the two statements is added on the next turn
            watch = await self._watches.add(
                team_id,
                number,
                label=label,
                channel_id=self._settings.notify_channel or channel_id,
                created_by=user_id,
                now=now,
                first_check_at=first_check_at,
            )
            if watch is not None:
                await self._audit(team_id, user_id, "watch", number, "added")
                [checked], failures = await self._check_new([watch], now)
                outcome = _outcome(checked, failures.get(number))
                await self._audit(team_id, user_id, "recheck", number, outcome)
                return watch_added(
                    checked,
                    self._lang,
                    interval=self._settings.watch_interval,
                    failed=failures.get(number),
                )
            existing = await self._watches.get(team_id, number)
            if existing is not None:
                await self._audit(team_id, user_id, "watch", number, "already_watched")
                return already_watched(existing, self._lang)

    async def watch_anyway(
        self, team_id: str, value: str, *, user_id: str, channel_id: str
    ) -> Message:
        """The "Watch anyway" button: its value is read as the number and label were typed,
        so a forged one can watch no more than the person could type."""
        request = watch_anyway_request(value)
        if request is None:
            return failure(NOT_A_WATCH, self._lang, file_name=None)
        number, label = request
        return await self.watch(
            team_id, number, label=label, user_id=user_id, channel_id=channel_id, anyway=True
        )

    async def watch_many(
        self,
        team_id: str,
        numbers: Sequence[str],
        *,
        user_id: str,
        channel_id: str,
        anyway: bool = False,
    ) -> Message:
        """Watch every valid number at once (the bulk check's "watch all"), then look up
        those never checked. Invalid ones are left out, as the bulk check already reported
        them; `anyway`, numbers that fail only the check digit are watched too.
        """
        check = bizno.possible if anyway else bizno.validate
        now = self._clock()
        first_checks: dict[str, datetime] = {}
        for text in numbers:
            try:
                number = check(text)
            except bizno.InvalidBusinessNumber:
                continue
            first_checks.setdefault(number, self._first_check(team_id, number, now))
        channel = self._settings.notify_channel or channel_id
        added = await self._watches.add_many(
            team_id, first_checks, channel_id=channel, created_by=user_id, now=now
        )
        unchecked = await self._watches.unchecked(team_id, list(first_checks))
        _, failures = await self._check_new(unchecked, now)
        await self._audit(
            team_id,
            user_id,
            "watch",
            f"{len(first_checks)} numbers",
            f"added {added}, looked up {len(unchecked)}, failed {len(failures)}",
        )
        return watched_many(
            added=added, already=len(first_checks) - added, channel_id=channel, lang=self._lang
        )

    async def unwatch(self, team_id: str, number_text: str, *, user_id: str) -> Message:
        """`/bizstatus unwatch <number>`."""
        try:
            number = bizno.possible(number_text)
        except bizno.InvalidBusinessNumber as error:
            return failure(error.message, self._lang, file_name=None)
        if await self._watches.remove(team_id, number):
            await self._audit(team_id, user_id, "unwatch", number, "removed")
            return watch_removed(number, self._lang)
        await self._audit(team_id, user_id, "unwatch", number, "not_watched")
        return not_watched(number, self._lang)

    # Scheduled re-checks

    async def recheck_due(self, *, now: datetime, limit: int) -> RecheckPass:
        """One scheduler pass: claim up to `limit` due watches, look them up afresh (one
        lookup per number, within the provider's rate limit), record and announce.

        A failed lookup puts its watch off by RETRY_DELAY. A process that dies
        mid-pass leaves its watches to others once the claim lease (WATCH_LEASE)
        runs out.
        """
        claimed = await self._watches.claim_due(
            self._worker_id, now=now, lease=self._settings.watch_lease, limit=limit
        )
        return await self._check_claimed(claimed, now)

    async def recheck_all(self, *, now: Callable[[], datetime], limit: int) -> RecheckPass:
        """Re-check every watch now, due or not (`ocrbot recheck --all`), `limit` at a
        time, within the provider's rate limit; what all the passes did together.

        A watch another process holds is left to it. A failed lookup is due again
        after RETRY_DELAY, as in a scheduled pass.
        """
        claimed = failed = after_id = 0
        changed: list[StatusMove] = []
        while True:
            batch = await self._watches.claim_all(
                self._worker_id,
                now=now(),
                lease=self._settings.watch_lease,  # as a scheduled pass: a batch outlasts JOB_LEASE
                limit=limit,
                after_id=after_id,
            )
            if not batch:
                return RecheckPass(claimed, failed, tuple(changed), after_id)
            done = await self._check_claimed(batch, now())
            claimed, failed = claimed + done.claimed, failed + done.failed
            changed.extend(done.changed)
            after_id = done.last_id

    async def _check_claimed(self, claimed: Sequence[Watch], now: datetime) -> RecheckPass:
        """Look the claimed watches up afresh (one lookup per number), record and announce."""
        if not claimed:
            return RecheckPass(claimed=0, failed=0)
        numbers = list(dict.fromkeys(watch.business_number for watch in claimed))
        results = await self._status.check_many(numbers, fresh=True)
        failed = 0
        changed: list[StatusMove] = []
        for watch in claimed:
            result = results.get(watch.business_number)
            if isinstance(result, StatusCheck):
                if await self._record(watch, result, now) and watch.last_status_code not in (
                    None,
                    result.status.value,
                ):
                    changed.append(StatusMove(watch, result.status))
                continue
            failed += 1
            log.warning(
                "Re-check of watched business %s failed (%s); trying again in %s",
                watch.business_number,
                type(result).__name__,
                RETRY_DELAY,
            )
            await self._watches.postpone(watch.id, self._worker_id, next_check_at=now + RETRY_DELAY)
        last_id = max(watch.id for watch in claimed)
        return RecheckPass(len(claimed), failed, tuple(changed), last_id)

    async def _check_new(
        self, new: Sequence[Watch], now: datetime
    ) -> tuple[list[Watch], dict[str, BotError]]:
        """Look new watches up at once (the cache answers when fresh) and record it: each
        watch as it now is, and the numbers whose lookup failed, due again after RETRY_DELAY.

        The schedule continues from this check as from a scheduled one.
        """
        results = await self._status.check_many([watch.business_number for watch in new])
        checked: list[Watch] = []
        first_checks: list[FirstCheck] = []
        failures: dict[str, BotError] = {}
        for watch in new:
            result = results[watch.business_number]
            if isinstance(result, StatusCheck):
                watch = replace(
                    watch,
                    last_status_code=result.status.value,
                    last_checked_at=result.checked_at,
                    next_check_at=self._next_check(watch, now),
                )
            else:
                failures[watch.business_number] = result
                watch = replace(watch, next_check_at=now + RETRY_DELAY)
            checked.append(watch)
            first_checks.append(
                FirstCheck(
                    watch.id, watch.last_status_code, watch.last_checked_at, watch.next_check_at
                )
            )
        await self._watches.record_first_checks(first_checks)
        for watch in checked:
            result = results[watch.business_number]
            if isinstance(result, StatusCheck) and self._worth_announcing(None, result.status):
                await self._announce(watch, None, result)
        return checked, failures

    async def _record(self, watch: Watch, check: StatusCheck, now: datetime) -> bool:
        """Record a claimed watch's check and announce it; False when the claim was lost."""
        held = await self._watches.record_check(
            watch,
            self._worker_id,
            status_code=check.status.value,
            checked_at=check.checked_at,
            next_check_at=self._next_check(watch, now),
        )
        if not held:
            return False  # another process took the watch over and records its own check
        await self._audit(watch.team_id, None, "recheck", watch.business_number, check.status.value)
        old = (
            None
            if watch.last_status_code is None
            else BusinessStatus.from_code(watch.last_status_code)
        )
        if self._worth_announcing(old, check.status):
            await self._announce(watch, old, check)
        return True

    def _next_check(self, watch: Watch, now: datetime) -> datetime:
        # Half an interval ahead: a check made late in its interval (the bot was
        # down) is not followed by another moments later at the next offset.
        interval = self._settings.watch_interval
        return scheduled_check(
            watch.team_id, watch.business_number, after=now + interval / 2, interval=interval
        )

    def _worth_announcing(self, old: BusinessStatus | None, new: BusinessStatus) -> bool:
        if old is None:  # the first check: only an alert is news
            return new.is_alert
        if old is new:
            return False
        return self._settings.watch_notify is WatchNotify.ALL or old.is_alert or new.is_alert

    async def _announce(self, watch: Watch, old: BusinessStatus | None, check: StatusCheck) -> None:
        message = status_change(watch, old, check, self._lang)
        try:
            await self._client.chat_postMessage(
                channel=watch.channel_id, unfurl_links=False, **message.as_kwargs()
            )
        except SLACK_FAILURES as error:
            # The check stays recorded: one lost notice is better than a pass that stops here.
            log.error(
                "Could not post the status change of watched business %s to channel %s: %s. "
                "Check that the bot is in that channel.",
                watch.business_number,
                watch.channel_id,
                describe(error),
            )

    def _first_check(self, team_id: str, number: str, now: datetime) -> datetime:
        return scheduled_check(team_id, number, after=now, interval=self._settings.watch_interval)

    async def _audit(
        self, team_id: str, user_id: str | None, action: AuditAction, subject: str, outcome: str
    ) -> None:
        await self._auditor.record(
            team_id=team_id, user_id=user_id, action=action, subject=subject, outcome=outcome
        )

    async def page(self, team_id: str, *, search: str, number: int, size: int) -> WatchPage:
        """Page `number` (from 1) of the watches matching `search`, those needing attention
        first. A number past the last page (a stale or forged one) shows the last page."""
        since = self._clock() - RECENT_CHANGE
        number = max(1, number)
        found = await self._watches.page(
            team_id, search=search, changed_since=since, offset=(number - 1) * size, limit=size
        )
        if found.watches or not found.total:
            return found
        last = page_count(found.total, size)
        return await self._watches.page(
            team_id, search=search, changed_since=since, offset=(last - 1) * size, limit=size
        )

    async def export(self, team_id: str, *, user_id: str, channel_id: str) -> Message:
        """`/bizstatus export`: upload the whole watchlist as CSV where the command was typed;
        the bulk check reads the file back (its "Watch all" watches the same numbers)."""
        watches = await self._watches.list(team_id)
        try:
            await self._client.files_upload_v2(
                channel=channel_id,
                content=watchlist_csv(watches, self._lang),
                filename=watchlist_file_name(self._clock(), self._lang),
            )
        except SLACK_FAILURES as error:
            log.warning("Watchlist CSV not uploaded in channel %s: %s", channel_id, describe(error))
            return failure(EXPORT_FAILED, self._lang, file_name=None)
        await self._audit(team_id, user_id, "export", f"{len(watches):,} watches", "uploaded")
        return exported(len(watches), self._lang)

    # Last: inside the class body, `list` names this method from here on.
    async def list(self, team_id: str, *, search: str = "", page: int = 1) -> Message:
        """`/bizstatus list [search] [page]`."""
        found = await self.page(team_id, search=search, number=page, size=LIST_PAGE)
        return watch_list(found, search, self._lang)


def _outcome(watch: Watch, failure: BotError | None) -> str:
    """A new watch's first lookup for the audit log, as `bizstatus` records lookups."""
    if failure is not None:
        return f"failed: {type(failure).__name__}"
    return watch.last_status_code or ""
