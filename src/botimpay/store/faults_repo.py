"""Armed sandbox faults: arm, list, clear, consume, and narrow a run's faults to its order.

Every change bumps the merchant's revision, so the API's cached view of the
merchant (services.auth) picks the new set up on the very next request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from botimpay.domain.faults import ArmedFault, FaultSpec, parse_fault_spec
from botimpay.store.connection import Connection
from botimpay.store.merchants_repo import bump_revision
from botimpay.store.tables import faults


def _row(row: Any) -> ArmedFault:
    spec = parse_fault_spec(
        {
            "operation": row.operation,
            "fault": row.fault,
            "applied": bool(row.applied),
            "holdMs": int(row.hold_ms) or None,
        }
    )
    return ArmedFault(
        fault_id=int(row.id),
        partner_id=row.partner_id,
        spec=spec,
        merchant_order_no=row.merchant_order_no,
        remaining=None if row.remaining is None else int(row.remaining),
        expires_at=None if row.expires_at is None else int(row.expires_at),
        run_id=row.run_id,
    )


async def arm(
    conn: Connection,
    partner_id: str,
    spec: FaultSpec,
    *,
    merchant_order_no: str | None,
    times: int | None,
    expires_at: int | None,
    now_ms: int,
    run_id: str | None = None,
) -> ArmedFault:
    result = await conn.execute(
        insert(faults)
        .values(
            partner_id=partner_id,
            operation=spec.operation,
            fault=spec.fault,
            applied=spec.applied,
            hold_ms=spec.hold_ms,
            merchant_order_no=merchant_order_no,
            remaining=times,
            expires_at=expires_at,
            run_id=run_id,
            created_at=now_ms,
        )
        .returning(faults.c.id)
    )
    fault_id = int(result.scalar_one())
    await bump_revision(conn, partner_id)
    return ArmedFault(fault_id, partner_id, spec, merchant_order_no, times, expires_at, run_id)


async def for_merchant(conn: Connection, partner_id: str, now_ms: int) -> list[ArmedFault]:
    """The merchant's faults still live (not used up, not expired), oldest first."""
    rows = (
        await conn.execute(
            select(faults)
            .where(
                faults.c.partner_id == partner_id,
                or_(faults.c.remaining.is_(None), faults.c.remaining > 0),
                or_(faults.c.expires_at.is_(None), faults.c.expires_at > now_ms),
            )
            .order_by(faults.c.id)
        )
    ).all()
    return [_row(row) for row in rows]


async def clear(conn: Connection, partner_id: str, *, run_id: str | None = None) -> int:
    """Removes the merchant's faults (only those of `run_id` when given); how many."""
    condition = faults.c.partner_id == partner_id
    if run_id is not None:
        condition = condition & (faults.c.run_id == run_id)
    result = await conn.execute(delete(faults).where(condition))
    removed = int(result.rowcount or 0)
    if removed:
        await bump_revision(conn, partner_id)
    return removed


async def consume(conn: Connection, fault: ArmedFault, now_ms: int) -> bool:
    """Takes one use of `fault`; False when another call (or process) used it up first
    or it expired. A fault limited by time only is never used up."""
    if fault.remaining is None:
        row = await conn.scalar(
            select(faults.c.id).where(
                faults.c.id == fault.fault_id,
                or_(faults.c.expires_at.is_(None), faults.c.expires_at > now_ms),
            )
        )
        return row is not None
    result = await conn.execute(
        update(faults)
        .where(
            faults.c.id == fault.fault_id,
            faults.c.remaining > 0,
            or_(faults.c.expires_at.is_(None), faults.c.expires_at > now_ms),
        )
        .values(remaining=faults.c.remaining - 1)
    )
    if not result.rowcount:
        return False
    await bump_revision(conn, fault.partner_id)
    return True


async def narrow_run(
    conn: Connection, run_id: str, partner_id: str, merchant_order_no: str
) -> None:
    """Points a test-plan run's faults at the order the run bound to."""
    await conn.execute(
        update(faults).where(faults.c.run_id == run_id).values(merchant_order_no=merchant_order_no)
    )
    await bump_revision(conn, partner_id)
