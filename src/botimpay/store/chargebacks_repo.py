"""Chargebacks and VOIDs in the database (the `chargebacks` table, 0013).

Rows are written once, in the transaction that posts their ledger entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select

from botimpay.domain.chargeback import Chargeback, ChargebackKind, ChargebackStatus
from botimpay.protocol.money import Money
from botimpay.store.connection import Connection
from botimpay.store.tables import chargebacks


def _chargeback(row: Row[Any]) -> Chargeback:
    return Chargeback(
        chargeback_no=row.chargeback_no,
        kind=ChargebackKind(row.kind),
        partner_id=row.partner_id,
        order_no=row.order_no,
        status=ChargebackStatus(row.status),
        amount=Money(int(row.amount_fils)),
        fee_returned=Money(int(row.fee_returned_fils)),
        created_at=int(row.created_at),
        merchant_ref=row.merchant_ref,
        case_type=row.case_type,
        notify_url=row.notify_url,
        fail_code=row.fail_code,
        fail_des=row.fail_des,
    )


async def insert_chargeback(conn: Connection, chargeback: Chargeback) -> None:
    await conn.execute(
        insert(chargebacks).values(
            chargeback_no=chargeback.chargeback_no,
            kind=chargeback.kind.value,
            partner_id=chargeback.partner_id,
            order_no=chargeback.order_no,
            merchant_ref=chargeback.merchant_ref,
            status=chargeback.status.value,
            amount_fils=chargeback.amount.fils,
            fee_returned_fils=chargeback.fee_returned.fils,
            case_type=chargeback.case_type,
            notify_url=chargeback.notify_url,
            fail_code=chargeback.fail_code,
            fail_des=chargeback.fail_des,
            created_at=chargeback.created_at,
        )
    )


async def find_by_merchant_ref(
    conn: Connection, partner_id: str, merchant_ref: str
) -> Chargeback | None:
    """The merchant's VOID with this voidMerchantOrderNo, if any."""
    row = (
        await conn.execute(
            select(chargebacks).where(
                chargebacks.c.partner_id == partner_id,
                chargebacks.c.merchant_ref == merchant_ref,
            )
        )
    ).first()
    return None if row is None else _chargeback(row)


async def of_order(conn: Connection, order_no: str) -> list[Chargeback]:
    """The order's chargebacks and VOIDs, oldest first."""
    rows = await conn.execute(
        select(chargebacks).where(chargebacks.c.order_no == order_no).order_by(chargebacks.c.id)
    )
    return [_chargeback(row) for row in rows]
