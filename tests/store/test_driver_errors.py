"""The second line behind the text checks: real driver refusals are recognised."""

from __future__ import annotations

import os

import pytest
import sqlalchemy
from sqlalchemy.ext.asyncio import create_async_engine

from botimpay.store.driver_errors import is_unstorable_text

PG_URL = os.environ.get("BOTIMPAY_TEST_DB", "postgresql://postgres@127.0.0.1:5432/test")


def test_sqlite_surrogate_is_recognised() -> None:
    engine = sqlalchemy.create_engine("sqlite://")
    refusals = (sqlalchemy.exc.SQLAlchemyError, UnicodeEncodeError)
    with engine.connect() as conn, pytest.raises(refusals) as info:
        conn.execute(sqlalchemy.text("SELECT :value"), {"value": "a\ud800"})
    assert is_unstorable_text(info.value)


def test_other_errors_are_not() -> None:
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(sqlalchemy.exc.SQLAlchemyError) as info:
        conn.execute(sqlalchemy.text("SELECT * FROM missing_table"))
    assert not is_unstorable_text(info.value)
    assert not is_unstorable_text(ValueError("x"))


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("SELECT CAST(:value AS text)", "a\x00b"),
        ("SELECT CAST(:value AS jsonb)", '{"a":"\\u0000"}'),
        ("SELECT CAST(:value AS text)", "a\ud800"),
    ],
)
async def test_postgresql_refusals_are_recognised(sql: str, value: str) -> None:
    url = PG_URL.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(sqlalchemy.exc.SQLAlchemyError) as info:
                await conn.execute(sqlalchemy.text(sql), {"value": value})
    except OSError:
        pytest.skip("no PostgreSQL server")
    finally:
        await engine.dispose()
    assert is_unstorable_text(info.value), repr(info.value)
