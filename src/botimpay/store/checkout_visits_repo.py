"""The wallets seen at an order's checkout (table checkout_visits): one row per order and
wallet, its first and last visit. Written inside the transaction that holds the order's
row lock (services/payments.py), so two visits of one order never race on the row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from botimpay.domain.payer import CheckoutVisit, Visitor, VisitSource
from botimpay.store.connection import Connection
from botimpay.store.tables import checkout_visits


def _visit(row: Any) -> CheckoutVisit:
    return CheckoutVisit(
        order_no=row.order_no,
        member_id=row.member_id,
        source=VisitSource(row.source),
        ip_address=row.ip_address,
        device_id=row.device_id,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
    )


async def record(conn: Connection, order_no: str, visitor: Visitor, now_ms: int) -> None:
    """The visit of `visitor`: a new row, or the wallet's row brought up to date."""
    key = (checkout_visits.c.order_no == order_no) & (
        checkout_visits.c.member_id == visitor.member_id
    )
    seen = {
        "source": visitor.source.value,
        "ip_address": visitor.ip_address[:64],
        "device_id": visitor.device_id[:32],
        "last_seen_at": now_ms,
    }
    changed = await conn.execute(update(checkout_visits).where(key).values(seen))
    if changed.rowcount == 0:
        await conn.execute(
            insert(checkout_visits).values(
                order_no=order_no, member_id=visitor.member_id, first_seen_at=now_ms, **seen
            )
        )


async def of_order(conn: Connection, order_no: str) -> list[CheckoutVisit]:
    """An order's visitors, the most recently seen first."""
    rows = await conn.execute(
        select(checkout_visits)
        .where(checkout_visits.c.order_no == order_no)
        .order_by(checkout_visits.c.last_seen_at.desc(), checkout_visits.c.first_seen_at.desc())
    )
    return [_visit(row) for row in rows]
