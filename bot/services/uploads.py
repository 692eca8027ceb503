"""Uploads: from a Slack file event to one answer in the thread, exactly once per file.

Every upload becomes a job in the store before any work, keyed by the file, so the
`message` event, the `file_shared` event, Slack's retries and restarts all collapse
into one analysis. The process that records a job runs it at once. A job that
failed for a passing reason, or was left behind by a process that died, is run
again by `run_pending`, which the runtime's worker calls every poll interval.

Through crashes: the holder keeps a short lease alive while it works, so a job whose
process died is free again within JOB_LEASE. The store notes when the holder begins to
post the answer, the answer carries the job id in its message metadata, and the job is
recorded done as soon as the answer is in; what follows is best effort. A later run of a
job whose answer was begun looks in the thread first and answers only if it is not there.
"""

import asyncio
import contextlib
import itertools
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.blocks import Message
from bot.blocks.business import business_result
from bot.blocks.card import (
    REDACTED_COPY,
    OriginalFate,
    card_declined,
    card_result,
    original_notice,
)
from bot.blocks.notices import failure, unsupported_file
from bot.blocks.prompts import kind_chosen, kind_prompt
from bot.config import Settings
from bot.domain.upload_kind import UploadKind, guess_kind
from bot.errors import UserFacingError
from bot.i18n import Text
from bot.logs import log_context
from bot.ocr import DocumentKind, OcrError
from bot.services.analysis import Analysis, AnalysisService, BusinessAnalysis
from bot.services.audit import AuditAction, Auditor
from bot.services.bulk import BulkCheckService
from bot.services.notifier import TeamNotifier
from bot.slack.client import SLACK_FAILURES, message_place
from bot.slack.files import DownloadError, SlackFile, SlackFileDownloader
from bot.store import ClaimedJob, JobState, Store, UploadJob

log = logging.getLogger(__name__)

WORKING, DONE, FAILED = "hourglass_flowing_sand", "white_check_mark", "warning"
MAX_RETRY_DELAY = timedelta(minutes=15)
_MAX_DOUBLINGS = 20  # far past MAX_RETRY_DELAY, and short of overflowing timedelta
# Slack's documented error codes for trouble on its side, which passes by itself.
_PASSING_SLACK_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# The message metadata of every answer (Slack's `event_type`), with the job in its payload.
ANSWER_EVENT = "ocrbot_upload_answer"
# conversations.replies pages read when looking for an earlier answer, and their size.
_THREAD_PAGES, _THREAD_PAGE_SIZE = 10, 200
BULK: Literal["bulk"] = "bulk"  # a CSV of business numbers shared with the word `bizstatus`
JobKind = UploadKind | Literal["bulk"]
_BULK_WORD = re.compile(r"\bbizstatus\b", re.IGNORECASE)
# Slack's filetype -> whether it is a PDF. Photos other than JPEG and PNG are converted
# by the OCR preflight; the bytes decide in the end, not this name.
_ANALYSABLE = {
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "heic", "heif", "webp", "tiff", "tif", "bmp", "gif"), False
    ),
    "pdf": True,
}
GAVE_UP = Text(
    ko="여러 번 시도했지만 이 파일을 분석하지 못했습니다. 파일을 다시 올려 주시고, "
    "계속되면 관리자에게 알려 주세요.",
    en="The file could not be analysed after several tries. Please upload it again, "
    "and tell an admin if it keeps happening.",
)
NOT_POSTED = Text(
    ko="파일은 분석했지만 Slack이 답을 받아 주지 않아 결과를 올리지 못했습니다. "
    "잠시 후 파일을 다시 올려 주시고, 계속되면 관리자에게 알려 주세요.",
    en="The file was analysed, but Slack did not accept the answer. Please upload it again "
    "in a moment, and tell an admin if it keeps happening.",
)
NOT_RECORDED = Text(
    ko="봇의 데이터베이스가 응답하지 않아 이 파일을 접수하지 못했습니다. "
    "잠시 후 파일을 다시 올려 주시고, 계속되면 관리자에게 알려 주세요.",
    en="The bot's database did not answer, so this file was not taken in. Please upload it "
    "again in a moment, and tell an admin if it keeps happening.",
)
UNEXPECTED = Text(
    ko="예상하지 못한 오류로 파일을 분석하지 못했습니다. 잠시 후 다시 올려 주세요. "
    "계속되면 관리자에게 알려 주세요.",
    en="Something unexpected went wrong while analysing the file. Please upload it again "
    "in a moment, and tell an admin if it keeps happening.",
)


def worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class Upload:
    """Where a file was shared, as the events tell it."""

    team_id: str
    channel_id: str
    channel_type: str | None  # "channel" (public), "group", "im", "mpim"; None when unknown
    user_id: str
    message_ts: str
    thread_ts: str
    text: str
    addressed: bool  # the message mentions the bot


@dataclass(frozen=True, slots=True)
class _Analysed:
    """A job's analysis, ready to be answered."""

    file_name: str
    result: Analysis
    original: OriginalFate  # what became of a card photo; "shown" for a certificate


class UploadService:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        store: Store,
        analysis: AnalysisService,
        downloader: SlackFileDownloader,
        notifier: TeamNotifier,
        bulk: BulkCheckService,
        auditor: Auditor,
        settings: Settings,
        clock: Callable[[], datetime],
        worker_id: str,
    ) -> None:
        self._client = client
        self._store = store
        self._analysis = analysis
        self._downloader = downloader
        self._notifier = notifier
        self._auditor = auditor
        self._bulk = bulk
        self._settings = settings
        self._clock = clock
        self._worker_id = worker_id
        self._lang = settings.language
        # A process claims only the jobs it can run now; the rest stay pending in the
        # store for whichever process frees a slot first, so leases are held only while
        # working and memory does not grow with the uploads waiting.
        self._slots = settings.job_concurrency
        self._running = 0
        self._slot_freed = asyncio.Event()
        # A job recorded here found every slot taken, perhaps by a claim that looked before
        # the job existed (a slow database): the worker must look again without waiting
        # a whole poll interval.
        self._deferred = False
        self._started: set[asyncio.Task[None]] = set()

    # Events

    async def on_file_share(self, event: dict[str, Any], *, team_id: str, bot_user_id: str) -> None:
        """A `message` event with `subtype: file_share`."""
        if event.get("user") == bot_user_id:
            return
        text = event.get("text") or ""
        upload = Upload(
            team_id=team_id,
            channel_id=event["channel"],
            channel_type=event.get("channel_type"),
            user_id=event.get("user") or "",
            message_ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=text,
            addressed=f"<@{bot_user_id}>" in text,
        )
        files: list[dict[str, Any]] = event.get("files") or []
        if event.get("bot_id"):
            # Other apps' uploads are not read, so that bots cannot keep each other busy;
            # recorded so that their file_shared events are passed over too.
            for file in files:
                await self._record_unread(upload, str(file["id"]))
            return
        for file in files:
            await self._receive(upload, file)

    async def on_file_shared(
        self, event: dict[str, Any], *, team_id: str, bot_user_id: str
    ) -> None:
        """A `file_shared` event: a fallback for a file whose `message` event never came.

        It waits briefly because the `message` event, which carries the text that
        names the document kind, usually arrives just after it.
        """
        file_id, channel = event["file_id"], event["channel_id"]
        if event.get("user_id") == bot_user_id:
            return
        await asyncio.sleep(self._settings.file_shared_grace_s)
        if await self._store.find_upload(team_id, file_id) is not None:
            return
        try:
            response = await self._client.files_info(file=file_id)
        except SLACK_FAILURES as error:
            # There is no thread to answer in yet. Nothing is recorded either, so a later
            # delivery of the file (its message event, a retry) is still analysed.
            log.warning("file_shared %s: files.info failed: %s", file_id, _slack_error(error))
            return
        file: dict[str, Any] = response["file"]
        share = _share(file, channel)
        if share is None:
            log.warning(
                "file_shared %s: files.info lists no share in %s to answer", file_id, channel
            )
            return
        upload = Upload(
            team_id=team_id,
            channel_id=channel,
            channel_type=None,
            user_id=event.get("user_id") or str(file.get("user") or ""),
            message_ts=share.ts,
            thread_ts=share.thread_ts or share.ts,
            text="",
            addressed=False,
        )
        await self._receive(upload, file)

    async def on_kind_chosen(
        self,
        job_id: int,
        kind: UploadKind | None,
        *,
        team_id: str,
        channel_id: str | None,
        user_id: str,
        replace_prompt: Callable[[Message], Awaitable[None]],
    ) -> None:
        """A click on the kind prompt: replace the prompt, then analyse (or drop) the file.

        `team_id` and `channel_id` are where the click came from, as Slack signed it. The
        job id is the button's value, which the clicker can forge: only a job of that team
        whose prompt is in that channel is decided (whoever sees the prompt may answer it).
        """
        job = await self._store.get_job(job_id)
        if job is None or job.state is not JobState.WAITING:
            return  # another click already decided
        if (job.team_id, job.channel_id) != (team_id, channel_id):
            log.warning("Kind chosen for job %s from outside its channel; ignored", job_id)
            return
        if kind is None:
            await self._store.cancel_job(job_id, now=self._clock())
            await replace_prompt(kind_chosen(None, user_id, self._lang))
            return
        await self._store.update_job(job_id, kind=kind)
        await replace_prompt(kind_chosen(kind, user_id, self._lang))
        await self._run_now(job_id)

    # Jobs

    async def run(self, job: ClaimedJob, file: SlackFile | None = None) -> None:
        """Analyse a claimed job and answer in its thread. Never raises.

        `file` is the file as the event described it; without it files.info says.
        The lease is renewed while the job runs, so a slow analysis is not taken over.
        """
        with log_context(job_id=job.id, team_id=job.team_id):
            async with self._lease_kept(job):
                try:
                    await self._run(job, file)
                except Exception:
                    # Failures of the store (or of Slack while telling of a failure): the job
                    # stays held until its lease runs out, and is then run again.
                    log.exception(
                        "Upload job %s stopped unsettled; it runs again after its lease", job.id
                    )
                    metrics.upload_settled(job.kind, "unsettled")

    async def _run(self, job: ClaimedJob, file: SlackFile | None) -> None:
        if job.kind == BULK:
            await self._run_bulk(job)
            return
        if job.answering_at is not None and await self._answered_before(job):
            return
        if job.attempts > self._settings.job_max_attempts:
            # Its workers kept dying mid-job (each claim counts): stop, and say so.
            await self._failed(job, RuntimeError("too many claims"), GAVE_UP, retryable=False)
            return
        if job.kind == "card" and not self._card_allowed(job.channel_id):
            if await self._begin_answer(job):
                await self._post(
                    job, card_declined(self._settings.card_channels, self._lang), private=True
                )
                await self._store.complete_job(job.id, self._worker_id, now=self._clock())
                metrics.upload_settled(job.kind, "declined", self._clock() - job.created_at)
            return
        await self._react(job.channel_id, job.message_ts, add=WORKING)
        try:
            analysed = await self._analyse(job, file)
        except OcrError as error:
            # The OCR client has already retried, within OCR_DEADLINE_S and OCR_MAX_ATTEMPTS
            # calls: a job-level retry on top would multiply the calls NHN charges for and
            # keep the uploader waiting for rounds more.
            await self._failed(job, error, error.user_message, retryable=False)
            return
        except UserFacingError as error:
            await self._failed(job, error, error.user_message, retryable=error.retryable)
            return
        except Exception as error:
            log.exception("Upload job %s failed unexpectedly", job.id)
            await self._failed(job, error, UNEXPECTED, retryable=False)
            return
        if not await self._begin_answer(job):
            return
        try:
            await self._post_answer(job, analysed)
        except SLACK_FAILURES as error:
            log.warning("Upload job %s: Slack refused the answer: %s", job.id, _slack_error(error))
            await self._failed(job, error, NOT_POSTED, retryable=False)
            return
        except Exception as error:
            log.exception("Upload job %s failed unexpectedly", job.id)
            await self._failed(job, error, UNEXPECTED, retryable=False)
            return
        # Recorded at once: nothing that follows may lead to a second analysis or answer.
        if not await self._store.complete_job(job.id, self._worker_id, now=self._clock()):
            log.warning("Upload job %s finished after another worker took it over", job.id)
        metrics.upload_settled(job.kind, "answered", self._clock() - job.created_at)
        await self._follow_up(job, analysed)

    async def _analyse(self, job: ClaimedJob, file: SlackFile | None) -> _Analysed:
        """Download and analyse the job's file; a card's original is dealt with too, since
        the answer says what became of it."""
        if job.kind is None:  # only jobs with a kind are claimable
            raise RuntimeError(f"job {job.id} was claimed without a kind")
        slack_file = file or await self._downloader.resolve({"id": job.file_id})
        data = await self._downloader.download(slack_file)
        result = await self._analysis.analyze(DocumentKind(job.kind), data, slack_file.name)
        if isinstance(result, BusinessAnalysis):
            return _Analysed(slack_file.name, result, original="shown")
        return _Analysed(slack_file.name, result, original=await self._dispose_of_original(job))

    async def _run_bulk(self, job: ClaimedJob) -> None:
        """A bulk check answers every failure itself, in one message it updates in place.

        That message carries the job in its metadata, so a run after a death takes the
        earlier run's message up again (its progress, then the summary) rather than post
        a second one; numbers the earlier run looked up come from the status cache.
        """
        earlier = None
        if job.answering_at is not None:
            found = await self._answer_in_thread(job)
            earlier = found if isinstance(found, str) else None
        if not await self._begin_answer(job):
            return
        await self._bulk.run(
            team_id=job.team_id,
            user_id=job.user_id,
            channel_id=job.channel_id,
            thread_ts=job.thread_ts,
            file={"id": job.file_id},
            metadata=_answer_metadata(job),
            message_ts=earlier,
        )
        await self._store.complete_job(job.id, self._worker_id, now=self._clock())
        metrics.upload_settled(job.kind, "answered", self._clock() - job.created_at)

    async def _begin_answer(self, job: ClaimedJob) -> bool:
        """Note in the store that the answer is about to be posted; False when another
        worker took the job over meanwhile (this process was too slow to renew its lease),
        which then answers itself: a second answer would only confuse."""
        if await self._store.begin_answer(
            job.id, self._worker_id, now=self._clock(), lease=self._settings.job_lease
        ):
            return True
        log.warning("Upload job %s was taken over while it ran; the other answers", job.id)
        return False

    async def _post_answer(self, job: ClaimedJob, analysed: _Analysed) -> None:
        """Post the answer, with the job in its metadata; raises when it did not get through.

        A refusal that passes (rate limits, Slack's outages) is tried again here, while
        the lease is kept: the analysis lives only in this process, and another process
        would have to pay NHN for the same file again.
        """
        message, private = self._answer_message(job, analysed)
        for attempt in itertools.count(1):
            try:
                await self._post(job, message, private=private, metadata=_answer_metadata(job))
                return
            except SLACK_FAILURES as error:
                # A post whose reply was lost (a timeout, a cut connection) may be in.
                if not private and await self._answer_in_thread(job):
                    return
                if not _is_passing(error) or attempt >= self._settings.job_max_attempts:
                    raise
                delay = self._retry_delay(attempt, _retry_after_s(error))
                log.warning(
                    "Upload job %s: Slack refused the answer (%s); trying again in %.1f s",
                    job.id,
                    _slack_error(error),
                    delay.total_seconds(),
                )
                await asyncio.sleep(delay.total_seconds())

    def _answer_message(self, job: ClaimedJob, analysed: _Analysed) -> tuple[Message, bool]:
        """The answer, and whether it goes to the uploader alone (a card in a public channel)."""
        result, name = analysed.result, analysed.file_name
        if isinstance(result, BusinessAnalysis):
            return business_result(result, self._lang, file_name=name), False
        public = _is_public(job)
        message = card_result(
            result, self._lang, file_name=name, private_copy=public, original=analysed.original
        )
        return message, public

    async def _follow_up(self, job: ClaimedJob, analysed: _Analysed) -> None:
        """What follows a recorded answer, each part best effort: a failure (or a death)
        here costs that part only, never a second analysis or answer."""
        result = analysed.result
        if not isinstance(result, BusinessAnalysis):
            if not _is_public(job):  # the result is in the thread; this is for the uploader alone
                await self._best_effort(
                    job,
                    "the notice to the uploader",
                    self._post(job, original_notice(analysed.original, self._lang), private=True),
                )
            await self._best_effort(
                job, "the redacted copy", self._post_redacted_copy(job, result.redacted_image)
            )
        await self._best_effort(
            job, "the audit entry", self._audit(job, *_audit_subject_and_outcome(job, result))
        )
        await self._react(job.channel_id, job.message_ts, remove=WORKING, add=DONE)
        if isinstance(result, BusinessAnalysis):
            await self._announce(job, result)

    async def _best_effort(self, job: ClaimedJob, what: str, step: Awaitable[None]) -> None:
        try:
            await step
        except Exception as error:
            log.warning(
                "Upload job %s: %s failed after the answer: %s", job.id, what, _error_label(error)
            )

    async def _answered_before(self, job: ClaimedJob) -> bool:
        """Whether an earlier run of this job, which began to post its answer and then died,
        got it in: if so the job is recorded done and nothing is analysed or posted again.

        An answer in the thread is looked for by the job in its metadata. An answer to the
        uploader alone (ephemeral) is not kept by Slack, and a thread Slack cannot show now
        cannot be searched: then the earlier start is taken as an answer, since the death
        most likely came after the post, and a guess the other way would pay NHN again and
        could show the answer twice.
        """
        private = job.kind == "card" and (_is_public(job) or not self._card_allowed(job.channel_id))
        found = None if private else await self._answer_in_thread(job)
        if found is False:
            log.info("Upload job %s: an earlier run began but did not post its answer", job.id)
            return False
        log.log(
            logging.INFO if found else logging.WARNING,
            "Upload job %s: %s; recorded as answered",
            job.id,
            "the thread holds the answer of an earlier run"
            if found
            else "an earlier run began to answer and cannot be checked",
        )
        if await self._store.complete_job(job.id, self._worker_id, now=self._clock()):
            await self._react(job.channel_id, job.message_ts, remove=WORKING, add=DONE)
        return True

    async def _answer_in_thread(self, job: ClaimedJob) -> str | Literal[False] | None:
        """The ts of the job's answer in its thread; False when the thread holds none, None
        when Slack could not tell."""
        cursor: str | None = None
        try:
            for _ in range(_THREAD_PAGES):
                response = await self._client.conversations_replies(
                    channel=job.channel_id,
                    ts=job.thread_ts,
                    include_all_metadata=True,
                    limit=_THREAD_PAGE_SIZE,
                    cursor=cursor,
                )
                messages: list[dict[str, Any]] = response.get("messages") or []
                for message in messages:
                    if _answers(message, job):
                        return str(message.get("ts") or "") or None
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    return False
        except SLACK_FAILURES as error:
            log.warning(
                "Upload job %s: its thread could not be read: %s", job.id, _slack_error(error)
            )
        return None  # unreadable, or longer than is worth reading

    async def run_pending(self) -> int:
        """Start as many due jobs (or jobs whose worker died) as there are free slots;
        how many started. They run in the background."""
        free = self._slots - self._running
        if free <= 0:
            return 0
        self._running += free  # held while claiming, so no event handler takes them meanwhile
        try:
            jobs = await self._store.claim_jobs(
                self._worker_id, now=self._clock(), lease=self._settings.job_lease, limit=free
            )
        finally:
            self._running -= free
        for job in jobs:
            self._running += 1
            task = asyncio.create_task(self._run_in_slot(job))
            self._started.add(task)
            task.add_done_callback(self._started.discard)
        return len(jobs)

    async def wait_for_slot(self, timeout_s: float) -> None:
        """Until a job finishes in this process, or `timeout_s`: when to look for work again.

        At once when a job recorded here meanwhile found no free slot.
        """
        self._slot_freed.clear()
        if self._deferred:
            self._deferred = False
            return
        # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives as
        # the slot frees, and the worker would then outlive the runtime's shutdown.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._slot_freed.wait()

    async def finish(self, grace_s: float) -> None:
        """At shutdown: let running jobs end within `grace_s`; any still running keep their
        lease until it runs out and another process takes them over."""
        deadline = asyncio.get_running_loop().time() + grace_s
        while self._running and (left := deadline - asyncio.get_running_loop().time()) > 0:
            await self.wait_for_slot(left)
        for task in self._started:
            task.cancel()

    # Internals

    @contextlib.asynccontextmanager
    async def _lease_kept(self, job: ClaimedJob) -> AsyncIterator[None]:
        lease = self._settings.job_lease

        async def renew() -> None:
            # A third of the lease apart: two renewals may fail (a database blip) before
            # the job is free for another process.
            while True:
                await asyncio.sleep(lease.total_seconds() / 3)
                try:
                    held = await self._store.extend_lease(
                        job.id, self._worker_id, now=self._clock(), lease=lease
                    )
                except Exception as error:
                    log.warning("Upload job %s: lease not renewed: %s", job.id, _error_label(error))
                    continue
                if not held:
                    return  # finished meanwhile, or taken over: completion will tell

        renewal = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _receive(self, upload: Upload, file: dict[str, Any]) -> None:
        try:
            slack_file = await self._downloader.resolve(file)  # Slack Connect sends a stub
        except DownloadError as error:
            # No job exists yet, so no duplicate can have answered: say it here.
            await self._reply(
                upload.channel_id,
                upload.thread_ts,
                failure(error.user_message, self._lang, file_name=None),
            )
            await self._react(upload.channel_id, upload.message_ts, add=FAILED)
            return
        filetype = slack_file.filetype.lower()
        if filetype == "csv" and _BULK_WORD.search(upload.text):
            await self._record(upload, slack_file, BULK)
            return
        if filetype not in _ANALYSABLE:
            if upload.addressed and await self._record_unread(upload, slack_file.id):
                await self._reply(
                    upload.channel_id,
                    upload.thread_ts,
                    unsupported_file(slack_file.name, self._lang),
                )
            return
        kind = guess_kind(
            upload.text,
            file_name=slack_file.name,
            channel=upload.channel_id,
            is_pdf=_ANALYSABLE[filetype],
            business_channels=self._settings.business_channels,
            card_channels=self._settings.card_channels,
        )
        await self._record(upload, slack_file, kind)

    async def _record(self, upload: Upload, slack_file: SlackFile, kind: JobKind | None) -> None:
        """Record the upload as a job, then run it, or ask what it is when `kind` is None."""
        try:
            job_id = await self._store.enqueue_upload(
                _job(upload, slack_file.id, kind), now=self._clock()
            )
        except Exception:
            # Nothing was recorded, so nothing would ever answer: say so now. A later
            # delivery or upload of the file is then taken in afresh.
            log.exception(
                "Upload of file %s could not be recorded; the uploader is told", slack_file.id
            )
            await self._reply(
                upload.channel_id,
                upload.thread_ts,
                failure(NOT_RECORDED, self._lang, file_name=None),
            )
            await self._react(upload.channel_id, upload.message_ts, add=FAILED)
            return
        if job_id is None:
            log.debug("File %s already recorded; duplicate delivery ignored", slack_file.id)
            return
        if kind is None:
            await self._reply(
                upload.channel_id,
                upload.thread_ts,
                kind_prompt(job_id, slack_file.name, self._lang),
            )
            return
        await self._run_now(job_id, slack_file)

    async def _record_unread(self, upload: Upload, file_id: str) -> bool:
        """Record a file the bot will not read, so that later deliveries are passed over.

        True for the first delivery only.
        """
        job_id = await self._store.enqueue_upload(_job(upload, file_id, None), now=self._clock())
        if job_id is None:
            return False
        await self._store.cancel_job(job_id, now=self._clock())
        return True

    async def _run_now(self, job_id: int, file: SlackFile | None = None) -> None:
        """Run a job this process just recorded, if it has a free slot; else it stays pending."""
        if self._running >= self._slots:
            self._deferred = True
            self._slot_freed.set()  # a worker waiting for a slot looks again now
            return
        self._running += 1
        try:
            try:
                claimed = await self._store.claim_job(
                    job_id, self._worker_id, now=self._clock(), lease=self._settings.job_lease
                )
            except Exception:
                # The job is recorded and due: the worker claims it on a later pass.
                log.warning(
                    "Upload job %s left for the worker: claim failed", job_id, exc_info=True
                )
                return
            if claimed is not None:
                await self.run(claimed, file)
        finally:
            self._free_slot()

    async def _run_in_slot(self, job: ClaimedJob) -> None:
        try:
            await self.run(job)
        finally:
            self._free_slot()

    def _free_slot(self) -> None:
        self._running -= 1
        self._slot_freed.set()

    async def _failed(
        self, job: ClaimedJob, error: Exception, message: Text, *, retryable: bool
    ) -> None:
        now = self._clock()
        max_attempts = self._settings.job_max_attempts if retryable else job.attempts
        state = await self._store.fail_job(
            job.id,
            self._worker_id,
            now=now,
            error=_error_label(error),
            retry_at=now + self._retry_delay(job.attempts, None),
            max_attempts=max_attempts,
        )
        if state is JobState.PENDING:
            log.info("Upload job %s will be retried: %s", job.id, _error_label(error))
            metrics.upload_settled(job.kind, "retrying")
            return
        # The class, not the numeric code: the audit log masks long digit runs.
        await self._audit(job, job.file_id, f"failed: {type(error).__name__}")
        try:
            await self._post(job, failure(message, self._lang, file_name=None))
        except SLACK_FAILURES as post_error:
            # The uploader cannot be told, so at least the operator is.
            log.error(
                "Upload job %s failed (%s) and the failure reply failed too: %s",
                job.id,
                _error_label(error),
                _slack_error(post_error),
            )
        metrics.upload_settled(job.kind, "failed", self._clock() - job.created_at)
        await self._react(job.channel_id, job.message_ts, remove=WORKING, add=FAILED)

    def _retry_delay(self, attempts: int, retry_after_s: float | None) -> timedelta:
        """Before retrying: one poll interval, doubling with every attempt, or the server's
        Retry-After when longer; at most MAX_RETRY_DELAY.

        The worker could not pick a job up sooner than its next poll anyway.
        """
        doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
        delay = self._settings.job_poll_interval * (1 << doublings)
        if retry_after_s is not None:
            delay = max(delay, timedelta(seconds=retry_after_s))
        return min(delay, MAX_RETRY_DELAY)

    async def _post_redacted_copy(self, job: ClaimedJob, image: bytes | None) -> None:
        """The card photo with the number covered but for its last four digits, so the
        thread keeps a picture without the original. Skipped when NHN gave no usable boxes."""
        if image is None:
            log.info("Upload job %s: no redacted copy (the number's boxes were not usable)", job.id)
            return
        try:
            await self._client.files_upload_v2(
                channel=job.channel_id,
                thread_ts=job.thread_ts,
                content=image,
                filename="card-redacted.jpg",
                title="card-redacted.jpg",
                initial_comment=REDACTED_COPY(self._lang),
            )
        except SLACK_FAILURES as error:
            log.warning("Upload job %s: redacted copy not posted: %s", job.id, _slack_error(error))

    def _card_allowed(self, channel_id: str) -> bool:
        allowed = self._settings.card_channels
        return not allowed or channel_id in allowed

    async def _dispose_of_original(self, job: ClaimedJob) -> OriginalFate:
        """Delete the photo showing the full number when CARD_DELETE_ORIGINAL is set.

        A bot token usually may not delete a person's file; that is reported, not raised.
        """
        if not self._settings.card_delete_original:
            return "shown"
        try:
            await self._client.files_delete(file=job.file_id)
        except SlackApiError as error:
            log.info("Upload job %s: files.delete refused: %s", job.id, _slack_error(error))
            return "undeletable"
        except SLACK_FAILURES as error:
            log.warning("Upload job %s: files.delete failed: %s", job.id, _slack_error(error))
            return "undeletable"
        return "deleted"

    async def _audit(self, job: ClaimedJob, subject: str, outcome: str) -> None:
        action: AuditAction = "upload_card" if job.kind == "card" else "upload_business"
        await self._auditor.record(
            team_id=job.team_id,
            user_id=job.user_id,
            action=action,
            subject=subject,
            outcome=outcome,
        )

    async def _announce(self, job: ClaimedJob, result: BusinessAnalysis) -> None:
        """Tell the team about closed or inactive businesses and certificates that differ from
        the register, after the uploader has the answer."""

        async def where() -> str:
            return await message_place(self._client, job.channel_id, job.message_ts)

        try:
            await self._notifier.announce_certificates(
                result, team_id=job.team_id, checked_by=job.user_id, where=where
            )
        except Exception:
            # The upload is answered; only the alert is lost, and the operator must know.
            log.exception("Team notification for upload job %s failed", job.id)

    async def _post(
        self,
        job: ClaimedJob,
        message: Message,
        *,
        private: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """In the job's thread, or to the uploader alone; `metadata` goes with a thread
        message only (Slack keeps none for an ephemeral one)."""
        if private:
            await self._client.chat_postEphemeral(
                channel=job.channel_id,
                user=job.user_id,
                thread_ts=job.thread_ts,
                **message.as_kwargs(),
            )
        else:
            await self._reply(job.channel_id, job.thread_ts, message, metadata=metadata)

    async def _reply(
        self,
        channel: str,
        thread_ts: str,
        message: Message,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        await self._client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            unfurl_links=False,
            metadata=metadata,  # slack_sdk leaves a None out
            **message.as_kwargs(),
        )

    async def _react(
        self, channel: str, ts: str, *, add: str | None = None, remove: str | None = None
    ) -> None:
        # Reactions are progress hints only: a failure must not stop the answer.
        for method, name in (
            (self._client.reactions_remove, remove),
            (self._client.reactions_add, add),
        ):
            if name is None:
                continue
            try:
                await method(channel=channel, timestamp=ts, name=name)
            except SLACK_FAILURES as error:
                log.debug("Reaction %s on %s %s: %s", name, channel, ts, _slack_error(error))


def _audit_subject_and_outcome(job: ClaimedJob, result: Analysis) -> tuple[str, str]:
    """What the audit log keeps of a result: a business number, or a card's brand and
    last four at most."""
    if isinstance(result, BusinessAnalysis):
        number = result.number
        if number is None or number.digits is None:
            return job.file_id, "no registration number read"
        if result.status is not None:
            return number.digits, f"status {result.status.status.value}"
        return number.digits, "checksum failed" if not number.checksum_ok else "status failed"
    card = result.number
    if card is None:
        return job.file_id, "card number not read"
    return f"{card.brand.value} ••••{card.last4}", "read"


def _answer_metadata(job: ClaimedJob) -> dict[str, Any]:
    """Slack message metadata naming the job an answer is for: ids only, no content."""
    return {"event_type": ANSWER_EVENT, "event_payload": {"job_id": job.id, "file_id": job.file_id}}


def _answers(message: dict[str, Any], job: ClaimedJob) -> bool:
    """Whether a message from conversations.replies is the answer to `job`."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != ANSWER_EVENT:
        return False
    payload = metadata.get("event_payload")
    return (
        isinstance(payload, dict)
        and payload.get("job_id") == job.id
        and payload.get("file_id") == job.file_id
    )


def _retry_after_s(error: Exception) -> float | None:
    """Slack's Retry-After on a rate-limited answer, in seconds."""
    if not isinstance(error, SlackApiError):
        return None
    headers = {str(name).lower(): value for name, value in (error.response.headers or {}).items()}
    try:
        return float(headers["retry-after"])
    except (KeyError, TypeError, ValueError):
        return None


def _is_public(job: ClaimedJob) -> bool:
    # Unknown channel types are treated as public: the safe side for card numbers.
    return job.channel_type not in ("group", "im", "mpim")


def _is_passing(error: Exception) -> bool:
    """Whether a failed Slack call may work later: rate limits, Slack's outages, the network."""
    if isinstance(error, SlackApiError):
        status: int = error.response.status_code
        code = error.response.get("error")
        return status == 429 or status >= 500 or code in _PASSING_SLACK_ERRORS
    return isinstance(error, aiohttp.ClientError | TimeoutError)


def _error_label(error: Exception) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__}({code})" if code is not None else type(error).__name__


def _slack_error(error: Exception) -> str:
    """Slack's error code, or the kind of network failure."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return type(error).__name__


def _job(upload: Upload, file_id: str, kind: JobKind | None) -> UploadJob:
    return UploadJob(
        team_id=upload.team_id,
        file_id=file_id,
        channel_id=upload.channel_id,
        channel_type=upload.channel_type,
        user_id=upload.user_id,
        message_ts=upload.message_ts,
        thread_ts=upload.thread_ts,
        kind=kind,
    )


@dataclass(frozen=True, slots=True)
class _Share:
    ts: str  # the message that shared the file
    thread_ts: str | None  # its thread, when it was shared as a reply


def _share(file: dict[str, Any], channel: str) -> _Share | None:
    """Where `file` was shared in `channel`, from files.info's `shares`."""
    shares = file.get("shares") or {}
    for scope in ("public", "private"):
        for share in (shares.get(scope) or {}).get(channel) or []:
            ts, thread_ts = share.get("ts"), share.get("thread_ts")
            if isinstance(ts, str):
                return _Share(ts, thread_ts if isinstance(thread_ts, str) else None)
    return None
