"""Shared values for the store tests."""

from datetime import UTC, datetime, timedelta

from bot.store import UploadJob

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def upload(file_id: str, *, kind: str | None = "business", team_id: str = "T1") -> UploadJob:
    return UploadJob(
        team_id=team_id,
        file_id=file_id,
        channel_id="C1",
        user_id="U1",
        message_ts="1772442000.000100",
        thread_ts="1772442000.000100",
        channel_type="channel",
        kind=kind,
    )
