"""PostgreSQL transactions whose hot statements skip SQLAlchemy's execution path.

A transaction on PostgreSQL is SQLAlchemy's AsyncConnection: its pool, its BEGIN, its
COMMIT. Through the engine one statement costs about 100 µs of CPU (execution context,
the greenlet bridge, the result proxy) against about 30 µs for asyncpg on its own, and a
refund runs some fifteen statements. The statements every order, payment and refund
runs are prebuilt with bind parameters (the same ones SQLite runs on its driver,
sqlite_compiled.py); `connection.fetch_first`, `fetch_value`, `run` and `run_many` hand
them to `PgUnitConnection`, which runs them on the transaction's own asyncpg
connection: the same transaction, so SQLAlchemy's statements and these see each other.
The unit's BEGIN is sent through the engine's adapter when the unit starts (it sent it
lazily before the first statement anyway), so both sides share it; COMMIT and ROLLBACK
stay the engine's.

A statement is compiled once per Database with the engine's asyncpg dialect (its
$1..$n paramstyle and casts), with the bind and result processors its columns need. A
key that is taken raises SQLAlchemy's IntegrityError (asyncpg's as its cause), so
`Database.write()` turns it into DuplicateKey as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, TypeVarTuple, overload

from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import CursorResult, Dialect, ScalarResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows

from botimpay.store.pg_compiled import PgCompiled, compile_statement
from botimpay.store.sqlite_compiled import CompiledCache

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class PgStatements(CompiledCache[PgCompiled]):
    """The PostgreSQL statements of one Database's transactions."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(compile_statement)


def _integrity(compiled: PgCompiled, exc: BaseException) -> IntegrityError:
    return IntegrityError(compiled.sql, None, exc, hide_parameters=True)


class PgUnitConnection:
    """One PostgreSQL transaction: SQLAlchemy's AsyncConnection for any statement, and its
    asyncpg connection (`raw`) for the prebuilt ones (see the module docstring)."""

    __slots__ = ("_integrity_errors", "raw", "sa", "statements")

    def __init__(self, sa: AsyncConnection, raw: Any, statements: PgStatements) -> None:
        self.sa = sa
        self.raw = raw
        self.statements = statements
        import asyncpg  # type: ignore[import-untyped]

        self._integrity_errors: type[BaseException] = (
            asyncpg.exceptions.IntegrityConstraintViolationError
        )

    @property
    def dialect(self) -> Dialect:
        return self.sa.dialect

    # --- the Connection protocol, through the engine ------------------------------------

    @overload
    async def execute(  # type: ignore[overload-overlap]
        self, statement: TypedReturnsRows[*Ts], parameters: Any = None
    ) -> CursorResult[*Ts]: ...

    @overload
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return await self.sa.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> CursorResult[Any]:
        return await self.sa.exec_driver_sql(statement, parameters)

    @overload
    async def scalar(self, statement: TypedReturnsRows[T], parameters: Any = None) -> T | None: ...

    @overload
    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return await self.sa.scalar(statement, parameters)

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]:
        return await self.sa.scalars(statement, parameters)

    async def run_sync(self, fn: Callable[[SyncConnection], T]) -> T:
        return await self.sa.run_sync(fn)

    # --- prebuilt statements on asyncpg --------------------------------------------------

    async def first(self, statement: Executable, params: dict[str, Any]) -> Any:
        """The first row (columns as attributes) of a prebuilt SELECT or DML ... RETURNING."""
        compiled = self.statements.compiled(statement, self.sa.dialect, params)
        try:
            record = await self.raw.fetchrow(compiled.sql, *compiled.args(params))
        except self._integrity_errors as exc:
            raise _integrity(compiled, exc) from exc
        return None if record is None else compiled.to_row(record)

    async def all(self, statement: Executable, params: dict[str, Any]) -> list[Any]:
        """Every row of a prebuilt SELECT (columns as attributes)."""
        compiled = self.statements.compiled(statement, self.sa.dialect, params)
        records = await self.raw.fetch(compiled.sql, *compiled.args(params))
        return [compiled.to_row(record) for record in records]

    async def run(self, statement: Executable, params: dict[str, Any]) -> int:
        """Runs a prebuilt INSERT or UPDATE; how many rows it touched."""
        compiled = self.statements.compiled(statement, self.sa.dialect, params)
        try:
            status: str = await self.raw.execute(compiled.sql, *compiled.args(params))
        except self._integrity_errors as exc:
            raise _integrity(compiled, exc) from exc
        return int(status.rsplit(" ", 1)[-1])

    async def run_many(self, statement: Executable, rows: list[dict[str, Any]]) -> None:
        """Runs a prebuilt INSERT once for each of `rows` (all with the same keys)."""
        compiled = self.statements.compiled(statement, self.sa.dialect, rows[0])
        try:
            await self.raw.executemany(compiled.sql, [compiled.args(row) for row in rows])
        except self._integrity_errors as exc:
            raise _integrity(compiled, exc) from exc

    async def sql(self, text: str) -> None:
        """A statement without parameters or rows (SAVEPOINT, ROLLBACK TO SAVEPOINT)."""
        await self.raw.execute(text)
