"""An order's state changes as they happened: one row per change of status or revoked
flag, written by services/transitions.py in the transaction that made the change, so
the console's timeline can say when and why an order moved."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert as sql_insert
from sqlalchemy import select

from botimpay.store.connection import Connection, run
from botimpay.store.tables import order_events


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One recorded change: the event's name, the statuses around it, business time."""

    event_id: int
    order_no: str
    event: str
    from_status: str
    to_status: str
    detail: str | None
    created_at: int


_INSERT = sql_insert(order_events)


async def insert(
    conn: Connection,
    *,
    order_no: str,
    event: str,
    from_status: str,
    to_status: str,
    detail: str | None,
    created_at: int,
) -> None:
    await run(
        conn,
        _INSERT,
        {
            "order_no": order_no,
            "event": event[:32],
            "from_status": from_status,
            "to_status": to_status,
            "detail": detail,
            "created_at": created_at,
        },
    )


async def of_order(conn: Connection, order_no: str) -> list[OrderEvent]:
    """Every recorded change of `order_no`, oldest first."""
    rows = await conn.execute(
        select(order_events).where(order_events.c.order_no == order_no).order_by(order_events.c.id)
    )
    return [
        OrderEvent(
            event_id=int(row.id),
            order_no=row.order_no,
            event=row.event,
            from_status=row.from_status,
            to_status=row.to_status,
            detail=row.detail,
            created_at=int(row.created_at),
        )
        for row in rows
    ]
