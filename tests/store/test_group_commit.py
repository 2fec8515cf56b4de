"""Group commit on SQLite: shared batches, per-unit failure, durability on return,
nesting, cross-process serialisation and cancellation (store/group_commit.py)."""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import sqlite3
from collections.abc import AsyncIterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from botimpay.store.conflicts import DuplicateKey
from botimpay.store.database import Database, open_database
from botimpay.store.group_commit import GroupCommitWriter


async def _open(path: Path) -> Database:
    db = open_database(f"sqlite:///{path}")
    async with db.write() as conn:
        await conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"
        )
    return db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await _open(tmp_path / "g.db")
    try:
        yield database
    finally:
        await database.dispose()


def _writer(db: Database) -> GroupCommitWriter:
    assert db._writer is not None
    return db._writer


async def _insert(db: Database, key: str, value: int = 1) -> None:
    async with db.write() as conn:
        await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES (?, ?)", (key, value))


async def _rows(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        result = await conn.exec_driver_sql("SELECT k, v FROM t")
        return {k: v for k, v in result.all()}


async def _until_waiting(writer: GroupCommitWriter, count: int) -> None:
    """Yields to the loop until `count` units are queued on the writer."""
    for _ in range(1000):
        if writer._waiting >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"only {writer._waiting} of {count} units ever queued")


async def test_concurrent_units_share_commits(db: Database) -> None:
    writer = _writer(db)
    commits, units = writer.commits, writer.units
    await asyncio.gather(*(_insert(db, f"k{i}", i) for i in range(50)))
    assert await _rows(db) == {f"k{i}": i for i in range(50)}
    assert writer.units - units == 50
    assert writer.commits - commits < 50


async def test_failing_unit_rolls_back_alone(db: Database) -> None:
    commits = _writer(db).commits

    async def failing() -> None:
        async with db.write() as conn:
            await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('bad', 0)")
            raise ValueError("boom")

    jobs = [_insert(db, f"k{i}") for i in range(10)]
    jobs.insert(5, failing())
    results = await asyncio.gather(*jobs, return_exceptions=True)
    assert isinstance(results[5], ValueError)
    assert [r for i, r in enumerate(results) if i != 5] == [None] * 10
    assert await _rows(db) == {f"k{i}": 1 for i in range(10)}
    assert _writer(db).commits - commits == 1  # all eleven were in one batch


async def test_integrity_error_reaches_only_its_unit(db: Database) -> None:
    commits = _writer(db).commits
    keys = ["a", "b", "dup", "c", "dup", "d"]
    results = await asyncio.gather(
        *(_insert(db, key, i) for i, key in enumerate(keys)), return_exceptions=True
    )
    assert isinstance(results[4], DuplicateKey)  # the store's error, the driver's as cause
    assert isinstance(results[4].__cause__, IntegrityError)
    assert [r for i, r in enumerate(results) if i != 4] == [None] * 5
    assert await _rows(db) == {"a": 0, "b": 1, "dup": 2, "c": 3, "d": 5}
    assert _writer(db).commits - commits == 1


async def test_unit_is_committed_before_it_returns(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "g.db"

    async def insert_then_look(key: str) -> None:
        await _insert(db, key)
        # No await in between: the batch must already be committed for this unit.
        other = sqlite3.connect(path)
        try:
            row = other.execute("SELECT v FROM t WHERE k = ?", (key,)).fetchone()
        finally:
            other.close()
        assert row == (1,), f"{key} returned before its COMMIT"

    commits = _writer(db).commits
    await asyncio.gather(*(insert_then_look(f"k{i}") for i in range(20)))
    assert _writer(db).commits - commits < 20  # the units really were batched


async def test_nested_write_raises_instead_of_deadlocking(db: Database) -> None:
    async def nested() -> None:
        async with db.write() as conn:
            await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('outer', 1)")
            async with db.write():
                pass

    with pytest.raises(RuntimeError, match="inside another"):
        await asyncio.wait_for(nested(), timeout=5)
    await asyncio.wait_for(_insert(db, "after"), timeout=5)
    assert await _rows(db) == {"after": 1}


async def test_task_started_inside_a_write_may_write_after_it(db: Database) -> None:
    """Only the task holding the writer is refused a nested write, not tasks it starts."""
    started: list[asyncio.Task[None]] = []
    async with db.write() as conn:
        await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('parent', 1)")
        started.append(asyncio.create_task(_insert(db, "child")))
    await asyncio.wait_for(started[0], timeout=5)
    assert await _rows(db) == {"parent": 1, "child": 1}


def _flock_is_free(lock_path: Path) -> bool:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


async def test_batch_holds_the_cross_process_flock(db: Database, tmp_path: Path) -> None:
    lock_path = tmp_path / "g.db-writer.lock"
    async with db.write() as conn:
        await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('x', 1)")
        assert not _flock_is_free(lock_path)
    assert _flock_is_free(lock_path)


def _increment_in_process(url: str, barrier: Barrier, rounds: int) -> None:
    async def run() -> None:
        db = open_database(url)

        async def worker(n: int) -> None:
            for _ in range(n):
                async with db.write() as conn:
                    result = await conn.exec_driver_sql("SELECT v FROM t WHERE k = 'n'")
                    value = result.scalar_one()
                    await conn.exec_driver_sql("UPDATE t SET v = ? WHERE k = 'n'", (value + 1,))

        try:
            await asyncio.gather(*(worker(rounds // 4) for _ in range(4)))
        finally:
            await db.dispose()

    barrier.wait(timeout=60)
    asyncio.run(run())


async def test_two_processes_never_lose_an_update(db: Database, tmp_path: Path) -> None:
    await _insert(db, "n", 0)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    url = f"sqlite:///{tmp_path / 'g.db'}"
    procs = [ctx.Process(target=_increment_in_process, args=(url, barrier, 200)) for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        await asyncio.to_thread(proc.join, 120)
    assert [proc.exitcode for proc in procs] == [0, 0]
    assert (await _rows(db))["n"] == 400


async def test_cancelled_waiter_does_not_break_later_writes(db: Database) -> None:
    writer = _writer(db)
    inside = asyncio.Event()
    finish = asyncio.Event()

    async def holder() -> None:
        async with db.write() as conn:
            await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('a', 1)")
            inside.set()
            await finish.wait()

    first = asyncio.create_task(holder())
    await inside.wait()
    waiters = {key: asyncio.create_task(_insert(db, key)) for key in ("b", "c", "d")}
    await _until_waiting(writer, 3)
    waiters["c"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiters["c"]
    finish.set()
    await asyncio.wait_for(asyncio.gather(first, waiters["b"], waiters["d"]), timeout=5)
    await asyncio.wait_for(_insert(db, "e"), timeout=5)
    assert await _rows(db) == {"a": 1, "b": 1, "d": 1, "e": 1}


async def test_waiter_cancelled_during_handoff_leaves_no_stranded_batch(db: Database) -> None:
    loop = asyncio.get_running_loop()
    writer = _writer(db)
    inside = asyncio.Event()
    late: list[asyncio.Task[None]] = []

    async def holder() -> None:
        async with db.write() as conn:
            await conn.exec_driver_sql("INSERT INTO t (k, v) VALUES ('a', 1)")
            inside.set()
            await _until_waiting(writer, 1)
            # Runs right after unit() saw a waiter (so skipped COMMIT) and released the
            # mutex to it, and before the waiter's own wake-up.
            loop.call_soon(late[0].cancel)

    first = asyncio.create_task(holder())
    await inside.wait()
    late.append(asyncio.create_task(_insert(db, "b")))
    with pytest.raises(asyncio.CancelledError):
        await late[0]
    done, _ = await asyncio.wait({first}, timeout=2)
    try:
        assert first in done, "unit 'a' never returned: its batch was never committed"
    finally:
        await db.dispose()  # close() commits the stranded batch, releasing 'a'
        await asyncio.wait_for(first, timeout=5)
