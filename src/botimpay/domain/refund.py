"""Refunds: who may refund what, the fee share, and the 180-day window.

A refund never exceeds what is left of the paid amount after all earlier
refunds; the payee fee is refunded in proportion (half-up to the fils), and
the last refund takes whatever fee is left so the shares add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from botimpay.domain import ledger
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.payment import Method
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import Money

REFUND_WINDOW_MS = 180 * 24 * 3600 * 1000


class RefundStatus(StrEnum):
    CREATED = "CREATED"
    REFUNDED_SETTLED = "REFUNDED_SETTLED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


@dataclass(frozen=True, slots=True)
class Refund:
    refund_no: str
    partner_id: str
    refund_merchant_order_no: str
    origin_order_no: str
    fingerprint: str
    status: RefundStatus
    amount: Money
    fee_refunded: Money
    request_time: int
    created_at: int
    updated_at: int
    is_revoke: bool = False
    reason: str | None = None
    operator_name: str | None = None
    notify_url: str | None = None
    device_id: str | None = None
    secondary_merchant_id: str | None = None
    reserved: str | None = None
    details: dict[str, Any] | None = None
    fail_code: str | None = None
    fail_des: str | None = None


def check_refundable(order: Order, amount: Money, now_ms: int) -> None:
    """Raises the reference's code when `order` cannot be refunded by `amount`."""
    if order.revoked:
        raise BusinessError(codes.ACQUIRE_ORDER_REVOKED, f"order {order.order_no} was revoked")
    if order.status is OrderStatus.CREATED:
        raise BusinessError(codes.ORDER_NOT_PAID, f"order {order.order_no} is not paid")
    if order.status is OrderStatus.FAILURE:
        raise BusinessError(codes.ORDER_FAILURE, f"order {order.order_no} has failed")
    paid_at = order.paid_time if order.paid_time is not None else order.created_at
    if now_ms - paid_at > REFUND_WINDOW_MS:
        raise BusinessError(
            codes.REFUND_REJECTED, "orders can only be refunded within 180 days of payment"
        )
    remaining = order.total - order.refunded
    if amount > remaining:
        raise BusinessError(
            codes.REFUND_AMOUNT_EXCEEDED,
            f"refund of {amount} exceeds the refundable {remaining}",
        )


def fee_share(order: Order, amount: Money) -> Money:
    """The part of the payee fee this refund returns."""
    fee = order.payee_fee or Money.zero()
    fee_left = fee - order.fee_refunded
    left_after = order.total.fils - order.refunded.fils - amount.fils
    if left_after <= 0:
        return fee_left
    share = (Decimal(fee.fils) * Decimal(amount.fils) / Decimal(order.total.fils)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    # Shares rounded down must not leave more fee than there is amount left to refund:
    # the merchant's part of a later refund (amount - fee share) would go negative.
    at_least = fee_left.fils - left_after
    return Money(min(max(int(share), at_least), fee_left.fils))


def check_revocable(order: Order) -> None:
    """Revoke is refused once any refund exists (62041)."""
    if order.refunded.fils > 0 and not order.revoked:
        raise BusinessError(
            codes.ACQUIRE_ORDER_REFUNDED, f"order {order.order_no} has been refunded"
        )


def accounts_of(order: Order) -> tuple[ledger.AccountRef, ledger.AccountRef]:
    """(merchant account the money sits in, payer account it goes back to) when a
    refund, chargeback or VOID returns part of `order`: pending until it is settled."""
    merchant = (
        ledger.merchant_pending(order.payee_mid)
        if order.status is OrderStatus.PAID_SUCCESS
        else ledger.merchant_available(order.payee_mid)
    )
    payer = (
        ledger.wallet(order.payer_mid)
        if order.pay_channel == Method.BALANCE and order.payer_mid
        else ledger.CARD_CLEARING
    )
    return merchant, payer
