"""The payment order and its state machine: placement rules, cancel, expiry.

    CREATED ──pay──▶ PAID_SUCCESS ──settle──▶ SETTLED
       │
       └──cancel / expire / failed one-time payment / revoke──▶ FAILURE
    (PAID_SUCCESS ──revoke, after a full refund──▶ FAILURE, revoked="true")

`transition(order, event, now_ms)` returns the new order and the effects the
services must perform; it raises BusinessError with the reference's code
when the event is not allowed in the order's state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botimpay.domain.scenes import SceneParams
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import Money

HOUR_MS = 3_600_000
DEFAULT_EXPIRY_MS = 2 * HOUR_MS
MAX_EXPIRY_MS = 48 * HOUR_MS
MAX_EXPIRY_UPDATE_MS = 15 * 24 * HOUR_MS

FAIL_CANCELLED = ("ORDER_CANCELLED", "The order was cancelled by the merchant")
FAIL_EXPIRED = ("ORDER_EXPIRED", "The order expired before it was paid")
FAIL_PAYMENT = ("PAYMENT_FAILED", "A one-time payment attempt failed")
FAIL_REVOKED = ("ORDER_REVOKED", "The order was revoked by the merchant")


class OrderStatus(StrEnum):
    CREATED = "CREATED"
    PAID_SUCCESS = "PAID_SUCCESS"
    SETTLED = "SETTLED"
    FAILURE = "FAILURE"


@dataclass(frozen=True, slots=True)
class Order:
    """One acquiring order as the business sees it; `details` holds echoed wire objects."""

    order_no: str
    partner_id: str
    merchant_order_no: str
    fingerprint: str
    status: OrderStatus
    total: Money
    subject: str
    scene_code: str
    scene: SceneParams
    payee_mid: str
    request_time: int
    expired_time: int
    created_at: int
    updated_at: int
    token: str
    subject_ar: str | None = None
    notify_url: str | None = None
    device_id: str | None = None
    secondary_merchant_id: str | None = None
    reserved: str | None = None
    risk_info: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    revoked: bool = False
    fail_code: str | None = None
    fail_des: str | None = None
    version: int = 1
    payer_mid: str | None = None
    bound_payer_mid: str | None = None
    paid_time: int | None = None
    pay_channel: str | None = None
    payee_fee: Money | None = None
    settled_time: int | None = None
    refunded: Money = dataclasses.field(default_factory=Money.zero)
    fee_refunded: Money = dataclasses.field(default_factory=Money.zero)

    @property
    def is_final(self) -> bool:
        return self.status in (OrderStatus.FAILURE, OrderStatus.SETTLED)

    @property
    def is_paid(self) -> bool:
        return self.status in (OrderStatus.PAID_SUCCESS, OrderStatus.SETTLED)

    @property
    def unsettled_net(self) -> Money:
        """What settlement moves to the merchant: paid less refunds, less the fee kept."""
        fee_kept = (self.payee_fee or Money.zero()) - self.fee_refunded
        return self.total - self.refunded - fee_kept

    @property
    def settlement_amount(self) -> Money | None:
        """What the merchant receives: the paid amount less the payee fee."""
        if self.payee_fee is None:
            return None
        return self.total - self.payee_fee

    def is_expired_at(self, now_ms: int) -> bool:
        return self.status is OrderStatus.CREATED and now_ms >= self.expired_time


# --- placement -------------------------------------------------------------


def resolve_expiry(request_time: int, expired_time: int | None, time_offset_ms: int = 0) -> int:
    """Default 2 h after requestTime; at most 48 h after it (62008 / 62009).

    In a sandbox whose business time was moved forward by `time_offset_ms`, the
    default counts from the request's business time, so new orders do not
    arrive already expired.
    """
    if expired_time is None:
        return request_time + time_offset_ms + DEFAULT_EXPIRY_MS
    if expired_time <= request_time:
        raise BusinessError(
            codes.EXPIREDTIME_LESS_THAN_REQUESTTIME,
            "bizContent.expiredTime must be later than requestTime",
        )
    if expired_time > request_time + MAX_EXPIRY_MS:
        raise BusinessError(
            codes.EXPIREDTIME_TOO_LATER,
            "bizContent.expiredTime must be at most 48 hours after requestTime",
        )
    return expired_time


def check_idempotent_repeat(existing: Order, fingerprint: str) -> None:
    """A repeated merchantOrderNo is fine only with the same business parameters."""
    if existing.fingerprint != fingerprint:
        raise BusinessError(
            codes.MERCHANT_ORDER_NO_EXIST,
            f"merchantOrderNo {existing.merchant_order_no} was used with different parameters",
        )


# --- events ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cancel:
    """The merchant cancels an unpaid order."""


@dataclass(frozen=True, slots=True)
class Expire:
    """The order's expiredTime has passed (read path or sweeper)."""


@dataclass(frozen=True, slots=True)
class ChangeExpiry:
    """updateExpiredTime: a new expiry, checked against requestTime and now."""

    expired_time: int
    request_time: int


@dataclass(frozen=True, slots=True)
class Pay:
    """A successful payment by `payer_mid` (None for a card without a wallet); a card
    payment carries the wire `cardInfo` (masked: brand, first6, last4, ...)."""

    payer_mid: str | None
    channel: str
    fee: Money
    card_info: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class FailPayment:
    """A failed attempt on a oneTimePayment order makes the order final."""

    reason: str


@dataclass(frozen=True, slots=True)
class BindPayer:
    """DYNQR with changePayer: the first payer to scan owns the order."""

    member_id: str


@dataclass(frozen=True, slots=True)
class Settle:
    """Funds of a paid order become available to the merchant."""


@dataclass(frozen=True, slots=True)
class RecordRefund:
    """A refund of `amount` (with `fee` of the payee fee) was booked against the order."""

    amount: Money
    fee: Money


@dataclass(frozen=True, slots=True)
class Revoke:
    """Unpaid → FAILURE; paid → FAILURE after a full refund; settled stays SETTLED."""


Event = (
    Cancel | Expire | ChangeExpiry | Pay | FailPayment | BindPayer | Settle | RecordRefund | Revoke
)


@dataclass(frozen=True, slots=True)
class OrderFailed:
    """Effect: the order became FAILURE; the merchant is to be notified."""

    order_no: str


@dataclass(frozen=True, slots=True)
class OrderPaid:
    """Effect: the order became PAID_SUCCESS; the merchant is to be notified."""

    order_no: str


Effect = OrderFailed | OrderPaid


def _refuse_unless_created(order: Order) -> None:
    refusal = {
        OrderStatus.PAID_SUCCESS: codes.ORDER_PAID,
        OrderStatus.FAILURE: codes.ORDER_FAILURE,
        OrderStatus.SETTLED: codes.ORDER_SETTLED,
    }.get(order.status)
    if refusal is not None:
        raise BusinessError(refusal, f"order {order.order_no} is {order.status.value}")


def _fail(order: Order, reason: tuple[str, str], now_ms: int) -> tuple[Order, list[Effect]]:
    failed = _changed(
        order, now_ms, status=OrderStatus.FAILURE, fail_code=reason[0], fail_des=reason[1]
    )
    return failed, [OrderFailed(order.order_no)]


def transition(order: Order, event: Event, now_ms: int) -> tuple[Order, list[Effect]]:
    """Applies `event` at business time `now_ms`; raises BusinessError when refused."""
    if isinstance(event, Expire):
        if not order.is_expired_at(now_ms):
            return order, []
        return _fail(order, FAIL_EXPIRED, now_ms)
    if isinstance(event, Settle):
        if order.status is not OrderStatus.PAID_SUCCESS:
            raise BusinessError(codes.ORDER_NOT_PAID, f"order {order.order_no} is not paid")
        return _changed(order, now_ms, status=OrderStatus.SETTLED, settled_time=now_ms), []
    if isinstance(event, RecordRefund):
        return _record_refund(order, event, now_ms), []
    if isinstance(event, Revoke):
        return _revoke(order, now_ms)
    _refuse_unless_created(order)
    if order.is_expired_at(now_ms):
        raise BusinessError(codes.ORDER_FAILURE, f"order {order.order_no} has expired")
    if isinstance(event, Cancel):
        return _fail(order, FAIL_CANCELLED, now_ms)
    if isinstance(event, Pay):
        paid = _changed(
            order,
            now_ms,
            status=OrderStatus.PAID_SUCCESS,
            payer_mid=event.payer_mid,
            paid_time=now_ms,
            pay_channel=event.channel,
            payee_fee=event.fee,
            details=(
                {**order.details, "cardInfo": dict(event.card_info)}
                if event.card_info
                else order.details
            ),
        )
        return paid, [OrderPaid(order.order_no)]
    if isinstance(event, FailPayment):
        return _fail(order, (FAIL_PAYMENT[0], event.reason), now_ms)
    if isinstance(event, BindPayer):
        if order.bound_payer_mid is not None:
            return order, []
        return _changed(order, now_ms, bound_payer_mid=event.member_id), []
    # The adjust-expiry page documents one code for every bad expiry: 62089 (not the
    # placeOrder codes 62008 / 62009).
    if event.expired_time <= max(event.request_time, now_ms):
        raise BusinessError(
            codes.INVALID_EXPIRED_TIME,
            "bizContent.expiredTime must be later than requestTime and now",
        )
    if event.expired_time > now_ms + MAX_EXPIRY_UPDATE_MS:
        raise BusinessError(
            codes.INVALID_EXPIRED_TIME, "bizContent.expiredTime must be within 15 days from now"
        )
    return _changed(order, now_ms, expired_time=event.expired_time), []


def _record_refund(order: Order, event: RecordRefund, now_ms: int) -> Order:
    if not order.is_paid:
        raise BusinessError(codes.ORDER_NOT_PAID, f"order {order.order_no} is not paid")
    refunded = order.refunded + event.amount
    if refunded > order.total:
        raise BusinessError(
            codes.REFUND_AMOUNT_EXCEEDED,
            f"refunds of {refunded} would exceed the paid {order.total}",
        )
    fee_refunded = order.fee_refunded + event.fee
    if order.payee_fee is not None and fee_refunded > order.payee_fee:
        raise BusinessError(codes.REFUND_REJECTED, "the fee share exceeds the fee charged")
    return _changed(order, now_ms, refunded=refunded, fee_refunded=fee_refunded)


def _revoke(order: Order, now_ms: int) -> tuple[Order, list[Effect]]:
    if order.revoked:
        return order, []
    if order.status in (OrderStatus.FAILURE, OrderStatus.SETTLED):
        return _changed(order, now_ms, revoked=True), []
    if order.status is OrderStatus.PAID_SUCCESS and order.refunded != order.total:
        raise BusinessError(
            codes.REVOKE_FAILURE, "a paid order is revoked only after its full refund"
        )
    failed, effects = _fail(order, FAIL_REVOKED, now_ms)
    return _changed(failed, now_ms, revoked=True, version=failed.version), effects


def _changed(order: Order, now_ms: int, **changes: Any) -> Order:
    changes.setdefault("version", order.version + 1)
    return dataclasses.replace(order, updated_at=now_ms, **changes)
