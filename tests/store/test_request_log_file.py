"""Database.request_log: on SQLite the request log has a file of its own beside the
main one (`<db>-requests`), so its batches never wait for, nor hold, the main file's
write lock; calls an earlier botimpay logged in the main file move there once. On
PostgreSQL the log is a table of the one database."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from botimpay.domain.request_log import RequestRecord
from botimpay.store import request_log_repo
from botimpay.store.database import REQUEST_LOG_SUFFIX, Database, open_database


def record(trace: str, partner_id: str = "200000000001") -> tuple[object, ...]:
    """One logged call as the writer queues it (RequestRecord without record_id)."""
    row = RequestRecord(
        trace_code=trace,
        received_at=1_700_000_000_000,
        business_at=1_700_000_000_000,
        partner_id=partner_id,
        claimed_partner_id=None,
        operation="acquire2/getOrder",
        merchant_order_no="SHOP-1",
        order_no=None,
        refund_merchant_order_no=None,
        code="0",
        msg="SUCCESS",
        order_status="PROCESSING",
        latency_us=900,
        client_ip="127.0.0.1",
        request_body="{}",
        response_body="{}",
        fault=None,
        detail=None,
    )
    return row[:-1]


def main_path(db: Database) -> Path:
    assert db.sqlite is not None
    assert db.sqlite.url.database
    return Path(db.sqlite.url.database)


def count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM api_requests").fetchone()[0])


async def test_sqlite_keeps_the_log_in_its_own_file(db: Database) -> None:
    if not db.is_sqlite:
        assert db.request_log() is db  # PostgreSQL: one database, row locks only
        return
    log_db = db.request_log()
    assert log_db is not db
    assert db.request_log() is log_db
    async with log_db.write() as conn:
        await request_log_repo.insert_rows(conn, [record("a1"), record("a2")])
    path = main_path(db)
    assert count(Path(f"{path}{REQUEST_LOG_SUFFIX}")) == 2
    assert count(path) == 0
    async with db.request_log().read() as conn:
        found = await request_log_repo.by_trace_code(conn, "a2")
    assert found is not None
    assert found.merchant_order_no == "SHOP-1"


async def test_the_log_is_written_while_the_main_file_is_locked(db: Database) -> None:
    """Another process holds the main file's write lock (a long payment, a CLI):
    the log's batch still commits at once."""
    if not db.is_sqlite:
        pytest.skip("SQLite's file lock; PostgreSQL locks rows")
    with contextlib.closing(sqlite3.connect(main_path(db), timeout=0)) as other:
        other.execute("BEGIN IMMEDIATE")
        async with db.request_log().write() as conn:
            await request_log_repo.insert_rows(conn, [record("locked")])
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            sqlite3.connect(main_path(db), timeout=0).execute("BEGIN IMMEDIATE")
        other.rollback()
    async with db.request_log().read() as conn:
        assert await request_log_repo.by_trace_code(conn, "locked") is not None


async def test_calls_logged_in_the_main_file_move_to_the_log_file_once(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("only SQLite has a file of its own")
    path = main_path(db)
    async with db.write() as conn:  # where an earlier botimpay wrote them
        await request_log_repo.insert_rows(conn, [record("old1"), record("old2")])
    assert count(path) == 2
    async with db.request_log().read() as conn:
        moved = await request_log_repo.search(conn, newest_first=False)
    assert [r.trace_code for r in moved] == ["old1", "old2"]
    assert count(path) == 0
    # a second process opening the log file finds it made: nothing is copied again
    again = open_database(str(path))
    try:
        async with again.request_log().read() as conn:
            assert len(await request_log_repo.search(conn)) == 2
    finally:
        await again.dispose()
