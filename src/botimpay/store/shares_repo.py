"""Sharing members' shares of orders (order_shares): written at placeOrder, their fee
set at payment, their refunded amounts kept in step with each refund."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update

from botimpay.domain.sharing import Share
from botimpay.protocol.money import Money
from botimpay.store.connection import Connection, fetch_all
from botimpay.store.tables import order_shares


def _share(row: Row[Any]) -> Share:
    return Share(
        order_no=row.order_no,
        seq_id=int(row.seq_id),
        member_id=row.member_id,
        memo=row.memo,
        amount=Money(int(row.amount_fils)),
        withhold_fee=bool(row.withhold_fee),
        fee=Money(int(row.fee_fils)),
        refunded=Money(int(row.refunded_fils)),
        fee_refunded=Money(int(row.fee_refunded_fils)),
    )


async def insert_shares(conn: Connection, shares: Sequence[Share]) -> None:
    if not shares:
        return
    await conn.execute(
        insert(order_shares),
        [
            {
                "order_no": s.order_no,
                "seq_id": s.seq_id,
                "member_id": s.member_id,
                "memo": s.memo,
                "amount_fils": s.amount.fils,
                "withhold_fee": s.withhold_fee,
                "fee_fils": s.fee.fils,
                "refunded_fils": s.refunded.fils,
                "fee_refunded_fils": s.fee_refunded.fils,
            }
            for s in shares
        ],
    )


_FOR_ORDER = (
    select(order_shares)
    .where(order_shares.c.order_no == bindparam("order_no"))
    .order_by(order_shares.c.seq_id)
)


async def for_order(conn: Connection, order_no: str) -> list[Share]:
    """The order's shares by seq id (the caller holds the order's row lock to change them);
    asked on every refund, so prebuilt (connection.fetch_all)."""
    return [_share(row) for row in await fetch_all(conn, _FOR_ORDER, {"order_no": order_no})]


async def for_orders(conn: Connection, order_nos: Sequence[str]) -> dict[str, list[Share]]:
    """The shares of several orders, each list by seq id (orders without any left out)."""
    found: dict[str, list[Share]] = {}
    if not order_nos:
        return found
    rows = await conn.execute(
        select(order_shares)
        .where(order_shares.c.order_no.in_(list(order_nos)))
        .order_by(order_shares.c.order_no, order_shares.c.seq_id)
    )
    for row in rows:
        found.setdefault(row.order_no, []).append(_share(row))
    return found


async def save(conn: Connection, shares: Sequence[Share]) -> None:
    """Writes each share's fee and refunded amounts (the CHECKs refuse an over-refund)."""
    for s in shares:
        await conn.execute(
            update(order_shares)
            .where(order_shares.c.order_no == s.order_no, order_shares.c.seq_id == s.seq_id)
            .values(
                fee_fils=s.fee.fils,
                refunded_fils=s.refunded.fils,
                fee_refunded_fils=s.fee_refunded.fils,
            )
        )
