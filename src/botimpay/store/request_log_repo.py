"""The request log's rows: batch inserts, lookups by trace code and order, retention.

Rows are only ever inserted (in batches, by services.request_log) and deleted
by retention; nothing updates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.dialects import sqlite

from botimpay.domain.request_log import RequestRecord
from botimpay.store.connection import Connection
from botimpay.store.pg_unit import PgUnitConnection
from botimpay.store.tables import api_requests

COLUMNS = RequestRecord._fields[:-1]  # every field but record_id, in the table's order
assert set(COLUMNS) == {c.name for c in api_requests.columns} - {"id"}
# compiled once by SQLAlchemy: positional (?) parameters in the table's column order
SQLITE_INSERT = str(
    insert(api_requests).compile(dialect=sqlite.dialect(), column_keys=list(COLUMNS))
)


def _row(row: Any) -> RequestRecord:
    values = {name: getattr(row, name) for name in COLUMNS}
    return RequestRecord(**values, record_id=int(row.id))


async def insert_rows(conn: Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Writes a batch of rows (RequestRecord's fields but record_id, as plain tuples) at
    the driver: one executemany on SQLite, COPY on PostgreSQL (several times cheaper per
    row than a Core insert; every value is already a str, int or None)."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql(SQLITE_INSERT, rows)
        return
    assert isinstance(conn, PgUnitConnection)
    await conn.raw.copy_records_to_table("api_requests", records=rows, columns=list(COLUMNS))


async def by_trace_code(conn: Connection, trace_code: str) -> RequestRecord | None:
    row = (
        await conn.execute(
            select(api_requests).where(api_requests.c.trace_code == trace_code).limit(1)
        )
    ).first()
    return None if row is None else _row(row)


async def search(
    conn: Connection,
    *,
    partner_id: str | None = None,
    order_ref: str | None = None,
    code: str | None = None,
    operation: str | None = None,
    since_ms: int | None = None,
    after_id: int | None = None,
    limit: int = 100,
    newest_first: bool = True,
) -> list[RequestRecord]:
    """Calls matching every filter given. `order_ref` matches any of the three order
    numbers; `code` matches head.code or head.msg; `partner_id` the merchant or the claim."""
    query = select(api_requests)
    if partner_id is not None:
        query = query.where(
            or_(
                api_requests.c.partner_id == partner_id,
                api_requests.c.claimed_partner_id == partner_id,
            )
        )
    if order_ref is not None:
        query = query.where(
            or_(
                api_requests.c.merchant_order_no == order_ref,
                api_requests.c.order_no == order_ref,
                api_requests.c.refund_merchant_order_no == order_ref,
            )
        )
    if code is not None:
        query = query.where(or_(api_requests.c.code == code, api_requests.c.msg == code.upper()))
    if operation is not None:
        query = query.where(api_requests.c.operation == operation)
    if since_ms is not None:
        query = query.where(api_requests.c.received_at >= since_ms)
    if after_id is not None:
        query = query.where(api_requests.c.id > after_id)
    order = api_requests.c.id.desc() if newest_first else api_requests.c.id.asc()
    rows = (await conn.execute(query.order_by(order).limit(limit))).all()
    return [_row(row) for row in rows]


async def calls_for_order(
    conn: Connection, partner_id: str, merchant_order_no: str, order_no: str | None = None
) -> list[RequestRecord]:
    """Every logged call of one merchant that names the order by `merchant_order_no` or
    by `order_no` (getOrder or a refund by originOrderNo), oldest first. Two indexed
    lookups merged, not one OR that the planner may answer by a scan."""
    columns = [(api_requests.c.merchant_order_no, merchant_order_no)]
    if order_no:
        columns.append((api_requests.c.order_no, order_no))
    found: dict[int, RequestRecord] = {}
    for column, value in columns:
        rows = await conn.execute(
            select(api_requests).where(api_requests.c.partner_id == partner_id, column == value)
        )
        for row in rows:
            found.setdefault(row.id, _row(row))
    return [found[key] for key in sorted(found)]


async def prune_rows_over(conn: Connection, max_rows: int, batch: int = 10_000) -> int:
    """Deletes each merchant's oldest calls beyond its newest `max_rows` (calls that named
    no merchant count as one more merchant). At most `batch` rows per merchant per call."""
    deleted = 0
    groups = (
        await conn.execute(
            select(api_requests.c.partner_id)
            .group_by(api_requests.c.partner_id)
            .having(func.count() > max_rows)
        )
    ).all()
    for (partner_id,) in groups:
        same = (
            api_requests.c.partner_id.is_(None)
            if partner_id is None
            else api_requests.c.partner_id == partner_id
        )
        cutoff = await conn.scalar(
            select(api_requests.c.id)
            .where(same)
            .order_by(api_requests.c.id.desc())
            .offset(max_rows)
            .limit(1)
        )
        if cutoff is None:
            continue
        oldest = await conn.scalar(
            select(api_requests.c.id)
            .where(same, api_requests.c.id <= cutoff)
            .order_by(api_requests.c.id)
            .offset(batch)
            .limit(1)
        )
        upper = cutoff if oldest is None else min(int(cutoff), int(oldest))
        result = await conn.execute(delete(api_requests).where(same, api_requests.c.id <= upper))
        deleted += int(result.rowcount or 0)
    return deleted


async def prune_older_than(conn: Connection, business_before_ms: int) -> int:
    """Deletes calls older than a business time (a scan: the column has no index, so
    that writing the log stays cheap; this runs once a minute, and only with --days)."""
    result = await conn.execute(
        delete(api_requests).where(api_requests.c.business_at < business_before_ms)
    )
    return int(result.rowcount or 0)


# --- the console's Logs page (web/console_logs.py) ------------------------------------


async def by_id(conn: Connection, record_id: int) -> RequestRecord | None:
    row = (await conn.execute(select(api_requests).where(api_requests.c.id == record_id))).first()
    return None if row is None else _row(row)


async def console_page(
    conn: Connection,
    *,
    partner_id: str | None,
    operation: str | None,
    code: str | None,
    trace_code: str | None,
    before_id: int | None,
    limit: int,
) -> list[RequestRecord]:
    """One page of calls newest first (by id, keyset: ids below `before_id`).

    `partner_id` matches the merchant column only (never a claim), so a merchant user's
    page holds its own calls: the (partner_id, id) index walks them newest first. `code`
    matches head.code or head.msg, like `search`."""
    query = select(api_requests)
    if partner_id is not None:
        query = query.where(api_requests.c.partner_id == partner_id)
    if trace_code is not None:
        query = query.where(api_requests.c.trace_code == trace_code)
    if operation is not None:
        query = query.where(api_requests.c.operation == operation)
    if code is not None:
        query = query.where(or_(api_requests.c.code == code, api_requests.c.msg == code.upper()))
    if before_id is not None:
        query = query.where(api_requests.c.id < before_id)
    rows = (await conn.execute(query.order_by(api_requests.c.id.desc()).limit(limit))).all()
    return [_row(row) for row in rows]
