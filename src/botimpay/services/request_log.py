"""The request log's writer: calls are queued in memory and written in batches.

`record` never waits and never fails; a background task writes what is queued
every `flush_ms` (sooner when a batch fills) in one transaction of the log's own
database (`Database.request_log`), logs each call as one info line, and prunes
old rows now and then. A kill -9 loses at most the
calls of the last flush interval. If the database refuses a batch, the batch is
kept and tried again; past `max_queued` calls the oldest are dropped and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from botimpay.clock import Clock
from botimpay.domain.request_log import RequestRecord
from botimpay.store import request_log_repo
from botimpay.store.database import Database

log = logging.getLogger("botimpay.api")
_writer_log = logging.getLogger("botimpay.request_log")

DAY_MS = 24 * 3600 * 1000
_GIVE_UP_AFTER = 5


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of the log is kept: newest rows per merchant, and/or days of business time."""

    max_rows_per_merchant: int = 100_000  # 0: no row limit
    days: int = 0  # 0: no age limit
    every_ms: int = 60_000  # how often pruning runs


def log_line(record: RequestRecord) -> str:
    """The server log's one line for a call (no bodies, no signatures, no tokens)."""
    partner = record.partner_id or f"unknown:{record.claimed_partner_id or '-'}"
    code = f"{record.code} {record.msg}" if record.code is not None else "no answer"
    line = (
        f"{record.operation} partner={partner} order={record.order_ref()} code={code}"
        f" latency={record.latency_us / 1000:.1f}ms trace={record.trace_code}"
    )
    if record.fault:
        line += f" fault={record.fault!r}"
    if record.detail:
        line += f" detail={record.detail!r}"
    return line


class RequestLog:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        flush_ms: int = 200,
        batch: int = 1_000,
        max_queued: int = 200_000,
        retention: Retention | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.flush_ms = flush_ms
        self.batch = batch
        self.max_queued = max_queued
        self.retention = retention or Retention()
        self.dropped = 0
        # rows as plain tuples (RequestRecord without record_id): the collector stops
        # tracking a tuple of str/int/None after its first pass, so thousands of queued
        # calls cost the garbage collector nothing (a NamedTuple is tracked for good)
        self._queue: list[tuple[object, ...]] = []
        self._wake = asyncio.Event()
        self._last_prune = 0
        self._failures = 0

    def record(self, entry: RequestRecord) -> None:
        """Queues one call; never blocks, never raises."""
        queue = self._queue
        queue.append(entry[:-1])
        if len(queue) > self.max_queued:
            excess = len(queue) - self.max_queued
            del queue[:excess]
            self.dropped += excess
        if len(queue) >= self.batch:
            self._wake.set()

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def flush(self) -> int:
        """Writes everything queued now; how many calls were written."""
        written = 0
        while self._queue:
            chunk = self._queue[: self.batch]
            try:
                async with self.db.request_log().write() as conn:
                    await request_log_repo.insert_rows(conn, chunk)
            except Exception:
                self._failures += 1
                if self._failures < _GIVE_UP_AFTER:
                    raise
                # the same batch failed again and again: drop it, keep logging the rest
                _writer_log.exception("dropping %d logged calls the database refuses", len(chunk))
                self.dropped += len(chunk)
            self._failures = 0
            del self._queue[: len(chunk)]
            written += len(chunk)
            if log.isEnabledFor(logging.INFO):
                for row in chunk:
                    log.info("%s", log_line(RequestRecord._make((*row, None))))
        return written

    async def prune(self) -> int:
        """Applies the retention now; how many rows were deleted."""
        deleted = 0
        retention = self.retention
        if retention.max_rows_per_merchant > 0:
            async with self.db.request_log().write() as conn:
                deleted += await request_log_repo.prune_rows_over(
                    conn, retention.max_rows_per_merchant
                )
        if retention.days > 0:
            cutoff = self.clock.now_ms() - retention.days * DAY_MS
            async with self.db.request_log().write() as conn:
                deleted += await request_log_repo.prune_older_than(conn, cutoff)
        return deleted

    async def _run(self, prune: bool) -> None:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_ms / 1000)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                _writer_log.exception("could not write %d logged calls; retrying", self.queued)
                await asyncio.sleep(self.flush_ms / 1000)
            now = self.clock.real_ms()
            if prune and now - self._last_prune >= self.retention.every_ms:
                self._last_prune = now
                try:
                    deleted = await self.prune()
                    if deleted:
                        _writer_log.info("request log: %d old calls pruned", deleted)
                except Exception:
                    _writer_log.exception("request log pruning failed; retrying later")

    @contextlib.asynccontextmanager
    async def running(self, *, prune: bool = True) -> AsyncIterator[RequestLog]:
        """Runs the writer (and, with `prune`, the retention) until the block ends,
        then writes what is still queued."""
        self._last_prune = self.clock.real_ms()
        task = asyncio.create_task(self._run(prune), name="request-log")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            try:
                await self.flush()
            except Exception:
                _writer_log.exception("could not write %d logged calls at shutdown", self.queued)
