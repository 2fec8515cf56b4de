"""The shared rate-limit counters themselves: every hit of a window gets its own count,
across processes (SQLite side file), connection pools (PostgreSQL) and clients (Redis);
old windows go away; a store that cannot be reached fails open."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from botimpay.services.rate_limits import SharedLimiter
from botimpay.store import migrate
from botimpay.store.database import open_database
from botimpay.store.rate_limit_repo import PostgresWindows, RedisWindows, SqliteWindows
from tests.conftest import _fresh_database

HOUR_MS = 3_600_000
REDIS_URL = os.environ.get("BOTIMPAY_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


_HITS_IN_A_PROCESS = """
import asyncio, sys
from botimpay.store.rate_limit_repo import SqliteWindows
async def main() -> None:
    windows = SqliteWindows(sys.argv[1], window_ms=10**12)
    print(" ".join([str(await windows.hit("200000000001")) for _ in range(200)]))
    await windows.close()
asyncio.run(main())
"""


def test_sqlite_side_file_counts_every_hit_of_three_processes_once(tmp_path: Path) -> None:
    main = str(tmp_path / "botimpay.db")
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _HITS_IN_A_PROCESS, main], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    counts = [int(n) for run in runs for n in run.communicate(timeout=60)[0].split()]
    assert all(run.returncode == 0 for run in runs)
    assert sorted(counts) == list(range(1, 601))  # no hit lost, none counted twice
    assert (tmp_path / "botimpay.db-ratelimit").exists()
    assert not (tmp_path / "botimpay.db").exists()  # the main file is never touched


async def test_sqlite_side_file_keeps_only_the_current_window(tmp_path: Path) -> None:
    windows = SqliteWindows(str(tmp_path / "x.db"), window_ms=100)
    try:
        assert await windows.hit("a") >= 1
        await asyncio.sleep(0.25)
        assert await windows.hit("a") == 1
        conn = windows._connection()
        rows = conn.execute("SELECT count(*) FROM rate_limit_windows WHERE partner_id = 'a'")
        assert rows.fetchone() == (1,)
    finally:
        await windows.close()


@pytest.fixture
async def pg_url(tmp_path: Path, backend_url: str | None) -> AsyncIterator[str]:
    if not (backend_url or "").startswith("postgresql"):
        pytest.skip("PostgreSQL counter: set BOTIMPAY_TEST_DB (make test-pg)")
    databases = _fresh_database(backend_url, tmp_path)
    url = next(databases)
    db = open_database(url)
    await migrate.upgrade(db)
    await db.dispose()
    try:
        yield url
    finally:
        for _ in databases:
            pass


async def test_postgres_counts_every_hit_of_two_nodes_once(pg_url: str) -> None:
    nodes = [PostgresWindows(pg_url, window_ms=HOUR_MS * 24 * 365 * 30) for _ in range(2)]
    try:
        hits = await asyncio.gather(*(nodes[i % 2].hit("200000000002") for i in range(120)))
        assert sorted(hits) == list(range(1, 121))
        assert await nodes[0].hit("200000000003") == 1  # merchants count apart
    finally:
        for node in nodes:
            await node.close()


async def test_postgres_first_hit_of_a_window_removes_the_old_ones(pg_url: str) -> None:
    import asyncpg

    windows = PostgresWindows(pg_url, window_ms=100)
    try:
        await windows.hit("200000000004")
        await asyncio.sleep(0.25)
        assert await windows.hit("200000000004") == 1
        conn = await asyncpg.connect(windows.dsn)
        try:
            rows = await conn.fetch(
                "SELECT window_start, hits FROM rate_limit_windows WHERE partner_id = $1",
                "200000000004",
            )
        finally:
            await conn.close()
        assert [row["hits"] for row in rows] == [1]
        assert rows[0]["window_start"] % 100 == 0  # the server's clock, aligned
    finally:
        await windows.close()


async def test_redis_counts_every_hit_of_two_clients_once() -> None:
    if not _redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    key = "2" + uuid.uuid4().hex[:11]
    clients = [RedisWindows(REDIS_URL, window_ms=HOUR_MS * 24 * 365 * 30) for _ in range(2)]
    try:
        hits = await asyncio.gather(*(clients[i % 2].hit(key) for i in range(100)))
        assert sorted(hits) == list(range(1, 101))
        window = time.time_ns() // 1_000_000 // clients[0].window_ms
        ttl = await clients[0].client.pttl(f"botimpay:rate:{key}:{window}")
        assert 0 < ttl <= 2 * clients[0].window_ms  # the key expires by itself
    finally:
        for client in clients:
            await client.close()


class _Down:
    async def hit(self, key: str) -> int:
        raise ConnectionError("store down")

    async def close(self) -> None:
        pass


class _Counting:
    def __init__(self) -> None:
        self.hits = 0

    async def hit(self, key: str) -> int:
        self.hits += 1
        return self.hits

    async def close(self) -> None:
        pass


async def test_shared_limiter_passes_the_first_limit_hits_and_fails_open() -> None:
    limiter = SharedLimiter(_Counting(), 3, kind="test")
    assert [await limiter.spend("p") for _ in range(5)] == [True, True, True, False, False]
    assert await SharedLimiter(_Down(), 3, kind="test").spend("p") is True
    assert await SharedLimiter(_Counting(), 0, kind="test").spend("p") is True
