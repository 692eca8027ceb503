"""The requests from Slack already taken in, by signature, against replays."""

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.database import Database
from bot.store.engine import upsert
from bot.store.tables import seen_requests

_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")

_columns = seen_requests.c


class SeenRequests:
    """The `seen_requests` table: one row per signature, until it expires."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def remember(self, signature: str, *, expires_at: datetime) -> bool:
        """Record a signature (64 hex digits); False when it was already recorded."""
        if not _HEX_SIGNATURE.fullmatch(signature):
            raise ValueError("a request signature is 64 lowercase hex digits")
        statement = (
            upsert(self._database, seen_requests)
            .values(signature=signature, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[_columns.signature])
            .returning(_columns.signature)
        )

        def remember(connection: Connection) -> bool:
            return connection.execute(statement).first() is not None

        return await self._database.transaction(remember)

    async def forget_expired(self, *, now: datetime) -> int:
        """Delete the signatures that expired before `now`; how many."""

        def forget(connection: Connection) -> int:
            deleted = connection.execute(sa.delete(seen_requests).where(_columns.expires_at < now))
            return deleted.rowcount

        return await self._database.transaction(forget)
