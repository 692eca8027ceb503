"""Call slots shared by every process on one PostgreSQL database.

Several bot processes behind a load balancer share one NHN (or NTS) budget. Each call
takes the next free slot of its upstream in one atomic statement, on the database's
clock, so the processes together keep to the rate one process would.
"""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import upsert
from bot.store.tables import rate_slots

_columns = rate_slots.c
_NOW = sa.func.extract("epoch", sa.func.clock_timestamp())


class RateSlots:
    """The `rate_slots` table (PostgreSQL only: SQLite serves one process)."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared rate slots need PostgreSQL")
        self._engine = engine

    async def take(self, name: str, interval_s: float) -> float:
        """Take the next free slot of `name`, `interval_s` after the last one taken; return
        how many seconds from now it comes (0 when it is free now)."""
        interval = sa.literal(interval_s, sa.Float)
        insert = upsert(self._engine, rate_slots).values(name=name, next_at=_NOW + interval)
        taken = insert.on_conflict_do_update(
            index_elements=[_columns.name],
            set_={"next_at": sa.func.greatest(_columns.next_at, _NOW) + interval},
        ).returning(_columns.next_at - interval - _NOW)
        async with self._engine.begin() as connection:
            wait = (await connection.execute(taken)).scalar_one()
        return max(float(wait), 0.0)
