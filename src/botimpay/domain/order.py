"""The payment order and its state machine: placement rules, cancel, expiry.

    CREATED ──pay──▶ PAID_SUCCESS ──settle──▶ SETTLED
       │
       └──cancel / expire──▶ FAILURE

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

    @property
    def is_final(self) -> bool:
        return self.status in (OrderStatus.FAILURE, OrderStatus.SETTLED)

    def is_expired_at(self, now_ms: int) -> bool:
        return self.status is OrderStatus.CREATED and now_ms >= self.expired_time


# --- placement -------------------------------------------------------------


def resolve_expiry(request_time: int, expired_time: int | None) -> int:
    """Default 2 h after requestTime; at most 48 h after it (62008 / 62009)."""
    if expired_time is None:
        return request_time + DEFAULT_EXPIRY_MS
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


Event = Cancel | Expire | ChangeExpiry


@dataclass(frozen=True, slots=True)
class OrderFailed:
    """Effect: the order became FAILURE; the merchant is to be notified."""

    order_no: str


Effect = OrderFailed


def _refuse_unless_created(order: Order) -> None:
    refusal = {
        OrderStatus.PAID_SUCCESS: codes.ORDER_PAID,
        OrderStatus.FAILURE: codes.ORDER_FAILURE,
        OrderStatus.SETTLED: codes.ORDER_SETTLED,
    }.get(order.status)
    if refusal is not None:
        raise BusinessError(refusal, f"order {order.order_no} is {order.status.value}")


def _fail(order: Order, reason: tuple[str, str], now_ms: int) -> tuple[Order, list[Effect]]:
    failed = dataclasses.replace(
        order,
        status=OrderStatus.FAILURE,
        fail_code=reason[0],
        fail_des=reason[1],
        updated_at=now_ms,
        version=order.version + 1,
    )
    return failed, [OrderFailed(order.order_no)]


def transition(order: Order, event: Event, now_ms: int) -> tuple[Order, list[Effect]]:
    """Applies `event` at business time `now_ms`; raises BusinessError when refused."""
    if isinstance(event, Expire):
        if not order.is_expired_at(now_ms):
            return order, []
        return _fail(order, FAIL_EXPIRED, now_ms)
    _refuse_unless_created(order)
    if order.is_expired_at(now_ms):
        raise BusinessError(codes.ORDER_FAILURE, f"order {order.order_no} has expired")
    if isinstance(event, Cancel):
        return _fail(order, FAIL_CANCELLED, now_ms)
    if event.expired_time <= max(event.request_time, now_ms):
        raise BusinessError(
            codes.EXPIREDTIME_LESS_THAN_REQUESTTIME,
            "bizContent.expiredTime must be later than requestTime and now",
        )
    if event.expired_time > now_ms + MAX_EXPIRY_UPDATE_MS:
        raise BusinessError(
            codes.EXPIREDTIME_TOO_LATER, "bizContent.expiredTime must be within 15 days from now"
        )
    changed = dataclasses.replace(
        order, expired_time=event.expired_time, updated_at=now_ms, version=order.version + 1
    )
    return changed, []
