"""Test-plan case runs: created waiting for an order, bound to the next new one, finished
with their report (domain.testplan grades them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update

from botimpay.store.connection import Connection
from botimpay.store.merchants_repo import bump_revision
from botimpay.store.tables import faults, testplan_runs


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    partner_id: str
    case_no: str
    time_scale: Decimal
    status: str  # PENDING, PASS, FAIL
    merchant_order_no: str | None
    created_at: int
    bound_at: int | None
    finished_at: int | None
    report: str | None  # JSON, once finished


def _row(row: Any) -> RunRow:
    return RunRow(
        run_id=row.id,
        partner_id=row.partner_id,
        case_no=row.case_no,
        time_scale=Decimal(row.time_scale),
        status=row.status,
        merchant_order_no=row.merchant_order_no,
        created_at=int(row.created_at),
        bound_at=None if row.bound_at is None else int(row.bound_at),
        finished_at=None if row.finished_at is None else int(row.finished_at),
        report=row.report,
    )


async def create(
    conn: Connection, run_id: str, partner_id: str, case_no: str, time_scale: Decimal, now_ms: int
) -> None:
    """A new run waiting for the merchant's next new order; an older run still waiting
    is replaced (with its faults), so one merchant has at most one run waiting."""
    waiting = (
        await conn.scalars(
            select(testplan_runs.c.id).where(
                testplan_runs.c.partner_id == partner_id,
                testplan_runs.c.merchant_order_no.is_(None),
            )
        )
    ).all()
    for old in waiting:
        await conn.execute(delete(faults).where(faults.c.run_id == old))
        await conn.execute(delete(testplan_runs).where(testplan_runs.c.id == old))
    await conn.execute(
        insert(testplan_runs).values(
            id=run_id,
            partner_id=partner_id,
            case_no=case_no,
            time_scale=str(time_scale),
            status="PENDING",
            created_at=now_ms,
        )
    )
    await bump_revision(conn, partner_id)


async def get(conn: Connection, run_id: str) -> RunRow | None:
    row = (await conn.execute(select(testplan_runs).where(testplan_runs.c.id == run_id))).first()
    return None if row is None else _row(row)


async def waiting(conn: Connection, partner_id: str) -> RunRow | None:
    """The merchant's run still waiting for an order, if any."""
    row = (
        await conn.execute(
            select(testplan_runs)
            .where(
                testplan_runs.c.partner_id == partner_id,
                testplan_runs.c.merchant_order_no.is_(None),
            )
            .order_by(testplan_runs.c.created_at)
            .limit(1)
        )
    ).first()
    return None if row is None else _row(row)


async def bind(conn: Connection, run_id: str, merchant_order_no: str, now_ms: int) -> bool:
    """Binds a waiting run to its order; False if another call bound it first."""
    result = await conn.execute(
        update(testplan_runs)
        .where(testplan_runs.c.id == run_id, testplan_runs.c.merchant_order_no.is_(None))
        .values(merchant_order_no=merchant_order_no, bound_at=now_ms)
    )
    return bool(result.rowcount)


async def finish(conn: Connection, run_id: str, status: str, report: str, now_ms: int) -> bool:
    """Stores a run's final verdict once; False if it was already final."""
    result = await conn.execute(
        update(testplan_runs)
        .where(testplan_runs.c.id == run_id, testplan_runs.c.status == "PENDING")
        .values(status=status, report=report, finished_at=now_ms)
    )
    return bool(result.rowcount)


async def for_merchant(conn: Connection, partner_id: str, limit: int = 100) -> list[RunRow]:
    rows = (
        await conn.execute(
            select(testplan_runs)
            .where(testplan_runs.c.partner_id == partner_id)
            .order_by(testplan_runs.c.created_at.desc())
            .limit(limit)
        )
    ).all()
    return [_row(row) for row in rows]
