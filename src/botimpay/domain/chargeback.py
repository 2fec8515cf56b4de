"""Chargebacks and VOIDs of paid orders: what may be reversed, by how much, from where.

Both return money to the payer exactly like a refund (the merchant gives back the
amount less its fee share, the gateway its share) and count in the order's
`refunded` total, so refunds, settlement and revoke see what is left. A chargeback
takes any part of a PAID_SUCCESS or SETTLED order up to what is left after refunds
and earlier chargebacks; a VOID reverses a whole PAID_SUCCESS order that nothing was
returned from yet (a settled one is charged back instead); orders with sharing members
are refused by both. Requests are parsed here, once, for the sandbox HTTP helper and
the CLI; every refusal names its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botimpay.domain.order import Order, OrderStatus
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.money import Money, MoneyError, parse_amount, parse_money

DEFAULT_CASE_TYPE = "DISPUTE"
VOID_FAIL_CODE = "VOID_FAILED"
VOID_FAIL_DES = "The VOID was declined (sandbox outcome FAILURE)"


class ChargebackKind(StrEnum):
    CHARGEBACK = "CHARGEBACK"
    VOID = "VOID"


class ChargebackStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


@dataclass(frozen=True, slots=True)
class Chargeback:
    """One chargeback or VOID booked against `order_no`; `merchant_ref` is the VOID's
    voidMerchantOrderNo (None for a chargeback)."""

    chargeback_no: str
    kind: ChargebackKind
    partner_id: str
    order_no: str
    status: ChargebackStatus
    amount: Money
    fee_returned: Money
    created_at: int
    merchant_ref: str | None = None
    case_type: str | None = None
    notify_url: str | None = None
    fail_code: str | None = None
    fail_des: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLocator:
    """`orderNo` xor `merchantOrderNo`, with the merchant when given."""

    order_no: str | None
    merchant_order_no: str | None
    partner_id: str | None


@dataclass(frozen=True, slots=True)
class ChargebackRequest:
    order: OrderLocator
    amount: Money
    case_type: str


@dataclass(frozen=True, slots=True)
class VoidRequest:
    order: OrderLocator
    amount: Money | None  # None: the whole order
    void_merchant_order_no: str | None
    callback_url: str | None
    succeed: bool


# --- parsing ---------------------------------------------------------------------


def _text(raw: dict[str, Any], name: str, limit: int) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise InvalidParameter(f"{name} allows at most {limit} characters")
    return value


def _locator(raw: dict[str, Any]) -> OrderLocator:
    order_no = _text(raw, "orderNo", 32)
    merchant_order_no = _text(raw, "merchantOrderNo", 64)
    if (order_no is None) == (merchant_order_no is None):
        raise InvalidParameter("give exactly one of orderNo and merchantOrderNo")
    return OrderLocator(order_no, merchant_order_no, _text(raw, "partnerId", 12))


def _amount(value: object, name: str) -> Money:
    """A Money object or a plain AED number (or decimal string), positive, exact."""
    try:
        if isinstance(value, dict):
            return parse_money(value, name)
        money = Money.from_decimal(parse_amount(value, name))
    except MoneyError as exc:
        raise InvalidParameter(str(exc)) from None
    if money.fils <= 0:
        raise InvalidParameter(f"{name} must be greater than 0")
    return money


def _refuse_unknown(raw: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidParameter(f"unknown field {unknown[0]}; allowed: {', '.join(sorted(known))}")


def parse_chargeback(raw: dict[str, Any]) -> ChargebackRequest:
    """`{"orderNo"|"merchantOrderNo", "partnerId"?, "amount", "caseType"?}`."""
    _refuse_unknown(raw, {"orderNo", "merchantOrderNo", "partnerId", "amount", "caseType"})
    if raw.get("amount") is None:
        raise InvalidParameter("amount is required")
    return ChargebackRequest(
        _locator(raw),
        _amount(raw["amount"], "amount"),
        _text(raw, "caseType", 200) or DEFAULT_CASE_TYPE,
    )


def parse_void(raw: dict[str, Any]) -> VoidRequest:
    """`{"orderNo"|"merchantOrderNo", "partnerId"?, "amount"?, "voidMerchantOrderNo"?,
    "voidCallbackUrl"?, "outcome"?: "SUCCESS"|"FAILURE"}`."""
    known = {"orderNo", "merchantOrderNo", "partnerId", "amount", "voidMerchantOrderNo"}
    _refuse_unknown(raw, known | {"voidCallbackUrl", "outcome"})
    outcome = raw.get("outcome", "SUCCESS")
    if outcome not in ("SUCCESS", "FAILURE"):
        raise InvalidParameter(f"outcome must be SUCCESS or FAILURE, got {outcome!r}")
    callback = _text(raw, "voidCallbackUrl", 200)
    if callback is not None and not callback.startswith(("http://", "https://")):
        raise InvalidParameter("voidCallbackUrl must be an http:// or https:// URL")
    amount = raw.get("amount")
    return VoidRequest(
        _locator(raw),
        None if amount is None else _amount(amount, "amount"),
        _text(raw, "voidMerchantOrderNo", 64),
        callback,
        outcome == "SUCCESS",
    )


# --- rules -----------------------------------------------------------------------


def _refuse_unpaid(order: Order) -> None:
    """Also refuses orders with sharing members: their money is split beyond the
    merchant's account, which is the only one a chargeback or VOID takes from."""
    if order.details.get("sharingParamList"):
        raise BusinessError(
            codes.REFUND_REJECTED,
            f"order {order.order_no} has sharing members: the sandbox charges back or"
            " VOIDs only orders without sharing",
        )
    if order.status is OrderStatus.CREATED:
        raise BusinessError(codes.ORDER_NOT_PAID, f"order {order.order_no} is not paid")
    if order.status is OrderStatus.FAILURE:
        raise BusinessError(codes.ORDER_FAILURE, f"order {order.order_no} is FAILURE")


def check_chargeback(order: Order, amount: Money) -> None:
    """A paid order, and no more than what is left of it after refunds and chargebacks."""
    _refuse_unpaid(order)
    left = order.total - order.refunded
    if amount > left:
        raise BusinessError(
            codes.REFUND_AMOUNT_EXCEEDED,
            f"amount {amount} exceeds the {left} left of order {order.order_no}"
            f" (paid {order.total}, {order.refunded} already refunded or charged back)",
        )


def check_void(order: Order, amount: Money | None) -> Money:
    """The amount a VOID of `order` reverses: all of a PAID_SUCCESS order, untouched."""
    if order.status is OrderStatus.SETTLED:
        raise BusinessError(
            codes.ORDER_SETTLED,
            f"order {order.order_no} is SETTLED: a VOID needs an unsettled payment"
            " (charge it back instead)",
        )
    _refuse_unpaid(order)
    if order.refunded.fils > 0:
        raise BusinessError(
            codes.ACQUIRE_ORDER_REFUNDED,
            f"order {order.order_no} was already refunded or charged back {order.refunded}",
        )
    if amount is not None and amount != order.total:
        raise InvalidParameter(
            f"amount must be the order's full {order.total} (a VOID reverses the whole payment)"
        )
    return order.total
