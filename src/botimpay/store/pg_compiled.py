"""SQLAlchemy SELECTs compiled for PostgreSQL once, run straight on asyncpg connections.

The PostgreSQL side of sqlite_compiled.py, for `Database.first_row`: the reads every
API request makes (a merchant's revision, getOrder). Through the SQLAlchemy engine
such a read cost a pool checkout with a ping, BEGIN, the SELECT and ROLLBACK (four
round trips) and the engine's whole execution path. Here a prebuilt SELECT is compiled
once with the engine's asyncpg dialect ($1..$n, parameters in `positiontup` order)
and run as one autocommit statement (one statement reads one snapshot) on a raw
asyncpg connection, which prepares it once and keeps it in its statement cache.

The type processors the dialect would apply are applied here too (the hot statements'
columns — text, integers, booleans — need none: asyncpg's values are SQLAlchemy's).
JSON codecs the dialect installs on its own connections are not: select JSON as text.

`PgReader` keeps a few such connections, without asyncpg's pool (which runs a reset
round trip on every release) and without a ping: a connection found dead on use is
thrown away, with the idle ones opened before it, and the read runs once more on a
fresh connection (a read is safe to repeat).
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.base import Executable

from botimpay.store.sqlite_compiled import constants_of

_CLOSE_TIMEOUT_S = 2.0

# (bind name, its processor or None) in $1..$n order
_Binds = tuple[tuple[str, Callable[[Any], Any] | None], ...]


@dataclass(frozen=True, slots=True)
class PgCompiled:
    """One SELECT's SQL, its parameters in order with their bind processors, its row
    type, and the result processor of each column (None if no column has one)."""

    sql: str
    binds: _Binds
    row: type[tuple[Any, ...]] | None  # None: DML that returns nothing
    results: tuple[Callable[[Any], Any] | None, ...] | None
    constants: dict[str, Any] = field(default_factory=dict)  # literals' anonymous binds

    def args(self, params: dict[str, Any]) -> list[Any]:
        given = {**self.constants, **params} if self.constants else params
        return [
            given[name] if process is None else process(given[name])
            for name, process in self.binds
        ]

    def to_row(self, record: Any) -> Any:
        """An asyncpg Record as the row type (columns as attributes)."""
        assert self.row is not None, "the statement returns no rows"
        if self.results is None:
            return self.row._make(record)  # type: ignore[attr-defined]
        return self.row._make(  # type: ignore[attr-defined]
            value if process is None else process(value)
            for process, value in zip(self.results, record, strict=True)
        )


def compile_select(statement: Select[Any], dialect: Dialect) -> PgCompiled:
    """`statement` compiled once for PostgreSQL (asyncpg's numeric_dollar paramstyle)."""
    return compile_statement(statement, dialect, None)


def compile_statement(
    statement: Executable, dialect: Dialect, columns: tuple[str, ...] | None
) -> PgCompiled:
    """A prebuilt SELECT, INSERT (for these `columns`) or UPDATE, compiled for asyncpg."""
    if columns is not None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))  # type: ignore[attr-defined]
    else:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise NotImplementedError("a prebuilt statement has no expanding or literal parameters")
    binds = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup or ()
    )
    if isinstance(statement, Select):
        returned = list(statement.selected_columns)
    else:
        returned = list(compiled.returning or ())
    constants = constants_of(compiled, tuple(compiled.positiontup or ()))
    if not returned:
        return PgCompiled(str(compiled), binds, None, None, constants)
    row = namedtuple("Row", [str(column.key) for column in returned], rename=True)  # type: ignore[misc]
    return PgCompiled(str(compiled), binds, row, processors_of(returned, dialect), constants)


def processors_of(
    columns: list[Any], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...] | None:
    """The result processor of each returned column, or None if no column has one."""
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    return processors if any(p is not None for p in processors) else None


def connect_kwargs(dialect: Dialect, url: Any) -> dict[str, Any]:
    """asyncpg.connect()'s arguments for `url`, read as the engine's dialect reads it."""
    _args, kwargs = dialect.create_connect_args(url)
    options = dict(kwargs)
    cache_size = options.pop("prepared_statement_cache_size", None)
    if cache_size is not None:
        options["statement_cache_size"] = int(cache_size)
    for sqlalchemy_only in ("async_creator_fn", "prepared_statement_name_func"):
        options.pop(sqlalchemy_only, None)
    return options


class PgReader:
    """Up to `max_connections` raw asyncpg connections (opened when needed, kept open)
    for single autocommit SELECTs, and the statements compiled for them. Owned by one
    Database: never shared, closed by its dispose()."""

    __slots__ = (
        "_compiled",
        "_connect_kwargs",
        "_dialect",
        "_idle",
        "_loop",
        "_lost",
        "_slots",
        "closed",
        "max_connections",
    )

    def __init__(self, dialect: Dialect, kwargs: dict[str, Any], *, max_connections: int) -> None:
        self._dialect = dialect
        self._connect_kwargs = kwargs
        self.max_connections = max_connections
        self._compiled: dict[Select[Any], PgCompiled] = {}
        self._idle: list[Any] = []  # asyncpg connections, most recently used last
        self._slots = asyncio.Semaphore(max_connections)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lost: tuple[type[BaseException], ...] = ()
        self.closed = False

    def __len__(self) -> int:
        """How many statements are compiled."""
        return len(self._compiled)

    @property
    def idle(self) -> int:
        return len(self._idle)

    def compiled(self, statement: Select[Any]) -> PgCompiled:
        found = self._compiled.get(statement)
        if found is None:
            found = self._compiled[statement] = compile_select(statement, self._dialect)
        return found

    async def first(self, statement: Select[Any], params: dict[str, Any]) -> Any:
        """The first row of `statement` with `params` (columns as attributes), or None."""
        compiled = self.compiled(statement)
        args = compiled.args(params)
        self._same_loop()
        async with self._slots:
            conn = await self._take()
            try:
                record = await conn.fetchrow(compiled.sql, *args)
            except BaseException as exc:
                if not self._is_lost(exc, conn):
                    self._give_back_after(exc, conn)
                    raise
                conn.terminate()
                self._drop_idle()  # opened before it: the server likely dropped them too
                conn = await self._open()
                try:
                    record = await conn.fetchrow(compiled.sql, *args)
                except BaseException as again:
                    self._give_back_after(again, conn)
                    raise
            self._give_back(conn)
        return None if record is None else compiled.to_row(record)

    async def close(self) -> None:
        """Closes the idle connections; those in use close when their read ends."""
        self.closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await _close(conn)

    def _same_loop(self) -> None:
        # connections (and the semaphore's waiters) belong to the loop that made them
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None:
                self._drop_idle()
                self._slots = asyncio.Semaphore(self.max_connections)
            self._loop = loop

    async def _take(self) -> Any:
        while self._idle:
            conn = self._idle.pop()
            if not conn.is_closed():  # the server closed an idle one: asyncpg saw it go
                return conn
        return await self._open()

    async def _open(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        if not self._lost:
            self._lost = _connection_lost_errors(asyncpg)
        return await asyncpg.connect(**self._connect_kwargs)

    def _is_lost(self, exc: BaseException, conn: Any) -> bool:
        # never a cancellation (it is not ours to swallow by reading again)
        return isinstance(exc, Exception) and (isinstance(exc, self._lost) or conn.is_closed())

    def _give_back(self, conn: Any) -> None:
        if self.closed or conn.is_closed():
            conn.terminate()
        else:
            self._idle.append(conn)

    def _give_back_after(self, exc: BaseException, conn: Any) -> None:
        """Keeps a connection after its statement failed only if the server refused
        the statement (the connection is idle again); a cancelled or otherwise
        interrupted statement may have left it mid-protocol."""
        if isinstance(exc, Exception) and getattr(exc, "sqlstate", None) is not None:
            self._give_back(conn)
        else:
            conn.terminate()

    def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.terminate()


def _connection_lost_errors(asyncpg: Any) -> tuple[type[BaseException], ...]:
    """What asyncpg raises when the connection under a statement is gone: class 08,
    the server shutting it down (57P01-57P03), a closed connection, a socket error."""
    errors = asyncpg.exceptions
    return (
        errors.PostgresConnectionError,  # 08xxx, ConnectionDoesNotExistError among them
        errors.AdminShutdownError,
        errors.CrashShutdownError,
        errors.CannotConnectNowError,
        errors.InterfaceError,  # "connection is closed"
        OSError,  # ConnectionResetError and the like
    )


async def _close(conn: Any) -> None:
    try:
        await conn.close(timeout=_CLOSE_TIMEOUT_S)
    except Exception:  # a dead or slow server: drop the socket without a goodbye
        conn.terminate()
