"""Database URLs, engines and the two kinds of transaction we run.

`--db` takes `sqlite:///path`, a bare path or `postgresql://user@host/db`; the
driver is chosen here. PostgreSQL runs on asyncpg through SQLAlchemy's async
engine. SQLite runs in WAL mode with synchronous=FULL (durable commits) on the
stdlib driver, its statements on the event loop (connection.py) and its writes
through one connection per process with group commit (group_commit.py).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, event
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from botimpay.errors import ConfigError
from botimpay.store.conflicts import DuplicateKey
from botimpay.store.connection import Connection, LoopConnection
from botimpay.store.driver_errors import is_duplicate_key
from botimpay.store.group_commit import GroupCommitWriter
from botimpay.store.memo import Memo
from botimpay.store.sqlite_compiled import StatementCache

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_DRIVER = "sqlite+pysqlite"
_IDLE_READERS = 8


def normalize_url(raw: str) -> str:
    """Maps the accepted spellings onto SQLAlchemy URLs with our drivers."""
    text = raw.strip()
    if not text:
        raise ConfigError("database URL is empty")
    if "://" not in text:
        return f"{SQLITE_DRIVER}:///{Path(text).expanduser().resolve()}"
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {text!r}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            database = str(Path(database).expanduser().resolve())
        return url.set(drivername=SQLITE_DRIVER, database=database).render_as_string(
            hide_password=False
        )
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and console output."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(slots=True)
class Database:
    """One of two engines (async PostgreSQL, or SQLite on the loop) and its transactions."""

    url: str
    pg: AsyncEngine | None = None
    sqlite: Engine | None = None
    _writer: GroupCommitWriter | None = field(default=None, repr=False)
    # SQLite read connections kept open between transactions (checkout costs more than a read)
    _idle: list[SyncConnection] = field(default_factory=list, repr=False)
    _lookup: sqlite3.Connection | None = field(default=None, repr=False)
    # What this database keeps for speed, never shared with another Database in the
    # process: SQLite statements compiled once, and recent pure decodings of rows.
    statements: StatementCache = field(default_factory=StatementCache, repr=False)
    memo: Memo = field(default_factory=Memo, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite is not None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        """One write transaction: durably committed on success, rolled back on any error.

        A row whose unique key is taken raises DuplicateKey (the store's error, the
        driver's as its cause), never the driver's IntegrityError."""
        try:
            if self.sqlite is not None:
                async with self._sqlite_writer().unit() as loop_conn:
                    yield loop_conn
                return
            assert self.pg is not None
            async with self.pg.connect() as conn:
                await conn.begin()
                try:
                    yield conn
                except BaseException:
                    await conn.rollback()
                    raise
                await conn.commit()
        except (IntegrityError, sqlite3.IntegrityError) as exc:
            if is_duplicate_key(exc):
                raise DuplicateKey from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """A read-only transaction (deferred, so readers never wait on writers)."""
        if self.sqlite is not None:
            sync = self._idle.pop() if self._idle else self.sqlite.connect()
            try:
                sync.exec_driver_sql("BEGIN")
                try:
                    yield LoopConnection(sync, self.statements)
                finally:
                    sync.rollback()
            except BaseException:
                sync.close()
                raise
            if len(self._idle) < _IDLE_READERS:
                self._idle.append(sync)
            else:
                sync.close()
            return
        assert self.pg is not None
        async with self.pg.connect() as conn:
            await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()

    async def first_row(self, statement: Select[Any], params: dict[str, Any]) -> Any:
        """The first row of one SELECT, outside any transaction (a single statement
        reads one consistent snapshot), with its columns as attributes; None if none.

        For reads made on every request (a merchant's revision, getOrder): on SQLite the
        statement is compiled once and run on a plain connection kept for these reads,
        without a transaction, the pool or a result proxy."""
        if self.sqlite is not None:
            statement_for_sqlite = self.statements.compiled(statement, self.sqlite.dialect, params)
            return statement_for_sqlite.first(self._lookup_connection(), params)
        assert self.pg is not None
        async with self.pg.connect() as conn:
            return (await conn.execute(statement, params)).first()

    def _lookup_connection(self) -> sqlite3.Connection:
        if self._lookup is None:
            assert self.sqlite is not None
            self._lookup = sqlite3.connect(
                self.sqlite.url.database or ":memory:",
                isolation_level=None,
                check_same_thread=False,
            )
            self._lookup.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        return self._lookup

    def _sqlite_writer(self) -> GroupCommitWriter:
        if self._writer is None:
            assert self.sqlite is not None
            path = self.sqlite.url.database or ""
            lock = f"{path}-writer.lock" if path and path != ":memory:" else os.devnull
            self._writer = GroupCommitWriter(self.sqlite, lock, statements=self.statements)
        return self._writer

    async def dispose(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        for sync in self._idle:
            sync.close()
        self._idle.clear()
        if self._lookup is not None:
            self._lookup.close()
            self._lookup = None
        if self.sqlite is not None:
            self.sqlite.dispose()
        if self.pg is not None:
            await self.pg.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are started explicitly by Database.read()/write().
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Suppress pysqlite's implicit BEGIN; ours was already issued.
        return None


def open_database(raw_url: str, *, pool_size: int = 10) -> Database:
    url = normalize_url(raw_url)
    if url.startswith("sqlite"):
        database_path = make_url(url).database
        if database_path and database_path != ":memory:":
            Path(database_path).parent.mkdir(parents=True, exist_ok=True)
        # Used from the loop and (for BEGIN IMMEDIATE / COMMIT) from a worker thread,
        # never from two at once: check_same_thread would refuse the second.
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size * 4,
            connect_args={"check_same_thread": False},
            hide_parameters=True,  # errors name the statement, never its values (tokens)
        )
        _configure_sqlite(engine)
        return Database(url=url, sqlite=engine)
    pg = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )
    return Database(url=url, pg=pg)
