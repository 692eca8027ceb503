"""An upload job performed: the file analysed, the answer posted once, then the follow-ups.

Nothing that follows a recorded answer may lead to a second analysis or answer: the job
is recorded done as soon as the answer is in, and what follows is best effort.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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
from bot.blocks.errors import explain
from bot.blocks.notices import failure
from bot.config import Settings
from bot.domain.analysis import Analysis, BusinessAnalysis
from bot.domain.upload_kind import UploadKind
from bot.errors import BotError, Service, UpstreamError
from bot.i18n import Text
from bot.log_context import log_context
from bot.ocr import DocumentKind
from bot.services.analysis import AnalysisService
from bot.services.audit import AuditAction, Auditor, NewAuditEntry
from bot.services.bulk import BulkCheckService
from bot.services.job_runner import retry_delay
from bot.services.notifier import TeamNotifier
from bot.services.uploads.answer import DONE, FAILED, WORKING, Answers, answer_metadata
from bot.slack.client import message_place
from bot.slack.failures import SLACK_FAILURES, describe
from bot.slack.files import SlackFile, SlackFileDownloader
from bot.store import ClaimedJob, JobState, Store

log = logging.getLogger(__name__)

BULK: Literal["bulk"] = "bulk"  # a CSV of business numbers shared with the word `bizstatus`
JobKind = UploadKind | Literal["bulk"]
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
UNEXPECTED = Text(
    ko="예상하지 못한 오류로 파일을 분석하지 못했습니다. 잠시 후 다시 올려 주세요. "
    "계속되면 관리자에게 알려 주세요.",
    en="Something unexpected went wrong while analysing the file. Please upload it again "
    "in a moment, and tell an admin if it keeps happening.",
)


@dataclass(frozen=True, slots=True)
class _Analysed:
    """A job's analysis, ready to be answered."""

    file_name: str
    result: Analysis
    original: OriginalFate  # what became of a card photo; "shown" for a certificate


class UploadJobPerformer:
    """Performs one claimed upload job (the job runner's work for an upload)."""

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
        # A job's file is downloaded only when the analysis can take it on at once: jobs
        # beyond that wait holding nothing, where each held its download (a phone photo is
        # 4-6 MB) while it waited for NHN: 50 photos at once peaked at 270 MB, now 255.
        self._in_analysis = asyncio.Semaphore(analysis.documents_at_once)
        self._answers = Answers(
            client=client, store=store, settings=settings, clock=clock, worker_id=worker_id
        )

    async def perform(self, job: ClaimedJob, file: SlackFile | None = None) -> None:
        """Analyse a claimed job and answer in its thread; a failure is answered too.

        `file` is the file as the event described it; without it files.info says. What
        this raises (the store failing) leaves the job to be claimed again.
        """
        with log_context(job_id=job.id, team_id=job.team_id):
            try:
                await self._perform(job, file)
            except Exception:
                metrics.upload_settled(job.kind, "unsettled")
                raise

    async def _perform(self, job: ClaimedJob, file: SlackFile | None) -> None:
        if job.kind == BULK:
            await self._check_bulk(job)
            return
        if job.answering_at is not None and await self._answers.answered_before(
            job, private=self._answered_privately(job)
        ):
            return
        if job.attempts > self._settings.job_max_attempts:
            # Its workers kept dying mid-job (each claim counts): stop, and say so.
            await self._failed(job, RuntimeError("too many claims"), GAVE_UP, retryable=False)
            return
        if job.kind == "card" and not self._card_allowed(job.channel_id):
            if await self._answers.begin(job):
                declined = card_declined(self._settings.card_channels, self._lang)
                await self._answers.post(job, declined, private=True)
                await self._store.complete_job(job.id, self._worker_id, now=self._clock())
                metrics.upload_settled(job.kind, "declined", self._clock() - job.created_at)
            return
        await self._answers.react(job, add=WORKING)
        try:
            analysed = await self._analyse(job, file)
        except BotError as error:
            # The OCR client has already retried, within OCR_DEADLINE_S and OCR_MAX_ATTEMPTS
            # calls: a job-level retry on top would multiply the calls NHN charges for and
            # keep the uploader waiting for rounds more.
            from_nhn = isinstance(error, UpstreamError) and error.service is Service.NHN
            retryable = error.retryable and not from_nhn
            await self._failed(job, error, explain(error), retryable=retryable)
            return
        except Exception as error:
            log.exception("Upload job %s failed unexpectedly", job.id)
            await self._failed(job, error, UNEXPECTED, retryable=False)
            return
        if not await self._answers.begin(job):
            return
        try:
            message, private = self._answer_message(job, analysed)
            await self._answers.post_answer(job, message, private=private)
        except SLACK_FAILURES as error:
            log.warning("Upload job %s: Slack refused the answer: %s", job.id, describe(error))
            await self._failed(job, error, NOT_POSTED, retryable=False)
            return
        except Exception as error:
            log.exception("Upload job %s failed unexpectedly", job.id)
            await self._failed(job, error, UNEXPECTED, retryable=False)
            return
        # Recorded at once: nothing that follows may lead to a second analysis or answer.
        # The audit entry comes with it, so that an answered job is audited once.
        audit = self._audit_entry(job, *_audit_subject_and_outcome(job, analysed.result))
        if not await self._store.complete_job(
            job.id, self._worker_id, now=self._clock(), audit=audit
        ):
            log.warning("Upload job %s finished after another worker took it over", job.id)
        metrics.upload_settled(job.kind, "answered", self._clock() - job.created_at)
        await self._follow_up(job, analysed)

    async def _analyse(self, job: ClaimedJob, file: SlackFile | None) -> _Analysed:
        """Download and analyse the job's file; a card's original is dealt with too, since
        the answer says what became of it."""
        if job.kind is None:  # only jobs with a kind are claimable
            raise RuntimeError(f"job {job.id} was claimed without a kind")
        slack_file = file or await self._downloader.resolve({"id": job.file_id})
        async with self._in_analysis:
            data = await self._downloader.download(slack_file)
            result = await self._analysis.analyze(DocumentKind(job.kind), data, slack_file.name)
        del data  # not held while the original is dealt with
        if isinstance(result, BusinessAnalysis):
            return _Analysed(slack_file.name, result, original="shown")
        return _Analysed(slack_file.name, result, original=await self._dispose_of_original(job))

    async def _check_bulk(self, job: ClaimedJob) -> None:
        """A bulk check answers every failure itself, in one message it updates in place.

        That message carries the job in its metadata, so a run after a death takes the
        earlier run's message up again (its progress, then the summary) rather than post
        a second one; numbers the earlier run looked up come from the status cache.
        """
        earlier = None
        if job.answering_at is not None:
            found = await self._answers.find(job)
            earlier = found if isinstance(found, str) else None
        if not await self._answers.begin(job):
            return
        await self._bulk.check_file(
            team_id=job.team_id,
            user_id=job.user_id,
            channel_id=job.channel_id,
            thread_ts=job.thread_ts,
            file={"id": job.file_id},
            metadata=answer_metadata(job),
            message_ts=earlier,
        )
        await self._store.complete_job(job.id, self._worker_id, now=self._clock())
        # Answered, also when rows failed: the message reported each of them.
        metrics.upload_settled(job.kind, "answered", self._clock() - job.created_at)

    def _answered_privately(self, job: ClaimedJob) -> bool:
        """Whether the job's answer went to the uploader alone, where Slack keeps no copy:
        a card read in a public channel, or declined in a channel not for cards."""
        return job.kind == "card" and (_is_public(job) or not self._card_allowed(job.channel_id))

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
                notice = original_notice(analysed.original, self._lang)
                await self._best_effort(
                    job, "the notice to the uploader", self._answers.post(job, notice, private=True)
                )
            await self._best_effort(
                job, "the redacted copy", self._post_redacted_copy(job, result.redacted_image)
            )
        await self._answers.react(job, remove=WORKING, add=DONE)
        if isinstance(result, BusinessAnalysis):
            await self._announce(job, result)

    async def _best_effort(self, job: ClaimedJob, what: str, step: Awaitable[None]) -> None:
        try:
            await step
        except Exception as error:
            log.warning(
                "Upload job %s: %s failed after the answer: %s", job.id, what, _error_label(error)
            )

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
            retry_at=now
            + retry_delay(job.attempts, poll_interval=self._settings.job_poll_interval),
            max_attempts=max_attempts,
        )
        if state is JobState.PENDING:
            log.info("Upload job %s will be retried: %s", job.id, _error_label(error))
            metrics.upload_settled(job.kind, "retrying")
            return
        # The class, not the numeric code: the audit log masks long digit runs.
        await self._audit(job, job.file_id, f"failed: {type(error).__name__}")
        try:
            await self._answers.post(job, failure(message, self._lang, file_name=None))
        except SLACK_FAILURES as post_error:
            # The uploader cannot be told, so at least the operator is.
            log.error(
                "Upload job %s failed (%s) and the failure reply failed too: %s",
                job.id,
                _error_label(error),
                describe(post_error),
            )
        await self._answers.react(job, remove=WORKING, add=FAILED)
        metrics.upload_settled(job.kind, "failed", self._clock() - job.created_at)

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
            log.warning("Upload job %s: redacted copy not posted: %s", job.id, describe(error))

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
            log.info("Upload job %s: files.delete refused: %s", job.id, describe(error))
            return "undeletable"
        except SLACK_FAILURES as error:
            log.warning("Upload job %s: files.delete failed: %s", job.id, describe(error))
            return "undeletable"
        return "deleted"

    async def _audit(self, job: ClaimedJob, subject: str, outcome: str) -> None:
        await self._auditor.record(
            team_id=job.team_id,
            user_id=job.user_id,
            action=_audit_action(job),
            subject=subject,
            outcome=outcome,
        )

    def _audit_entry(self, job: ClaimedJob, subject: str, outcome: str) -> NewAuditEntry:
        return self._auditor.entry(
            team_id=job.team_id,
            user_id=job.user_id,
            action=_audit_action(job),
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


def _audit_action(job: ClaimedJob) -> AuditAction:
    return "upload_card" if job.kind == "card" else "upload_business"


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


def _is_public(job: ClaimedJob) -> bool:
    # Unknown channel types are treated as public: the safe side for card numbers.
    return job.channel_type not in ("group", "im", "mpim")


def _error_label(error: Exception) -> str:
    """A job's failure as the store and the logs keep it: the error's class, with its code
    when it has one (an OCR or NTS error's)."""
    code = getattr(error, "code", None)
    return f"{type(error).__name__}({code})" if code is not None else type(error).__name__
