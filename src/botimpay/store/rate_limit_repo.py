"""Shared rate-limit counters: hits per (merchant, fixed window) kept where every process
sees them: PostgreSQL, a SQLite side file (the workers of one host), or Redis.

Each `hit(key)` adds one hit to the key's current window and returns the window's hits
so far, this one included, in one round trip. Windows are `window_ms` long and aligned
to the epoch: on PostgreSQL the database server's clock picks the window (one clock for
every node), on SQLite and Redis the local clock does. Old windows are removed by the
first hit of a key's next window (PostgreSQL, SQLite) or expire (Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from typing import Any, Protocol

from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable

from botimpay.store.tables import rate_limit_windows

SQLITE_SUFFIX = "-ratelimit"  # the SQLite side file: <db>-ratelimit
_BUSY_TIMEOUT_S = 5.0


class WindowCounter(Protocol):
    """Counts hits per key and fixed window, shared by every process that opens it."""

    async def hit(self, key: str) -> int: ...

    async def close(self) -> None: ...


# One statement, one round trip: the upsert counts the hit and returns the window's hits;
# the first hit of a window also deletes the key's older windows.
_PG_HIT = """
WITH hit AS (
    INSERT INTO rate_limit_windows AS w (partner_id, window_start, hits)
    VALUES (
        $1,
        floor(extract(epoch FROM clock_timestamp()) * 1000 / $2::bigint)::bigint * $2::bigint,
        1
    )
    ON CONFLICT (partner_id, window_start) DO UPDATE SET hits = w.hits + 1
    RETURNING w.hits, w.window_start
), gone AS (
    DELETE FROM rate_limit_windows AS old USING hit
    WHERE hit.hits = 1 AND old.partner_id = $1 AND old.window_start < hit.window_start
)
SELECT hits FROM hit
"""


async def _keep_session(_conn: Any) -> None:
    """The pool's release hook, in place of its default reset (`RESET ALL`, `UNLISTEN *`
    and friends: a round trip per hit) that would undo nothing a hit did. asyncpg still
    rolls back a transaction left open before calling it."""


class PostgresWindows:
    """Windows in the `rate_limit_windows` table, on a small asyncpg pool of its own
    (autocommit, statements prepared once per connection, no checkout ping, and no
    reset query on release: a hit changes no session state)."""

    def __init__(self, url: str, *, window_ms: int, max_connections: int = 4) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.window_ms = window_ms
        self.max_connections = max_connections
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _connections(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    import asyncpg  # type: ignore[import-untyped]

                    self._pool = await asyncpg.create_pool(
                        self.dsn,
                        min_size=1,
                        max_size=self.max_connections,
                        # a counter need not survive a crash: never wait for a WAL flush
                        server_settings={"synchronous_commit": "off"},
                        reset=_keep_session,
                    )
        return self._pool

    async def hit(self, key: str) -> int:
        pool = await self._connections()
        hits = await pool.fetchval(_PG_HIT, key, self.window_ms)
        return int(hits)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


_SQLITE_HIT = (
    "INSERT INTO rate_limit_windows (partner_id, window_start, hits) VALUES (?, ?, 1) "
    "ON CONFLICT (partner_id, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits"
)
_SQLITE_PRUNE = "DELETE FROM rate_limit_windows WHERE partner_id = ? AND window_start < ?"


class SqliteWindows:
    """Windows in a SQLite file beside the database (`<db>-ratelimit`), shared by the
    worker processes of one host. Each hit is one autocommit upsert, never fsynced (a
    counter need not survive a crash), in a file of its own so it never waits for the
    main file's write lock. It runs on the event loop: it holds the file's lock for
    microseconds, and the workers rarely meet there."""

    def __init__(self, main_path: str, *, window_ms: int) -> None:
        self.path = f"{main_path}{SQLITE_SUFFIX}"
        self.window_ms = window_ms
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            create = CreateTable(rate_limit_windows, if_not_exists=True)
            conn.execute(str(create.compile(dialect=sqlite_dialect())))
            self._conn = conn
        return self._conn

    async def hit(self, key: str) -> int:
        conn = self._connection()
        window = time.time_ns() // 1_000_000 // self.window_ms * self.window_ms
        hits = int(conn.execute(_SQLITE_HIT, (key, window)).fetchall()[0][0])
        if hits == 1:
            conn.execute(_SQLITE_PRUNE, (key, window))
        return hits

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class RedisWindows:
    """Windows as Redis keys `botimpay:rate:<key>:<window>`: INCR and PEXPIRE in one
    MULTI (one round trip); a key expires two windows after it was last hit. The `redis`
    package is imported only here, when an operator configured a Redis URL."""

    def __init__(self, url: str, *, window_ms: int, prefix: str = "botimpay:rate:") -> None:
        import redis.asyncio

        self.client: Any = redis.asyncio.Redis.from_url(url)
        self.window_ms = window_ms
        self.prefix = prefix

    async def hit(self, key: str) -> int:
        window = time.time_ns() // 1_000_000 // self.window_ms
        name = f"{self.prefix}{key}:{window}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.pexpire(name, 2 * self.window_ms)
            hits, _ = await pipe.execute()
        return int(hits)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()


def sqlite_path(url: str) -> str | None:
    """The main SQLite file of a normalized SQLite URL; None for an in-memory database."""
    database = make_url(url).database
    return database if database and database != ":memory:" else None
