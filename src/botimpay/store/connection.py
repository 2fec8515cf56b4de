"""The connection repositories talk to, and its SQLite form that runs on the event loop.

On PostgreSQL the connection is SQLAlchemy's AsyncConnection (asyncpg): a
statement is a network round trip, so awaiting it is right. On SQLite a
statement on a warm connection takes microseconds, and handing each one to a
driver thread and back through greenlets (aiosqlite) cost many times more than
the statement itself. LoopConnection therefore runs SQLite statements directly
on the event loop, behind the same awaitable interface; only what can really
wait — taking the write lock and COMMIT's fsync — leaves the loop (group_commit).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, TypeVarTuple, overload

from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import CursorResult, Dialect, ScalarResult
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows

from botimpay.store.pg_unit import PgUnitConnection
from botimpay.store.sqlite_compiled import StatementCache

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class Connection(Protocol):
    """What the store needs of a connection inside a read or write transaction."""

    @property
    def dialect(self) -> Dialect: ...

    @overload
    async def execute(  # type: ignore[overload-overlap]
        self, statement: TypedReturnsRows[*Ts], parameters: Any = None
    ) -> CursorResult[*Ts]: ...

    @overload
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def exec_driver_sql(
        self, statement: str, parameters: Any = None
    ) -> CursorResult[Any]: ...

    @overload
    async def scalar(self, statement: TypedReturnsRows[T], parameters: Any = None) -> T | None: ...

    @overload
    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]: ...

    async def run_sync(self, fn: Callable[[SyncConnection], T]) -> T: ...


class LoopConnection:
    """A synchronous SQLite connection behind the awaitable Connection interface, with
    its Database's compiled statements."""

    __slots__ = ("statements", "sync")

    def __init__(self, sync: SyncConnection, statements: StatementCache) -> None:
        self.sync = sync
        self.statements = statements

    @property
    def dialect(self) -> Dialect:
        return self.sync.dialect

    @overload
    async def execute(  # type: ignore[overload-overlap]
        self, statement: TypedReturnsRows[*Ts], parameters: Any = None
    ) -> CursorResult[*Ts]: ...

    @overload
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self.sync.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> CursorResult[Any]:
        return self.sync.exec_driver_sql(statement, parameters)

    @overload
    async def scalar(self, statement: TypedReturnsRows[T], parameters: Any = None) -> T | None: ...

    @overload
    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return self.sync.scalar(statement, parameters)

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]:
        return self.sync.scalars(statement, parameters)

    async def run_sync(self, fn: Callable[[SyncConnection], T]) -> T:
        return fn(self.sync)

    def driver(self) -> sqlite3.Connection:
        raw = self.sync.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return raw


# The helpers below take only *prebuilt* statements (module-level, with bind parameters):
# each is compiled once per Database and then run on the driver itself, on SQLite
# (sqlite_compiled.py) and on PostgreSQL (pg_unit.py), skipping SQLAlchemy's execution
# machinery. Any other connection runs them through SQLAlchemy.


async def fetch_first(conn: Connection, statement: Executable, params: dict[str, Any]) -> Any:
    """The first row of a prebuilt SELECT, or of an INSERT/UPDATE ... RETURNING
    (columns as attributes), or None."""
    if isinstance(conn, LoopConnection):
        return conn.statements.compiled(statement, conn.dialect, params).first(
            conn.driver(), params
        )
    if isinstance(conn, PgUnitConnection):
        return await conn.first(statement, params)
    return (await conn.execute(statement, params)).first()


async def fetch_all(conn: Connection, statement: Executable, params: dict[str, Any]) -> list[Any]:
    """Every row of a prebuilt SELECT (columns as attributes)."""
    if isinstance(conn, LoopConnection):
        return conn.statements.compiled(statement, conn.dialect, params).all(conn.driver(), params)
    if isinstance(conn, PgUnitConnection):
        return await conn.all(statement, params)
    return list(await conn.execute(statement, params))


async def fetch_value(conn: Connection, statement: Executable, params: dict[str, Any]) -> Any:
    """The first column of fetch_first's row, or None when there is no row."""
    row = await fetch_first(conn, statement, params)
    return None if row is None else row[0]


async def run(conn: Connection, statement: Executable, params: dict[str, Any]) -> int:
    """Runs a prebuilt INSERT or UPDATE; returns how many rows it touched."""
    if isinstance(conn, LoopConnection):
        prepared = conn.statements.compiled(statement, conn.dialect, params)
        return prepared.run(conn.driver(), params).rowcount
    if isinstance(conn, PgUnitConnection):
        return await conn.run(statement, params)
    return (await conn.execute(statement, params)).rowcount


async def run_many(conn: Connection, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Runs a prebuilt INSERT for each of `rows` (the same keys in each)."""
    if isinstance(conn, PgUnitConnection):
        await conn.run_many(statement, rows)
        return
    await conn.execute(statement, rows)


async def run_sql(conn: Connection, text: str) -> None:
    """A statement without parameters or rows (SAVEPOINT and the like)."""
    if isinstance(conn, PgUnitConnection):
        await conn.sql(text)
        return
    await conn.exec_driver_sql(text)
