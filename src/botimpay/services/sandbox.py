"""Sandbox time travel: business time moves forward for every worker process.

The offset lives in the database, so each process picks it up (the app
refreshes it every second); the real clock never moves.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from botimpay.clock import Clock
from botimpay.store.database import Database
from botimpay.store.tables import gateway_settings

CLOCK_OFFSET = "clock_offset_ms"
MAX_ADVANCE_S = 366 * 24 * 3600


class SandboxClock:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def refresh(self) -> int:
        async with self.db.read() as conn:
            value = await conn.scalar(
                select(gateway_settings.c.value).where(gateway_settings.c.name == CLOCK_OFFSET)
            )
        self.clock.offset_ms = int(value) if value is not None else 0
        return self.clock.offset_ms

    async def advance(self, seconds: int) -> int:
        """Moves business time forward by `seconds`; returns the new offset in ms."""
        if not 0 < seconds <= MAX_ADVANCE_S:
            raise ValueError(f"seconds must be between 1 and {MAX_ADVANCE_S}")
        async with self.db.write() as conn:
            value = await conn.scalar(
                select(gateway_settings.c.value).where(gateway_settings.c.name == CLOCK_OFFSET)
            )
            offset = (int(value) if value is not None else 0) + seconds * 1000
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            await conn.execute(
                dialect_insert(gateway_settings)
                .values(name=CLOCK_OFFSET, value=str(offset))
                .on_conflict_do_nothing(index_elements=["name"])
            )
            await conn.execute(
                update(gateway_settings)
                .where(gateway_settings.c.name == CLOCK_OFFSET)
                .values(value=str(offset))
            )
        self.clock.offset_ms = offset
        return offset
