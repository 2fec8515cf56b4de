"""Database URLs, async engines and the two kinds of transaction we run.

`--db` takes `sqlite:///path`, a bare path or `postgresql://user@host/db`; the
async driver (aiosqlite / asyncpg) is chosen here. SQLite runs in WAL mode with
synchronous=FULL (durable commits) and writes take the lock up front
(BEGIN IMMEDIATE) so concurrent writers queue instead of failing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from botimpay.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(raw: str) -> str:
    """Maps the accepted spellings onto SQLAlchemy async URLs."""
    text = raw.strip()
    if not text:
        raise ConfigError("database URL is empty")
    if "://" not in text:
        return f"sqlite+aiosqlite:///{Path(text).expanduser().resolve()}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {text!r}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            database = str(Path(database).expanduser().resolve())
        return url.set(drivername="sqlite+aiosqlite", database=database).render_as_string(
            hide_password=False
        )
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and console output."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True, slots=True)
class Database:
    """An engine plus the knowledge of which dialect it speaks."""

    engine: AsyncEngine
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed on success, rolled back on any error."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.begin()
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (deferred, so readers never wait on writers)."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.exec_driver_sql("BEGIN")
            else:
                await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are started explicitly by Database.read()/write().
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Suppress pysqlite's implicit BEGIN; ours was already issued.
        return None


def open_database(raw_url: str, *, pool_size: int = 10) -> Database:
    url = normalize_url(raw_url)
    if url.startswith("sqlite"):
        database_path = make_url(url).database
        if database_path and database_path != ":memory:":
            Path(database_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
        _configure_sqlite(engine)
    else:
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
    return Database(engine=engine, url=url)
