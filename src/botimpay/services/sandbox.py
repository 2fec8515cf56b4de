"""Sandbox time travel: business time moves forward for every worker process.

The offset lives in the database (store/settings_repo.py), so each process picks
it up (the app refreshes it every second); the real clock never moves.
"""

from __future__ import annotations

from botimpay.clock import Clock
from botimpay.store import settings_repo
from botimpay.store.database import Database

MAX_ADVANCE_S = 366 * 24 * 3600


class SandboxClock:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def refresh(self) -> int:
        async with self.db.read() as conn:
            self.clock.offset_ms = await settings_repo.clock_offset(conn)
        return self.clock.offset_ms

    async def advance(self, seconds: int) -> int:
        """Moves business time forward by `seconds`; returns the new offset in ms."""
        if not 0 < seconds <= MAX_ADVANCE_S:
            raise ValueError(f"seconds must be between 1 and {MAX_ADVANCE_S}")
        async with self.db.write() as conn:
            offset = await settings_repo.advance_clock_offset(conn, seconds * 1000)
        self.clock.offset_ms = offset
        return offset
