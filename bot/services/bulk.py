"""Bulk status checks: every business number in a CSV file shared with the word `bizstatus`.

The bot reads the file, posts a progress message in the thread and keeps it
current, looks the valid numbers up through the status service (its cache and rate
limit apply), checks the authenticity of rows that give an opening date and a
representative (up to 100 per NTS call), then replaces the progress message with a
summary, attaches a result CSV, and tells the team channel about inactive and closed
businesses.

Rows whose number fails only the check digit are reported, not looked up: the
summary's "Look up anyway" button checks the file again with them included.
"""

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.bulk import ANYWAY_MARK, BulkResult, bulk_progress, bulk_summary
from bot.blocks.bulk_csv import result_csv, result_file_name
from bot.blocks.notices import failure
from bot.config import Settings
from bot.domain.authenticity import Details, opening_date, representative_names
from bot.domain.number_csv import NumberCsv, parse_number_csv
from bot.errors import UserFacingError
from bot.i18n import Text
from bot.services.audit import Auditor
from bot.services.authenticity import Authenticity, AuthenticityChecker
from bot.services.bizstatus import ResponseUrl
from bot.services.notifier import TeamNotifier
from bot.services.status import StatusCheck, StatusService
from bot.services.watchlist import WatchlistService
from bot.slack.failures import SLACK_FAILURES, describe
from bot.slack.files import SlackFileDownloader
from bot.slack.threads import InPlaceMessage

log = logging.getLogger(__name__)

_FILE_ID = re.compile(r"F[A-Z0-9]{2,20}")

UNEXPECTED = Text(
    ko="예상하지 못한 오류로 파일의 번호를 조회하지 못했습니다. 잠시 후 다시 올려 주세요. "
    "계속되면 관리자에게 알려 주세요.",
    en="Something unexpected went wrong while checking the file's numbers. Please upload it "
    "again in a moment, and tell an admin if it keeps happening.",
)
NOT_A_FILE = Text(
    ko="이 버튼으로는 감시 목록에 추가할 수 없습니다. 파일을 다시 올려 주세요.",
    en="This button cannot add anything to the watchlist. Upload the file again.",
)


class ProgressThrottle:
    """Passes a progress report on at most every `interval_s` and every tenth of the work.

    Either bound alone would be too chatty: a fast run would update on every tenth,
    a long one every two seconds. The last report (all done) is left to the caller,
    who replaces the progress with the result.
    """

    def __init__(
        self,
        show: Callable[[int, int], Awaitable[None]],
        *,
        ticker: Callable[[], float],
        interval_s: float,
        step: float = 0.1,
    ) -> None:
        self._show = show
        self._ticker = ticker
        self._interval_s = interval_s
        self._step = step
        self._shown_at = ticker()
        self._shown_done = 0

    async def __call__(self, done: int, total: int) -> None:
        now = self._ticker()
        if done >= total or done - self._shown_done < total * self._step:
            return
        if now - self._shown_at < self._interval_s:
            return
        self._shown_at, self._shown_done = now, done
        await self._show(done, total)


class BulkCheckService:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        downloader: SlackFileDownloader,
        status: StatusService,
        notifier: TeamNotifier,
        watchlist: WatchlistService,
        auditor: Auditor,
        settings: Settings,
        clock: Callable[[], datetime],
        authenticity: AuthenticityChecker | None = None,
        ticker: Callable[[], float] = time.monotonic,
        progress_interval_s: float = 2.0,
    ) -> None:
        self._client = client
        self._authenticity = authenticity or AuthenticityChecker(None)
        self._downloader = downloader
        self._status = status
        self._notifier = notifier
        self._watchlist = watchlist
        self._auditor = auditor
        self._clock = clock
        self._ticker = ticker
        self._progress_interval_s = progress_interval_s
        self._lang = settings.language

    async def check_file(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str,
        file: dict[str, Any],
        anyway: bool = False,
        shared_here: bool = False,
        metadata: dict[str, Any] | None = None,
        message_ts: str | None = None,
    ) -> None:
        """Check every number in the CSV `file` and answer in its thread; `anyway`, the
        numbers whose check digit differs too. With `shared_here` (a file id from a button,
        which the clicker can forge) only a file shared in `channel_id` is read. The one
        message in the thread is posted with `metadata`, or is `message_ts`, posted by an
        earlier run, updated in place. Never raises: every failure ends in a reply that
        says what happened and what to do."""
        thread = InPlaceMessage(
            self._client, channel_id, thread_ts, ts=message_ts, metadata=metadata
        )
        file_name = str(file.get("name") or "")
        try:
            slack_file = await self._downloader.resolve(file)
            if shared_here and channel_id not in slack_file.channels:
                log.warning("Bulk check: file %s is not shared where the button was", file["id"])
                await thread.show(failure(NOT_A_FILE, self._lang, file_name=None))
                return
            file_name = slack_file.name
            listed = parse_number_csv(await self._downloader.download(slack_file))
            if anyway:
                listed = listed.anyway()
            results = await self._check(listed, thread, file_name)
            verdicts = await self._verify(listed)
            attached = await self._attach(listed, results, thread, verdicts)
            summary = bulk_summary(
                listed,
                results,
                file_id=slack_file.id,
                file_name=file_name,
                attached=attached,
                lang=self._lang,
                verdicts=verdicts,
                anyway=anyway,
            )
        except UserFacingError as error:
            await thread.show(failure(error.user_message, self._lang, file_name=file_name))
            return
        except Exception:
            log.exception("Bulk check of file %s failed unexpectedly", file.get("id"))
            await thread.show(failure(UNEXPECTED, self._lang, file_name=file_name))
            return
        await thread.show(summary)
        try:
            await self._announce(results, thread, team_id=team_id, user_id=user_id)
        except Exception:
            # The person has the summary; only the team channel misses the alerts.
            log.exception("Team alerts for bulk check of file %s failed", slack_file.id)
        await self._auditor.record(
            team_id=team_id,
            user_id=user_id,
            action="bulk_check",
            subject=slack_file.id,
            outcome=f"{len(results):,} checked",  # the comma keeps the count out of the masking
        )

    async def look_up_anyway(
        self, file_id: str, *, team_id: str, user_id: str, channel_id: str, thread_ts: str
    ) -> None:
        """The summary's "Look up anyway" button: check the file again in its thread, the
        numbers whose check digit differs included. The others come from the status
        cache when their lookup is recent, so only the new ones cost a call.
        """
        if not _FILE_ID.fullmatch(file_id):
            thread = InPlaceMessage(self._client, channel_id, thread_ts)
            await thread.show(failure(NOT_A_FILE, self._lang, file_name=None))
            return
        await self.check_file(
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            file={"id": file_id},
            anyway=True,
            shared_here=True,
        )

    async def watch_all(
        self, value: str, reply: ResponseUrl, *, team_id: str, user_id: str, channel_id: str
    ) -> None:
        """The "Watch all" button: read the file again and watch every valid number in it,
        and those whose check digit differs when they were looked up anyway (`+`).

        The answer goes to the person who clicked, through the click's response_url;
        `channel_id`, where the button was (from the signed request), hears of changes
        when NOTIFY_CHANNEL is unset. The file id is the button's value, which the clicker
        can forge: only a file shared in that channel, which the clicker can see there,
        is read; the bot could otherwise read out a file from a channel they are not in.
        """
        file_id = value.removesuffix(ANYWAY_MARK)
        anyway = value.endswith(ANYWAY_MARK)
        message = failure(NOT_A_FILE, self._lang, file_name=None)
        if _FILE_ID.fullmatch(file_id):
            try:
                slack_file = await self._downloader.resolve({"id": file_id})
                if channel_id in slack_file.channels:
                    listed = parse_number_csv(await self._downloader.download(slack_file))
                    message = await self._watchlist.watch_many(
                        team_id,
                        (listed.anyway() if anyway else listed).digits,
                        user_id=user_id,
                        channel_id=channel_id,
                        anyway=anyway,
                    )
                else:
                    log.warning("Watch all: file %s is not shared where the button was", file_id)
            except UserFacingError as error:
                message = failure(error.user_message, self._lang, file_name=None)
        await reply.send(message, response_type="ephemeral")

    async def _check(
        self, listed: NumberCsv, thread: InPlaceMessage, file_name: str
    ) -> dict[str, BulkResult]:
        if not listed.numbers:
            return {}
        total = len(listed.numbers)
        await thread.show(bulk_progress(done=0, total=total, file_name=file_name, lang=self._lang))

        async def show_progress(done: int, total: int) -> None:
            message = bulk_progress(done=done, total=total, file_name=file_name, lang=self._lang)
            await thread.update(message)

        progress = ProgressThrottle(
            show_progress, ticker=self._ticker, interval_s=self._progress_interval_s
        )
        return await self._status.check_many(listed.digits, progress=progress)

    async def _verify(self, listed: NumberCsv) -> dict[int, Authenticity]:
        """The authenticity of each row giving the details, by row; none without a key."""
        rows = [number for number in listed.numbers if number.to_verify]
        if not rows or not self._authenticity.enabled:
            return {}
        answers = await self._authenticity.check_many(
            [
                Details(
                    number=number.digits,
                    opened=opening_date(number.opened),
                    representatives=representative_names(number.representative),
                    name=" ".join(number.name.split()),
                )
                for number in rows
            ]
        )
        return {number.row: answer for number, answer in zip(rows, answers, strict=True)}

    async def _attach(
        self,
        listed: NumberCsv,
        results: Mapping[str, BulkResult],
        thread: InPlaceMessage,
        verdicts: Mapping[int, Authenticity],
    ) -> bool:
        """Upload the result CSV in the thread; False when Slack refused it."""
        try:
            await self._client.files_upload_v2(
                channel=thread.channel_id,
                thread_ts=thread.thread_ts,
                content=result_csv(listed, results, self._lang, verdicts),
                filename=result_file_name(self._clock(), self._lang),
            )
        except SLACK_FAILURES as error:
            log.warning(
                "Result CSV not attached in channel %s: %s", thread.channel_id, describe(error)
            )
            return False
        return True

    async def _announce(
        self,
        results: Mapping[str, BulkResult],
        thread: InPlaceMessage,
        *,
        team_id: str,
        user_id: str,
    ) -> None:
        alerts = [
            result
            for result in results.values()
            if isinstance(result, StatusCheck) and result.status.is_alert
        ]
        if not alerts:
            return
        where = await thread.place()
        for check in alerts:
            await self._notifier.announce(check, team_id=team_id, checked_by=user_id, where=where)
