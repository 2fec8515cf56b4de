"""Delivery attempts recorded in batches: one write transaction for every attempt that
finishes while the previous batch commits.

The dispatcher hands each finished attempt over and learns, after the commit,
whether it was saved (False: another dispatcher recorded that attempt first).
"""

from __future__ import annotations

import asyncio

from botimpay.store import outbox_repo
from botimpay.store.database import Database
from botimpay.store.outbox_repo import Attempt


class Recorder:
    """Records finished attempts in batches, in one write transaction per batch.

    Every attempt that finishes while a batch is being written goes into the next
    one, so N concurrent deliveries cost a few transactions (and, on PostgreSQL, a
    few commits) instead of N. Each caller still learns whether its own attempt was
    saved, only after the commit, and the rows stay leased until then.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: list[tuple[Attempt, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, attempt: Attempt) -> bool:
        """True once the attempt is committed; False if another dispatcher recorded it."""
        saved = asyncio.get_running_loop().create_future()
        saved.add_done_callback(_retrieve)  # its caller may be gone when it fails
        self._queue.append((attempt, saved))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="notify-recorder")
        return await asyncio.shield(saved)

    async def idle(self) -> None:
        """Returns when every attempt handed over so far is written (or has failed)."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        batch: list[tuple[Attempt, asyncio.Future[bool]]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    async with self.db.write() as conn:
                        saved = await outbox_repo.record_attempts(conn, [a for a, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        future.set_exception(exc)
                    continue
                for (_, future), ok in zip(batch, saved, strict=True):
                    future.set_result(ok)
        finally:
            self._writer = None
            for _, future in batch:
                if not future.done():  # cancelled mid-batch: its callers must not wait forever
                    future.set_exception(RuntimeError("the attempt was not recorded"))


def _retrieve(future: asyncio.Future[bool]) -> None:
    if not future.cancelled():
        future.exception()
