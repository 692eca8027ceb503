"""The one answer to an upload job, through crashes.

The store notes when the holder begins to post the answer, and the answer carries the
job in its message metadata. A later run of a job whose answer was begun (its holder
died) looks in the thread first and answers only if the answer is not there.
"""

import asyncio
import itertools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import Message
from bot.config import Settings
from bot.services.job_runner import retry_delay
from bot.slack.failures import SLACK_FAILURES, describe, is_retryable, retry_after_s
from bot.slack.threads import find_reply, react, reply
from bot.store import ClaimedJob, Store

log = logging.getLogger(__name__)

# Reactions on the uploader's message: progress hints only.
WORKING, DONE, FAILED = "hourglass_flowing_sand", "white_check_mark", "warning"
# The message metadata of every answer (Slack's `event_type`), with the job in its payload.
ANSWER_EVENT = "ocrbot_upload_answer"


def answer_metadata(job: ClaimedJob) -> dict[str, Any]:
    """Slack message metadata naming the job an answer is for: ids only, no content."""
    return {"event_type": ANSWER_EVENT, "event_payload": {"job_id": job.id, "file_id": job.file_id}}


class Answers:
    """Posts in a job's thread, and finds out whether an earlier run's answer got in."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        store: Store,
        settings: Settings,
        clock: Callable[[], datetime],
        worker_id: str,
    ) -> None:
        self._client = client
        self._store = store
        self._settings = settings
        self._clock = clock
        self._worker_id = worker_id

    async def begin(self, job: ClaimedJob) -> bool:
        """Note in the store that the answer is about to be posted; False when another
        worker took the job over meanwhile (this process was too slow to renew its lease),
        which then answers itself: a second answer would only confuse."""
        if await self._store.begin_answer(
            job.id, self._worker_id, now=self._clock(), lease=self._settings.job_lease
        ):
            return True
        log.warning("Upload job %s was taken over while it ran; the other answers", job.id)
        return False

    async def post_answer(self, job: ClaimedJob, message: Message, *, private: bool) -> None:
        """Post the answer, with the job in its metadata; raises when it did not get through.

        A refusal that passes (rate limits, Slack's outages) is tried again here, while
        the lease is kept: the analysis lives only in this process, and another process
        would have to pay NHN for the same file again.
        """
        for attempt in itertools.count(1):
            try:
                await self.post(job, message, private=private, metadata=answer_metadata(job))
                return
            except SLACK_FAILURES as error:
                # A post whose reply was lost (a timeout, a cut connection) may be in.
                if not private and await self.find(job):
                    return
                if not is_retryable(error) or attempt >= self._settings.job_max_attempts:
                    raise
                delay = retry_delay(
                    attempt,
                    poll_interval=self._settings.job_poll_interval,
                    retry_after_s=retry_after_s(error),
                )
                log.warning(
                    "Upload job %s: Slack refused the answer (%s); trying again in %.1f s",
                    job.id,
                    describe(error),
                    delay.total_seconds(),
                )
                await asyncio.sleep(delay.total_seconds())

    async def post(
        self,
        job: ClaimedJob,
        message: Message,
        *,
        private: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """In the job's thread, or to the uploader alone; `metadata` goes with a thread
        message only (Slack keeps none for an ephemeral one). Raises SLACK_FAILURES."""
        if private:
            await self._client.chat_postEphemeral(
                channel=job.channel_id,
                user=job.user_id,
                thread_ts=job.thread_ts,
                **message.as_kwargs(),
            )
        else:
            await reply(self._client, job.channel_id, job.thread_ts, message, metadata=metadata)

    async def react(
        self, job: ClaimedJob, *, add: str | None = None, remove: str | None = None
    ) -> None:
        """Swap reactions on the uploader's message; never raises."""
        await react(self._client, job.channel_id, job.message_ts, add=add, remove=remove)

    async def answered_before(self, job: ClaimedJob, *, private: bool) -> bool:
        """Whether an earlier run of this job, which began to post its answer and then died,
        got it in: if so the job is recorded done and nothing is analysed or posted again.

        An answer in the thread is looked for by the job in its metadata. An answer to the
        uploader alone (`private`: Slack keeps no ephemeral message) and a thread Slack
        cannot show now cannot be searched: then the earlier start is taken as an answer,
        since the death most likely came after the post, and a guess the other way would
        pay NHN again and could show the answer twice.
        """
        found = None if private else await self.find(job)
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
            await self.react(job, remove=WORKING, add=DONE)
        return True

    async def find(self, job: ClaimedJob) -> str | Literal[False] | None:
        """The ts of the job's answer in its thread; False when the thread holds none, None
        when Slack could not tell."""
        return await find_reply(
            self._client, job.channel_id, job.thread_ts, lambda message: _answers(message, job)
        )


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
