"""SQLAlchemy statements compiled for SQLite once, run straight on the driver.

For the few statements every API request runs (find an order, insert it, save
a transition, post to the ledger), SQLAlchemy's per-execution machinery — the
execution context, parameter processing, the result proxy — cost more than
SQLite itself. These statements are built once with bind parameters, so they
compile once per Database (its StatementCache); here they are executed on the
sqlite3 connection directly, with rows as named tuples and integrity errors
raised as SQLAlchemy's, so callers cannot tell the difference.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Insert, Select
from sqlalchemy.sql.base import Executable


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement's SQL, its bind names in order and (for a SELECT) its row type."""

    sql: str
    params: tuple[str, ...]
    row: type[tuple[Any, ...]] | None
    dml: bool = False  # an INSERT/UPDATE ... RETURNING: its rows are read to the end
    constants: dict[str, Any] = field(default_factory=dict)  # literals' anonymous binds

    def run(self, driver: sqlite3.Connection, params: dict[str, Any]) -> sqlite3.Cursor:
        given = {**self.constants, **params} if self.constants else params
        try:
            return driver.execute(self.sql, [given[name] for name in self.params])
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(self.sql, params, exc, hide_parameters=True) from exc

    def all(self, driver: sqlite3.Connection, params: dict[str, Any]) -> list[Any]:
        assert self.row is not None
        return [self.row(*raw) for raw in self.run(driver, params).fetchall()]

    def first(self, driver: sqlite3.Connection, params: dict[str, Any]) -> Any:
        cursor = self.run(driver, params)
        if self.dml:  # finish the statement: no write may stay in progress
            rows = cursor.fetchall()
            raw = rows[0] if rows else None
        else:
            raw = cursor.fetchone()
        if raw is None:
            return None
        assert self.row is not None
        return self.row(*raw)


C = TypeVar("C")
Compile = Callable[[Executable, Dialect, "tuple[str, ...] | None"], C]


class CompiledCache(Generic[C]):
    """Prebuilt statements compiled once by `compile` (for SQLite here, for PostgreSQL
    in pg_unit.py), keyed by the statement and, for an INSERT, the columns given. One
    per Database, which owns it: two databases in one process never share one."""

    __slots__ = ("_compile", "_compiled")

    def __init__(self, compile: Compile[C]) -> None:
        self._compile = compile
        self._compiled: dict[tuple[Executable, tuple[str, ...] | None], C] = {}

    def __len__(self) -> int:
        return len(self._compiled)

    def compiled(self, statement: Executable, dialect: Dialect, params: dict[str, Any]) -> C:
        """The statement compiled for these parameters (an INSERT's columns are its keys)."""
        columns = tuple(params) if isinstance(statement, Insert) else None
        key = (statement, columns)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._compile(statement, dialect, columns)
        return found


class StatementCache(CompiledCache[Compiled]):
    """The SQLite statements of one Database."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(_compile)


def _row_type(names: list[str]) -> type[tuple[Any, ...]]:
    return namedtuple("Row", names, rename=True)


def _compile(statement: Executable, dialect: Dialect, columns: tuple[str, ...] | None) -> Compiled:
    if columns is not None:
        result = statement.compile(dialect=dialect, column_keys=list(columns))  # type: ignore[attr-defined]
    else:
        result = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    row_type: type[tuple[Any, ...]] | None = None
    if isinstance(statement, Select):
        row_type = _row_type([str(column.key) for column in statement.selected_columns])
    elif result.returning:
        row_type = _row_type([str(column.key) for column in result.returning])
    dml = not isinstance(statement, Select)
    names = tuple(result.positiontup or ())
    return Compiled(str(result), names, row_type, dml, constants_of(result, names))


def constants_of(compiled: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The values of a compiled statement's binds that come from literals in it (`>= 0`
    is an anonymous bind): the caller's parameters never name them."""
    return {
        name: compiled.binds[name].effective_value
        for name in names
        if not compiled.binds[name].required
    }
