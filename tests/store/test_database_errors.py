"""Database errors never carry statement parameters (issue 10, item 10).

Checkout tokens and merchant order numbers are statement parameters; an error's
str() must not repeat them, whichever engine or fast path raised it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from botimpay.store.database import open_database
from botimpay.store.sqlite_compiled import Compiled

SECRET = "tok_SECRET_81c2e7"


def test_sqlite_engine_errors_hide_parameters(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    assert db.sqlite is not None
    try:
        with db.sqlite.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (token TEXT PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", (SECRET,))
            with pytest.raises(IntegrityError) as caught:
                conn.exec_driver_sql("INSERT INTO t VALUES (?)", (SECRET,))
    finally:
        db.sqlite.dispose()
    assert SECRET not in str(caught.value)
    assert "INSERT INTO t" in str(caught.value)


def test_postgres_engine_hides_parameters() -> None:
    db = open_database("postgresql://u@127.0.0.1:1/nothing")  # no connection is made
    assert db.pg is not None
    assert db.pg.sync_engine.hide_parameters is True


def test_compiled_sqlite_statements_hide_parameters() -> None:
    driver = sqlite3.connect(":memory:")
    driver.execute("CREATE TABLE t (token TEXT PRIMARY KEY)")
    statement = Compiled("INSERT INTO t (token) VALUES (?)", ("token",), None)
    statement.run(driver, {"token": SECRET})
    with pytest.raises(IntegrityError) as caught:
        statement.run(driver, {"token": SECRET})
    assert SECRET not in str(caught.value)
    assert "INSERT INTO t" in str(caught.value)
