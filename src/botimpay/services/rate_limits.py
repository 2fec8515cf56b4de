"""The merchant rate limit's interface, and the limiter shared by every process and node.

`MerchantLimiter` is what the Authenticator spends a verified request on. Two kinds:

- `auth.RateLimiter`: a token bucket in this process (a single-process SQLite gateway);
- `SharedLimiter`: `limit` hits per merchant and fixed one-second window, counted where
  every process sees them (store/rate_limit_repo.py). `shared_limiter` picks it: Redis
  when the operator gave a Redis URL, else the database on PostgreSQL, else a SQLite
  side file when `serve --workers N` runs several processes.

A shared limiter fails open: when its store cannot be reached the request is allowed,
and a warning is logged at most every 10 s (the limit protects, it does not book).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from botimpay.settings import Settings
from botimpay.store import rate_limit_repo
from botimpay.store.database import redact
from botimpay.store.rate_limit_repo import WindowCounter

log = logging.getLogger("botimpay.ratelimit")

WINDOW_MS = 1000
_WARN_EVERY_S = 10.0


class MerchantLimiter(Protocol):
    """Spends one request of a key's budget; False (402 RATE_LIMIT_REJECT) past it."""

    async def spend(self, key: str) -> bool: ...

    async def close(self) -> None: ...


class SharedLimiter:
    """At most `limit` accepted requests per key and window, across every process that
    shares `counter`. A refused request counts too (it cannot buy more later in the
    window), so the `limit` first hits of a window pass and every later one is refused."""

    def __init__(self, counter: WindowCounter, limit: int, *, kind: str) -> None:
        self.counter = counter
        self.limit = limit
        self.kind = kind
        self._warned_at = float("-inf")

    async def spend(self, key: str) -> bool:
        if self.limit <= 0:
            return True
        try:
            hits = await self.counter.hit(key)
        except Exception:
            now = time.monotonic()
            if now - self._warned_at >= _WARN_EVERY_S:
                self._warned_at = now
                log.warning("rate limit store (%s) unreachable: allowing", self.kind, exc_info=True)
            return True
        return hits <= self.limit

    async def close(self) -> None:
        await self.counter.close()


def describe(settings: Settings, db_url: str) -> str:
    """Where the limit is counted, for `serve`'s banner (`db_url` normalized)."""
    if settings.rate_limit <= 0:
        return "off"
    if settings.redis_url:
        where = f"shared in Redis {redact(settings.redis_url)}"
    elif db_url.startswith("postgresql"):
        where = "shared in the database"
    elif settings.workers > 1 and rate_limit_repo.sqlite_path(db_url) is not None:
        where = "shared by this host's workers (SQLite side file)"
    else:
        where = "in this process"
    return f"{settings.rate_limit}/s per merchant, {where}"


def shared_limiter(settings: Settings, db_url: str) -> SharedLimiter | None:
    """The shared limiter these settings call for (see the module docstring); None when a
    limiter of this process suffices (SQLite, one process) or there is no limit."""
    if settings.rate_limit <= 0:
        return None
    limit = settings.rate_limit
    if settings.redis_url:
        counter = rate_limit_repo.RedisWindows(settings.redis_url, window_ms=WINDOW_MS)
        return SharedLimiter(counter, limit, kind="redis")
    if db_url.startswith("postgresql"):
        postgres = rate_limit_repo.PostgresWindows(db_url, window_ms=WINDOW_MS)
        return SharedLimiter(postgres, limit, kind="postgresql")
    path = rate_limit_repo.sqlite_path(db_url)
    if settings.workers > 1 and path is not None:
        sqlite = rate_limit_repo.SqliteWindows(path, window_ms=WINDOW_MS)
        return SharedLimiter(sqlite, limit, kind="sqlite")
    return None
