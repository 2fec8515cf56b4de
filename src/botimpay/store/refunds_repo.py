"""Refund orders in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, insert, select

from botimpay.domain.refund import Refund, RefundStatus
from botimpay.protocol.money import Money
from botimpay.store import jsonfield
from botimpay.store.connection import Connection, fetch_first, run
from botimpay.store.tables import refunds


def _refund(row: Row[Any]) -> Refund:
    return Refund(
        refund_no=row.refund_no,
        partner_id=row.partner_id,
        refund_merchant_order_no=row.refund_merchant_order_no,
        origin_order_no=row.origin_order_no,
        fingerprint=row.fingerprint,
        status=RefundStatus(row.status),
        amount=Money(int(row.amount_fils)),
        fee_refunded=Money(int(row.fee_refunded_fils)),
        request_time=int(row.request_time),
        created_at=int(row.created_at),
        updated_at=int(row.updated_at),
        is_revoke=bool(row.is_revoke),
        reason=row.reason,
        operator_name=row.operator_name,
        notify_url=row.notify_url,
        device_id=row.device_id,
        secondary_merchant_id=row.secondary_merchant_id,
        reserved=row.reserved,
        details=jsonfield.loads(row.details),
        fail_code=row.fail_code,
        fail_des=row.fail_des,
    )


_INSERT = insert(refunds)


async def insert_refund(conn: Connection, refund: Refund) -> None:
    await run(
        conn,
        _INSERT,
        {
            "refund_no": refund.refund_no,
            "partner_id": refund.partner_id,
            "refund_merchant_order_no": refund.refund_merchant_order_no,
            "origin_order_no": refund.origin_order_no,
            "fingerprint": refund.fingerprint,
            "status": refund.status.value,
            "amount_fils": refund.amount.fils,
            "fee_refunded_fils": refund.fee_refunded.fils,
            "reason": refund.reason,
            "operator_name": refund.operator_name,
            "notify_url": refund.notify_url,
            "device_id": refund.device_id,
            "secondary_merchant_id": refund.secondary_merchant_id,
            "reserved": refund.reserved,
            "details": jsonfield.dumps(refund.details or {}),
            "is_revoke": refund.is_revoke,
            "fail_code": refund.fail_code,
            "fail_des": refund.fail_des,
            "request_time": refund.request_time,
            "created_at": refund.created_at,
            "updated_at": refund.updated_at,
        },
    )


_BY_MERCHANT_NO = select(refunds).where(
    refunds.c.partner_id == bindparam("partner_id"),
    refunds.c.refund_merchant_order_no == bindparam("key"),
)
_BY_REFUND_NO = select(refunds).where(
    refunds.c.partner_id == bindparam("partner_id"), refunds.c.refund_no == bindparam("key")
)


async def find(
    conn: Connection,
    partner_id: str,
    *,
    refund_merchant_order_no: str | None = None,
    refund_no: str | None = None,
) -> Refund | None:
    if refund_merchant_order_no is not None:
        query, key = _BY_MERCHANT_NO, refund_merchant_order_no
    else:
        query, key = _BY_REFUND_NO, refund_no or ""
    row = await fetch_first(conn, query, {"partner_id": partner_id, "key": key})
    return _refund(row) if row is not None else None


async def of_order(conn: Connection, order_no: str) -> list[Refund]:
    """Every refund (and revoke) of payment order `order_no`, oldest first."""
    rows = await conn.execute(
        select(refunds).where(refunds.c.origin_order_no == order_no).order_by(refunds.c.id)
    )
    return [_refund(row) for row in rows]
