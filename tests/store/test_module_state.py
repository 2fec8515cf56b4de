"""What the store keeps for speed belongs to one Database: two databases in one process
(two apps, a test beside a server) never share compiled statements or decoded rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, bindparam, insert, select

from botimpay.store import sqlite_compiled
from botimpay.store.connection import fetch_first, run
from botimpay.store.database import Database, open_database
from botimpay.store.orders_repo import to_order
from tests.store.test_order_decoding import _row

_META = MetaData()
_THINGS = Table("things", _META, Column("id", Integer, primary_key=True), Column("name", Text))
_INSERT = insert(_THINGS)
_BY_ID = select(_THINGS).where(_THINGS.c.id == bindparam("id"))


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    first = open_database(f"sqlite:///{tmp_path / 'first.db'}")
    second = open_database(f"sqlite:///{tmp_path / 'second.db'}")
    for db in (first, second):
        assert db.sqlite is not None
        _META.create_all(db.sqlite)
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


async def test_each_database_compiles_its_own_statements(two: tuple[Database, Database]) -> None:
    first, second = two
    async with first.write() as conn:  # the group-commit writer's connection
        assert await run(conn, _INSERT, {"id": 1, "name": "tea"}) == 1
    async with first.read() as conn:  # a pooled read connection
        assert (await fetch_first(conn, _BY_ID, {"id": 1})).name == "tea"
    assert (await first.first_row(_BY_ID, {"id": 1})).name == "tea"  # the lookup connection

    assert len(first.statements) == 2  # one INSERT, one SELECT, whichever connection ran them
    assert len(second.statements) == 0
    assert await second.first_row(_BY_ID, {"id": 1}) is None
    assert len(second.statements) == 1
    assert first.statements is not second.statements


async def test_each_database_remembers_its_own_decodings(two: tuple[Database, Database]) -> None:
    first, second = two
    order = to_order(_row(), first.memo)
    assert to_order(_row(), first.memo) is order
    assert len(first.memo) == 1
    assert len(second.memo) == 0
    assert to_order(_row(), second.memo) is not order


def test_no_module_level_statement_cache() -> None:
    assert not [
        name
        for name, value in vars(sqlite_compiled).items()
        if isinstance(value, dict) and not name.startswith("__")
    ]
