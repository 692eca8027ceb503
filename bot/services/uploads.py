"""Uploads: from a Slack file event to one answer in the thread, exactly once per file.

Every upload becomes a job in the store before any work, keyed by the file, so the
`message` event, the `file_shared` event, Slack's retries and restarts all collapse
into one analysis. The process that records a job runs it at once; a job left
behind by a process that died is picked up by `JobWorker`.
"""

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.blocks.business import business_result
from bot.blocks.card import card_result
from bot.blocks.notices import failure, unsupported_file
from bot.blocks.prompts import kind_chosen, kind_prompt
from bot.config import Settings
from bot.domain.certificate import CertificateField
from bot.domain.upload_kind import UploadKind, guess_kind
from bot.i18n import Text
from bot.ocr import DocumentKind, OcrError
from bot.services.analysis import AnalysisService, BusinessAnalysis
from bot.services.notifier import TeamNotifier
from bot.slack.files import DownloadError, SlackFile, SlackFileDownloader
from bot.store import ClaimedJob, JobState, Store, UploadJob

log = logging.getLogger(__name__)

WORKING, DONE, FAILED = "hourglass_flowing_sand", "white_check_mark", "warning"
_ANALYSABLE = {"jpg": False, "jpeg": False, "png": False, "pdf": True}  # filetype -> is PDF
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


class UploadService:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        store: Store,
        analysis: AnalysisService,
        downloader: SlackFileDownloader,
        notifier: TeamNotifier,
        settings: Settings,
        clock: Callable[[], datetime],
        worker_id: str,
    ) -> None:
        self._client = client
        self._store = store
        self._analysis = analysis
        self._downloader = downloader
        self._notifier = notifier
        self._settings = settings
        self._clock = clock
        self._worker_id = worker_id
        self._lang = settings.language

    # Events

    async def on_file_share(self, event: dict[str, Any], *, team_id: str, bot_user_id: str) -> None:
        """A `message` event with `subtype: file_share`."""
        if event.get("user") == bot_user_id or event.get("bot_id"):
            return
        text = event.get("text") or ""
        upload = Upload(
            team_id=team_id,
            channel_id=event["channel"],
            channel_type=event.get("channel_type"),
            user_id=event["user"],
            message_ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=text,
            addressed=f"<@{bot_user_id}>" in text,
        )
        for file in event.get("files") or []:
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
        except SlackApiError as error:
            log.warning(
                "file_shared %s: files.info failed: %s", file_id, error.response.get("error")
            )
            return
        file: dict[str, Any] = response["file"]
        ts = _share_ts(file, channel)
        if ts is None:
            return
        upload = Upload(
            team_id=team_id,
            channel_id=channel,
            channel_type=None,
            user_id=event.get("user_id") or str(file.get("user") or ""),
            message_ts=ts,
            thread_ts=ts,
            text="",
            addressed=False,
        )
        await self._receive(upload, file)

    async def on_kind_chosen(
        self,
        job_id: int,
        kind: UploadKind | None,
        *,
        user_id: str,
        replace_prompt: Callable[[Message], Awaitable[None]],
    ) -> None:
        """A click on the kind prompt: replace the prompt, then analyse (or drop) the file."""
        job = await self._store.get_job(job_id)
        if job is None or job.state is not JobState.WAITING:
            return  # another click already decided
        if kind is None:
            await self._store.cancel_job(job_id, now=self._clock())
            await replace_prompt(kind_chosen(None, user_id, self._lang))
            return
        await self._store.update_job(job_id, kind=kind)
        await replace_prompt(kind_chosen(kind, user_id, self._lang))
        await self._run_now(job_id)

    # Jobs

    async def run(self, job: ClaimedJob, file: dict[str, Any] | None = None) -> None:
        """Analyse a claimed job and answer in its thread. Never raises."""
        await self._react(job, add=WORKING)
        try:
            slack_file = await self._downloader.resolve(file or {"id": job.file_id})
            self._downloader.check_size(slack_file)
            data = await self._downloader.download(slack_file)
            if job.kind is None:  # only jobs with a kind are claimable
                raise RuntimeError(f"job {job.id} was claimed without a kind")
            kind = DocumentKind(job.kind)
            result = await self._analysis.analyze(kind, data, slack_file.name)
            if isinstance(result, BusinessAnalysis):
                await self._post(
                    job, business_result(result, self._lang, file_name=slack_file.name)
                )
                await self._announce(job, result)
            else:
                message = card_result(
                    result, self._lang, file_name=slack_file.name, private_copy=_is_public(job)
                )
                await self._post(job, message, private=_is_public(job))
        except (OcrError, DownloadError) as error:
            await self._failed(job, error, error.user_message, retryable=_retryable(error))
            return
        except Exception as error:
            log.exception("Upload job %s failed unexpectedly", job.id)
            await self._failed(job, error, UNEXPECTED, retryable=False)
            return
        await self._store.complete_job(job.id, self._worker_id, now=self._clock())
        await self._react(job, remove=WORKING, add=DONE)

    async def run_pending(self, limit: int = 4) -> int:
        """Claim and run jobs that are due or whose worker died; how many ran."""
        jobs = await self._store.claim_jobs(
            self._worker_id, now=self._clock(), lease=self._settings.job_lease, limit=limit
        )
        await asyncio.gather(*(self.run(job) for job in jobs))
        return len(jobs)

    # Internals

    async def _receive(self, upload: Upload, file: dict[str, Any]) -> None:
        filetype = str(file.get("filetype") or "").lower()
        if filetype not in _ANALYSABLE:
            if upload.addressed:
                name = str(file.get("name") or file.get("title") or "")
                await self._reply(
                    upload.channel_id, upload.thread_ts, unsupported_file(name, self._lang)
                )
            return
        kind = guess_kind(
            upload.text,
            file_name=str(file.get("name") or ""),
            channel=upload.channel_id,
            is_pdf=_ANALYSABLE[filetype],
            business_channels=self._settings.business_channels,
            card_channels=self._settings.card_channels,
        )
        job = UploadJob(
            team_id=upload.team_id,
            file_id=file["id"],
            channel_id=upload.channel_id,
            channel_type=upload.channel_type,
            user_id=upload.user_id,
            message_ts=upload.message_ts,
            thread_ts=upload.thread_ts,
            kind=kind,
        )
        job_id = await self._store.enqueue_upload(job, now=self._clock())
        if job_id is None:
            log.debug("File %s already recorded; duplicate delivery ignored", file["id"])
            return
        if kind is None:
            name = SlackFile.from_api(file).name
            await self._reply(
                upload.channel_id, upload.thread_ts, kind_prompt(job_id, name, self._lang)
            )
            return
        await self._run_now(job_id, file)

    async def _run_now(self, job_id: int, file: dict[str, Any] | None = None) -> None:
        claimed = await self._store.claim_job(
            job_id, self._worker_id, now=self._clock(), lease=self._settings.job_lease
        )
        if claimed is not None:
            await self.run(claimed, file)

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
            retry_at=now + _backoff(job.attempts),
            max_attempts=max_attempts,
        )
        if state is JobState.PENDING:
            log.info("Upload job %s will be retried: %s", job.id, _error_label(error))
            return
        await self._post(job, failure(message, self._lang, file_name=None))
        await self._react(job, remove=WORKING, add=FAILED)

    async def _announce(self, job: ClaimedJob, result: BusinessAnalysis) -> None:
        if result.status is None or not result.status.status.is_alert:
            return
        trade = result.certificate.get(CertificateField.TRADE_NAME)
        await self._notifier.announce(
            result.status,
            team_id=job.team_id,
            checked_by=job.user_id,
            trade_name=trade.value if trade else None,
            where=await self._permalink(job),
        )

    async def _permalink(self, job: ClaimedJob) -> str | None:
        try:
            response = await self._client.chat_getPermalink(
                channel=job.channel_id, message_ts=job.message_ts
            )
        except SlackApiError:
            return None
        link = response.get("permalink")
        return link if isinstance(link, str) else None

    async def _post(self, job: ClaimedJob, message: Message, *, private: bool = False) -> None:
        if private:
            await self._client.chat_postEphemeral(
                channel=job.channel_id,
                user=job.user_id,
                thread_ts=job.thread_ts,
                **message.as_kwargs(),
            )
        else:
            await self._reply(job.channel_id, job.thread_ts, message)

    async def _reply(self, channel: str, thread_ts: str, message: Message) -> None:
        await self._client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, **message.as_kwargs()
        )

    async def _react(
        self, job: ClaimedJob, *, add: str | None = None, remove: str | None = None
    ) -> None:
        # Reactions are progress hints only: a failure must not stop the answer.
        for method, name in (
            (self._client.reactions_remove, remove),
            (self._client.reactions_add, add),
        ):
            if name is None:
                continue
            try:
                await method(channel=job.channel_id, timestamp=job.message_ts, name=name)
            except SlackApiError as error:
                log.debug("Reaction %s on job %s: %s", name, job.id, error.response.get("error"))


def _is_public(job: ClaimedJob) -> bool:
    # Unknown channel types are treated as public: the safe side for card numbers.
    return job.channel_type not in ("group", "im", "mpim")


def _retryable(error: OcrError | DownloadError) -> bool:
    return bool(getattr(error, "retryable", False))


def _error_label(error: Exception) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__}({code})" if code is not None else type(error).__name__


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 900))


def _share_ts(file: dict[str, Any], channel: str) -> str | None:
    """The ts of the message that shared `file` in `channel` (files.info `shares`)."""
    shares = file.get("shares") or {}
    for scope in ("public", "private"):
        for share in (shares.get(scope) or {}).get(channel) or []:
            ts = share.get("ts")
            if isinstance(ts, str):
                return ts
    return None
