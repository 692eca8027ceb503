"""Call slots shared by every process on one PostgreSQL database.

Several bot processes behind a load balancer share one NHN (or NTS) budget. Each call
takes the next free slot of its upstream in one atomic statement, on the database's
clock, so the processes together keep to the rate one process would.
"""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.database import Database
from bot.store.engine import upsert
from bot.store.tables import rate_slots

_columns = rate_slots.c
_NOW = sa.func.extract("epoch", sa.func.clock_timestamp())


class RateSlots:
    """The `rate_slots` table (PostgreSQL only: SQLite serves one process)."""

    def __init__(self, database: Database) -> None:
        if database.dialect.name != "postgresql":
            raise ValueError("shared rate slots need PostgreSQL")
        self._database = database

    async def take(self, name: str, interval_s: float) -> float:
        """Take the next free slot of `name`, `interval_s` after the last one taken; return
        how many seconds from now it comes (0 when it is free now)."""
        interval = sa.literal(interval_s, sa.Float)
        insert = upsert(self._database, rate_slots).values(name=name, next_at=_NOW + interval)
        taken = insert.on_conflict_do_update(
            index_elements=[_columns.name],
            set_={"next_at": sa.func.greatest(_columns.next_at, _NOW) + interval},
        ).returning(_columns.next_at - interval - _NOW)

        def take(connection: Connection) -> float:
            return float(connection.execute(taken).scalar_one())

        return max(await self._database.transaction(take), 0.0)
