"""What the store keeps about uploads: the job a file becomes, and its states."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class JobState(StrEnum):
    WAITING = "waiting"  # the user has not picked the document kind yet; not claimable
    PENDING = "pending"  # ready to run once `not_before` has passed
    RUNNING = "running"  # claimed by `worker_id` until `lease_until`
    DONE = "done"
    CANCELLED = "cancelled"  # the user chose not to have the file read
    FAILED = "failed"  # gave up after the last attempt


@dataclass(frozen=True, slots=True)
class UploadJob:
    """One uploaded file to analyse.

    Only Slack ids and the kind are kept: message text and file names can hold
    card numbers, so they never reach the database.
    """

    team_id: str
    file_id: str
    channel_id: str
    user_id: str
    message_ts: str  # the upload message, where progress reactions go
    thread_ts: str  # the thread the bot answers in (the upload's own, or its parent's)
    channel_type: str | None  # "channel" (public), "group", "im", "mpim"; None if unknown
    kind: str | None  # "business", "card", or None to ask the user


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """An upload job as recorded, with its progress."""

    id: int
    team_id: str
    file_id: str
    channel_id: str
    user_id: str
    message_ts: str
    thread_ts: str
    channel_type: str | None
    kind: str | None
    state: JobState
    attempts: int
    worker_id: str | None
    lease_until: datetime | None
    not_before: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    answering_at: datetime | None  # an earlier run began to post the answer at this time


@dataclass(frozen=True, slots=True)
class JobHolder:
    """The worker a job is claimed for, and how long its lease lasts from the claim."""

    worker_id: str
    lease: timedelta
