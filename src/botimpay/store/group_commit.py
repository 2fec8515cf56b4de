"""Group commit for SQLite: concurrent write transactions share one durable COMMIT.

SQLite allows one writer at a time and, with synchronous=FULL, fsyncs on every
COMMIT. Giving every request its own connection and its own COMMIT makes
writers fight over the lock with SQLite's sleeping busy handler, which at 64
connections turns a 0.3 ms commit into seconds of tail latency.

Instead each process keeps one write connection. Write units run on it one at a
time, each inside its own SAVEPOINT, and share the open transaction: it commits
when no other unit is waiting (or the batch is full), and only then is any unit
told it succeeded. A unit that fails rolls back to its savepoint alone, so one
request's error never touches another's work. Durability is unchanged — nobody
is answered before the fsync — but one fsync now covers a whole batch.

Between processes (several `serve` workers, the notification worker) the write
lock is taken with a blocking flock on `<db>-writer.lock` before BEGIN
IMMEDIATE, so a waiting process is woken the moment the lock is free instead of
polling. Anything else writing the file (the CLI) still meets SQLite's own lock.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.engine import Engine

from botimpay.store.connection import LoopConnection
from botimpay.store.sqlite_compiled import StatementCache

MAX_BATCH = 32

T = TypeVar("T")


async def _uncancellable(step: Awaitable[T]) -> T:
    """Runs `step` to its end even if the caller is cancelled meanwhile.

    A COMMIT or a flock that finishes in its thread after we stopped waiting
    would otherwise be reported as failed (or leave the lock held forever).
    The cancellation is delivered once the step is over.
    """
    task = asyncio.ensure_future(step)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                raise
            cancelled = True
            continue
        if cancelled:
            raise asyncio.CancelledError
        return result


@dataclass
class _Batch:
    committed: asyncio.Future[None]
    units: int = 0


class GroupCommitWriter:
    """The process's single SQLite write connection and its current batch."""

    def __init__(
        self,
        engine: Engine,
        lock_path: str,
        max_batch: int = MAX_BATCH,
        *,
        statements: StatementCache | None = None,
    ) -> None:
        self._engine = engine
        self._statements = statements if statements is not None else StatementCache()
        self._lock_path = lock_path
        self._max_batch = max_batch
        self._conn: LoopConnection | None = None
        self._lock_fd: int | None = None
        self._mutex = asyncio.Lock()
        self._waiting = 0
        self._batch: _Batch | None = None
        self._owner: asyncio.Task[object] | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self.commits = 0
        self.units = 0

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[LoopConnection]:
        """One write transaction as seen by its caller: all or nothing, durable on return."""
        me = asyncio.current_task()
        if self._mutex.locked() and self._owner is me:
            raise RuntimeError("a write transaction cannot be opened inside another one")
        self._waiting += 1
        try:
            await self._mutex.acquire()
        except asyncio.CancelledError:
            self._waiting -= 1
            self._flush_if_abandoned()
            raise
        self._waiting -= 1
        self._owner = me
        committed: asyncio.Future[None] | None = None
        try:
            batch = await self._open_batch()
            conn = self._conn
            assert conn is not None
            batch.units += 1
            conn.driver().execute("SAVEPOINT unit")
            try:
                yield conn
            except BaseException:
                await self._undo_unit(conn)
                raise
            conn.driver().execute("RELEASE unit")
            committed = batch.committed
        finally:
            try:
                if self._commit_due():
                    await self._commit()
            finally:
                self._owner = None
                self._mutex.release()
        assert committed is not None
        await asyncio.shield(committed)

    def _flush_if_abandoned(self) -> None:
        """A waiter was cancelled: if it was the one the open batch was left for, commit it.

        The unit before it skipped its COMMIT because this waiter was queued; with
        nobody else queued and the mutex free, nobody else would ever commit."""
        if self._batch is not None and self._waiting == 0 and not self._mutex.locked():
            task = asyncio.ensure_future(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        async with self._mutex:
            if self._commit_due():
                await self._commit()

    def _commit_due(self) -> bool:
        """An open batch commits once nobody is queued to join it, or once it is full."""
        return self._batch is not None and (
            self._waiting == 0 or self._batch.units >= self._max_batch
        )

    async def close(self) -> None:
        async with self._mutex:
            if self._batch is not None:
                await self._commit()
            if self._conn is not None:
                self._conn.sync.close()
                self._conn = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    # --- batch lifecycle (called with the mutex held) ------------------------

    async def _open_batch(self) -> _Batch:
        if self._batch is not None:
            return self._batch
        if self._conn is None:
            self._conn = LoopConnection(self._engine.connect(), self._statements)
        sync = self._conn.sync
        await self._take_flock()
        try:
            # In a thread: someone outside the flock (the CLI) may hold SQLite's lock.
            await _uncancellable(asyncio.to_thread(sync.exec_driver_sql, "BEGIN IMMEDIATE"))
        except asyncio.CancelledError:
            sync.rollback()
            self._release_flock()
            raise
        except BaseException:
            self._release_flock()
            raise
        self._batch = _Batch(asyncio.get_running_loop().create_future())
        return self._batch

    async def _undo_unit(self, conn: LoopConnection) -> None:
        """Rolls back one unit; if even that fails, the whole batch is lost."""
        try:
            conn.driver().execute("ROLLBACK TO unit")
            conn.driver().execute("RELEASE unit")
        except Exception as exc:
            await self._abort(exc)

    async def _commit(self) -> None:
        batch, conn = self._batch, self._conn
        assert batch is not None
        assert conn is not None
        try:
            await _uncancellable(asyncio.to_thread(conn.sync.commit))
        except asyncio.CancelledError:
            self._committed(batch)  # the COMMIT itself finished
            raise
        except Exception as exc:
            await self._abort(exc)
            return
        self._committed(batch)

    def _committed(self, batch: _Batch) -> None:
        self._batch = None
        self._release_flock()
        self.commits += 1
        self.units += batch.units
        batch.committed.set_result(None)

    async def _abort(self, exc: BaseException) -> None:
        """Fails every unit of the batch and starts over on a fresh connection."""
        batch, self._batch = self._batch, None
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.sync.rollback()
                conn.sync.invalidate()
            except Exception:  # noqa: S110 (the connection is being thrown away)
                pass
        if batch is not None:
            self._release_flock()
            if not batch.committed.done():
                batch.committed.set_exception(
                    RuntimeError(f"the write transaction was lost: {exc!r}")
                )
                batch.committed.exception()  # retrieved: units that failed never await it

    # --- the cross-process lock ----------------------------------------------

    async def _take_flock(self) -> None:
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fd = self._lock_fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                await _uncancellable(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
            except asyncio.CancelledError:
                self._release_flock()  # taken after all; give it back
                raise

    def _release_flock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
