"""Database URLs, engines and the two kinds of transaction we run.

`--db` takes `sqlite:///path`, a bare path or `postgresql://user@host/db`; the
driver is chosen here. PostgreSQL runs on asyncpg through SQLAlchemy's async
engine, its per-request single reads (`first_row`) on raw asyncpg connections
(pg_compiled.py). SQLite runs in WAL mode with synchronous=FULL (durable commits) on the
stdlib driver, its statements on the event loop (connection.py) and its writes
through one connection per process with group commit (group_commit.py).

The request log has a database of its own on SQLite (`Database.request_log`): a file
beside the main one, so its batches never take the main file's write lock.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, create_engine, event, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateIndex, CreateTable

from botimpay.errors import ConfigError
from botimpay.store import request_log_repo
from botimpay.store.conflicts import DuplicateKey
from botimpay.store.connection import Connection, LoopConnection
from botimpay.store.driver_errors import is_duplicate_key
from botimpay.store.group_commit import GroupCommitWriter
from botimpay.store.memo import Memo
from botimpay.store.pg_compiled import PgReader, connect_kwargs
from botimpay.store.pg_unit import PgStatements, PgUnitConnection
from botimpay.store.sqlite_compiled import StatementCache
from botimpay.store.tables import api_requests

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_DRIVER = "sqlite+pysqlite"
REQUEST_LOG_SUFFIX = "-requests"  # the request log's SQLite file: <db>-requests
_IDLE_READERS = 8
_PG_DEAD_CONNECTIONS_SKIPPED = 20  # at most a pool's worth, after a server restart


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
    pg_statements: PgStatements = field(default_factory=PgStatements, repr=False)
    memo: Memo = field(default_factory=Memo, repr=False)
    _request_log: Database | None = field(default=None, repr=False)
    # PostgreSQL: raw asyncpg connections for first_row (pg_compiled.py), opened on use
    _pg_reader: PgReader | None = field(default=None, repr=False)
    pg_read_connections: int = field(default=4, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite is not None

    def request_log(self) -> Database:
        """The database the request log lives in (opened on first use, disposed with
        this one): see `_open_request_log`."""
        if self._request_log is None:
            self._request_log = _open_request_log(self)
        return self._request_log

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
            async with self._pg_transaction() as (conn, unit):
                try:
                    yield unit
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
        async with self._pg_transaction() as (conn, unit):
            try:
                yield unit
            finally:
                await conn.rollback()

    @asynccontextmanager
    async def _pg_transaction(self) -> AsyncIterator[tuple[AsyncConnection, PgUnitConnection]]:
        """A pooled connection in a transaction begun now (BEGIN through the engine's
        adapter, which would have sent it before the first statement anyway), with its
        asyncpg connection for the prebuilt statements (pg_unit.py).

        There is no pre-ping: a connection found dead by its BEGIN, before the unit did
        anything, is thrown away and the next one tried, so a restarted server costs
        no request."""
        assert self.pg is not None
        for attempt in range(_PG_DEAD_CONNECTIONS_SKIPPED + 1):
            conn = await self.pg.connect().start()
            try:
                await conn.begin()
                adapter: Any = (await conn.get_raw_connection()).dbapi_connection
                if adapter._transaction is None:
                    await adapter._start_transaction()
            except Exception as exc:
                lost = self.pg.dialect.is_disconnect(exc, None, None)  # type: ignore[arg-type]
                if lost:
                    await conn.invalidate(exc)
                await conn.close()
                if lost and attempt < _PG_DEAD_CONNECTIONS_SKIPPED:
                    continue
                raise
            break
        try:
            yield conn, PgUnitConnection(conn, adapter._connection, self.pg_statements)
        finally:
            await conn.close()

    async def first_row(self, statement: Select[Any], params: dict[str, Any]) -> Any:
        """The first row of one SELECT, outside any transaction (a single statement
        reads one consistent snapshot), with its columns as attributes; None if none.

        For reads made on every request (a merchant's revision, getOrder): the statement
        is compiled once and run on a plain connection kept for these reads, without a
        transaction, the pool or a result proxy; on PostgreSQL that is one round trip
        on a raw asyncpg connection, retried once on a fresh one if the connection
        turns out dead (pg_compiled.PgReader)."""
        if self.sqlite is not None:
            statement_for_sqlite = self.statements.compiled(statement, self.sqlite.dialect, params)
            return statement_for_sqlite.first(self._lookup_connection(), params)
        return await self.pg_reader().first(statement, params)

    def pg_reader(self) -> PgReader:
        """The raw connections first_row reads on (PostgreSQL only; made on first use)."""
        if self._pg_reader is None:
            assert self.pg is not None
            dialect = self.pg.dialect
            self._pg_reader = PgReader(
                dialect,
                connect_kwargs(dialect, self.pg.url),
                max_connections=self.pg_read_connections,
            )
        return self._pg_reader

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
        if self._request_log is not None and self._request_log is not self:
            await self._request_log.dispose()
        self._request_log = None
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
        if self._pg_reader is not None:
            await self._pg_reader.close()
            self._pg_reader = None
        if self.pg is not None:
            await self.pg.dispose()


def _configure_sqlite(engine: Engine, *, durable: bool) -> None:
    # FULL: every commit survives a power cut; NORMAL (WAL): it survives a killed process
    synchronous = "FULL" if durable else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are started explicitly by Database.read()/write().
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Suppress pysqlite's implicit BEGIN; ours was already issued.
        return None


def open_database(raw_url: str, *, pool_size: int = 10, durable: bool = True) -> Database:
    """The database at `raw_url`. `durable=False` (SQLite only) lets a commit that a
    killed process made survive, but not a power cut, for one fsync less per commit."""
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
        _configure_sqlite(engine, durable=durable)
        return Database(url=url, sqlite=engine)
    # No pre-ping (a round trip per checkout): a connection found dead when used fails
    # that one unit, and SQLAlchemy invalidates it and every connection opened before it
    # (the pool's disconnect handling), so the next unit runs on a fresh one.
    pg = create_async_engine(url, pool_size=pool_size, max_overflow=0, hide_parameters=True)
    return Database(url=url, pg=pg, pg_read_connections=max(2, pool_size // 2))


def _open_request_log(db: Database) -> Database:
    """Where the request log lives. On PostgreSQL that is `db` itself. On SQLite it is a
    file of its own beside the main one (`<db>-requests`, created on first use): one
    write lock per file, so the log's batches never hold up an order's commit, and its
    pages never crowd the main file's cache. Its commits are not fsynced (a killed
    process loses nothing committed; the log already accepts losing its last batch)."""
    if db.sqlite is None:
        return db
    path = make_url(db.url).database
    if not path or path == ":memory:":
        return db
    log_db = open_database(f"{SQLITE_DRIVER}:///{path}{REQUEST_LOG_SUFFIX}", durable=False)
    assert log_db.sqlite is not None
    with log_db.sqlite.connect() as conn:  # every process may race here: one creates it
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        created = not conn.exec_driver_sql(_TABLE_EXISTS, (api_requests.name,)).first()
        conn.execute(CreateTable(api_requests, if_not_exists=True))
        for index in sorted(api_requests.indexes, key=lambda ix: str(ix.name)):
            conn.execute(CreateIndex(index, if_not_exists=True))
        moved = created and _copy_old_log(conn, path)
        conn.commit()
    if moved:  # only once the copy is committed
        with contextlib.closing(_connect_existing(path, "rw")) as main, main:
            main.execute("DELETE FROM api_requests")
    return log_db


_TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
_OLD_LOG_ROWS = str(
    select(*(api_requests.c[name] for name in request_log_repo.COLUMNS))
    .order_by(api_requests.c.id)
    .compile(dialect=sqlite_dialect())
)


def _connect_existing(path: str, mode: str) -> sqlite3.Connection:
    """A plain connection to the SQLite file at `path`, never creating it."""
    uri = f"{Path(path).as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _copy_old_log(log_conn: SyncConnection, main_path: str) -> bool:
    """Copies the calls an earlier botimpay logged in the main file's `api_requests`
    (which stays, emptied, for the schema's sake) into the new log file; whether any."""
    try:
        with contextlib.closing(_connect_existing(main_path, "ro")) as main:
            if not main.execute(_TABLE_EXISTS, (api_requests.name,)).fetchone():
                return False
            rows = main.execute(_OLD_LOG_ROWS).fetchall()
    except sqlite3.OperationalError:  # no main file yet
        return False
    if rows:
        log_conn.exec_driver_sql(request_log_repo.SQLITE_INSERT, rows)
    return bool(rows)
