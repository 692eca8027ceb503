"""The requests from Slack already taken in, by signature, against replays."""

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import upsert
from bot.store.tables import seen_requests

_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")

_columns = seen_requests.c


class SeenRequests:
    """The `seen_requests` table: one row per signature, until it expires."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def remember(self, signature: str, *, expires_at: datetime) -> bool:
        """Record a signature (64 hex digits); False when it was already recorded."""
        if not _HEX_SIGNATURE.fullmatch(signature):
            raise ValueError("a request signature is 64 lowercase hex digits")
        statement = (
            upsert(self._engine, seen_requests)
            .values(signature=signature, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[_columns.signature])
            .returning(_columns.signature)
        )
        async with self._engine.begin() as connection:
            return (await connection.execute(statement)).first() is not None

    async def forget_expired(self, *, now: datetime) -> int:
        """Delete the signatures that expired before `now`; how many."""
        async with self._engine.begin() as connection:
            deleted = await connection.execute(
                sa.delete(seen_requests).where(_columns.expires_at < now)
            )
        return deleted.rowcount
