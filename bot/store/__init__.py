"""Durable state on SQLite (default) or PostgreSQL: upload jobs and notification cooldowns."""

from bot.store.engine import normalize_database_url
from bot.store.migrate import upgrade
from bot.store.models import ClaimedJob, JobHolder, JobState, UploadJob
from bot.store.store import Store

__all__ = [
    "ClaimedJob",
    "JobHolder",
    "JobState",
    "Store",
    "UploadJob",
    "normalize_database_url",
    "upgrade",
]
