"""store/conflicts.py: a taken unique key leaves `Database.write()` as the store's
DuplicateKey on either backend; other integrity errors stay what the driver said."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from botimpay.store.conflicts import DuplicateKey
from botimpay.store.database import Database, open_database
from tests.conftest import _fresh_database

SECRET = "tok_SECRET_5f1d"


@pytest.fixture
async def db(tmp_path: Path, backend_url: str | None) -> AsyncIterator[Database]:
    databases = _fresh_database(backend_url, tmp_path)
    database = open_database(next(databases))
    async with database.write() as conn:
        await conn.exec_driver_sql(
            "CREATE TABLE t (k VARCHAR(40) PRIMARY KEY, token VARCHAR(40) UNIQUE,"
            " v INTEGER NOT NULL CHECK (v >= 0))"
        )
    try:
        yield database
    finally:
        await database.dispose()
        for _ in databases:
            pass


async def insert(db: Database, *rows: tuple[str, str, int]) -> None:
    """All `rows` in one write transaction."""
    async with db.write() as conn:
        for row in rows:
            await conn.exec_driver_sql(
                "INSERT INTO t (k, token, v) VALUES (?, ?, ?)"
                if db.is_sqlite
                else "INSERT INTO t (k, token, v) VALUES ($1, $2, $3)",
                row,
            )


async def keys(db: Database) -> set[str]:
    async with db.read() as conn:
        return {k for (k,) in await conn.exec_driver_sql("SELECT k FROM t")}


@pytest.mark.parametrize("clash", [("a", "other", 1), ("b", SECRET, 1)], ids=["primary", "unique"])
async def test_a_taken_key_is_a_duplicate_key_and_the_transaction_rolls_back(
    db: Database, clash: tuple[str, str, int]
) -> None:
    await insert(db, ("a", SECRET, 1))
    with pytest.raises(DuplicateKey) as duplicate:
        await insert(db, ("c", "fresh", 1), clash)
    assert isinstance(duplicate.value.__cause__, IntegrityError)
    assert SECRET not in str(duplicate.value)  # the key's value stays out of logs
    assert await keys(db) == {"a"}


async def test_other_integrity_errors_are_not_duplicates(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await insert(db, ("a", "x", -1))  # CHECK
    with pytest.raises(IntegrityError):
        await insert(db, ("b", "y", None))  # type: ignore[arg-type]  # NOT NULL
    assert await keys(db) == set()
