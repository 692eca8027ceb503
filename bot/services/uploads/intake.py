"""Slack's file events to recorded upload jobs, one per file.

Every upload becomes a job in the store before any work, keyed by the file, so the
`message` event, the `file_shared` event, Slack's retries and restarts all collapse into
one job. The process that records a job performs it at once when it has a free slot;
the job runner's worker takes up the rest.
"""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.blocks.errors import explain
from bot.blocks.notices import failure, unsupported_file
from bot.blocks.prompts import kind_chosen, kind_prompt
from bot.config import Settings
from bot.domain.upload_kind import UploadKind, guess_kind
from bot.errors import BotError
from bot.i18n import Text
from bot.services.job_runner import JobRunner
from bot.services.uploads.answer import FAILED
from bot.services.uploads.job import BULK, JobKind, UploadJobPerformer
from bot.slack.failures import SLACK_FAILURES, describe
from bot.slack.files import SlackFile, SlackFileDownloader
from bot.slack.threads import react, reply
from bot.store import ClaimedJob, JobHolder, JobState, Store, UploadJob

log = logging.getLogger(__name__)

_BULK_WORD = re.compile(r"\bbizstatus\b", re.IGNORECASE)
# Slack's filetype -> whether it is a PDF. Photos other than JPEG and PNG are converted
# by the OCR preflight; the bytes decide in the end, not this name.
_ANALYSABLE = {
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "heic", "heif", "webp", "tiff", "tif", "bmp", "gif"), False
    ),
    "pdf": True,
}
NOT_RECORDED = Text(
    ko="봇의 데이터베이스가 응답하지 않아 이 파일을 접수하지 못했습니다. "
    "잠시 후 파일을 다시 올려 주시고, 계속되면 관리자에게 알려 주세요.",
    en="The bot's database did not answer, so this file was not taken in. Please upload it "
    "again in a moment, and tell an admin if it keeps happening.",
)


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


class UploadIntake:
    """Takes uploads in from Slack's events and the kind prompt's buttons."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        store: Store,
        downloader: SlackFileDownloader,
        runner: JobRunner[ClaimedJob],
        performer: UploadJobPerformer,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._store = store
        self._downloader = downloader
        self._runner = runner
        self._performer = performer
        self._settings = settings
        self._clock = clock
        self._lang = settings.language

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
            log.warning("file_shared %s: files.info failed: %s", file_id, describe(error))
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
        await self._runner.perform_now(job_id)

    async def _receive(self, upload: Upload, file: dict[str, Any]) -> None:
        try:
            slack_file = await self._downloader.resolve(file)  # Slack Connect sends a stub
        except BotError as error:
            # No job exists yet, so no duplicate can have answered: say it here.
            await self._tell(upload, failure(explain(error), self._lang, file_name=None))
            return
        filetype = slack_file.filetype.lower()
        if filetype == "csv" and _BULK_WORD.search(upload.text):
            await self._record(upload, slack_file, BULK)
            return
        if filetype not in _ANALYSABLE:
            if upload.addressed and await self._record_unread(upload, slack_file.id):
                await reply(
                    self._client,
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
        """Record the upload as a job, then perform it, or ask what it is when `kind` is None."""
        job = _job(upload, slack_file.id, kind)

        async def record(holder: JobHolder | None) -> ClaimedJob | None:
            return await self._store.enqueue_upload(job, now=self._clock(), holder=holder)

        async def perform(claimed: ClaimedJob) -> None:
            await self._performer.perform(claimed, slack_file)  # saves a files.info call

        try:
            if kind is None:
                recorded = await record(None)
            else:
                recorded = await self._runner.record_and_perform(record, perform)
        except Exception:
            # Nothing was recorded, so nothing would ever answer: say so now. A later
            # delivery or upload of the file is then taken in afresh.
            log.exception(
                "Upload of file %s could not be recorded; the uploader is told", slack_file.id
            )
            await self._tell(upload, failure(NOT_RECORDED, self._lang, file_name=None))
            return
        if recorded is None:
            log.debug("File %s already recorded; duplicate delivery ignored", slack_file.id)
        elif kind is None:
            prompt = kind_prompt(recorded.id, slack_file.name, self._lang)
            await reply(self._client, upload.channel_id, upload.thread_ts, prompt)

    async def _record_unread(self, upload: Upload, file_id: str) -> bool:
        """Record a file the bot will not read, so that later deliveries are passed over.

        True for the first delivery only.
        """
        recorded = await self._store.enqueue_upload(_job(upload, file_id, None), now=self._clock())
        if recorded is None:
            return False
        await self._store.cancel_job(recorded.id, now=self._clock())
        return True

    async def _tell(self, upload: Upload, message: Message) -> None:
        """A failure before any job exists: said in the thread, flagged on the upload."""
        await reply(self._client, upload.channel_id, upload.thread_ts, message)
        await react(self._client, upload.channel_id, upload.message_ts, add=FAILED)


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
