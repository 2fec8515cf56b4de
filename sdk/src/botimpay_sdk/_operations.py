"""The endpoints: for each method, its path, bizContent, result and retry safety.

Written once; `Client` and `AsyncClient` only send what these build.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from botimpay_sdk._exceptions import InvalidRequestError
from botimpay_sdk._protocol import Call, field, whole
from botimpay_sdk._requests import EpochMillis, PlaceOrderRequest, RefundRequest
from botimpay_sdk._responses import AcquireOrder, PlaceOrderResult, RefundResult

PLACE_ORDER = "acquire2/placeOrder"
GET_ORDER = "acquire2/getOrder"
CANCEL_ORDER = "acquire2/cancelOrder"
UPDATE_EXPIRED_TIME = "acquire2/updateExpiredTime"
REVOKE_ORDER = "acquire2/revokeOrder"
PLACE_REFUND = "acquire2/refund/placeOrder"
GET_REFUND = "acquire2/refund/getOrder"

_EPOCH_MILLIS: TypeAdapter[int] = TypeAdapter(EpochMillis)


def _order_ref(
    merchant_order_no: str | None,
    order_no: str | None,
    *,
    merchant_key: str = "merchantOrderNo",
    merchant_arg: str = "merchant_order_no",
) -> dict[str, Any]:
    if (merchant_order_no is None) == (order_no is None):
        raise InvalidRequestError(f"give exactly one of {merchant_arg} and order_no")
    value = merchant_order_no if merchant_order_no is not None else order_no
    if not isinstance(value, str) or not value:
        raise InvalidRequestError("the order number must be a non-empty string")
    if merchant_order_no is not None:
        return {merchant_key: merchant_order_no}
    return {"orderNo": order_no}


def place_order(order: PlaceOrderRequest) -> Call[PlaceOrderResult]:
    if not isinstance(order, PlaceOrderRequest):
        raise InvalidRequestError("place_order takes a PlaceOrderRequest")
    return Call(PLACE_ORDER, order.to_wire(), whole(PlaceOrderResult), idempotent=True)


def get_order(
    merchant_order_no: str | None, order_no: str | None, device_id: str | None = None
) -> Call[AcquireOrder]:
    biz = _order_ref(merchant_order_no, order_no)
    if device_id is not None:
        biz["deviceId"] = device_id
    return Call(GET_ORDER, biz, field(AcquireOrder, "acquireOrder"), idempotent=True)


def cancel_order(merchant_order_no: str | None, order_no: str | None) -> Call[AcquireOrder]:
    biz = _order_ref(merchant_order_no, order_no)
    return Call(CANCEL_ORDER, biz, field(AcquireOrder, "acquireOrder"), idempotent=True)


def update_expired_time(
    expired_time: Any, merchant_order_no: str | None, order_no: str | None
) -> Call[AcquireOrder]:
    biz = _order_ref(merchant_order_no, order_no)
    biz["expiredTime"] = _millis(expired_time)
    return Call(UPDATE_EXPIRED_TIME, biz, field(AcquireOrder, "acquireOrder"), idempotent=False)


def revoke_order(merchant_order_no: str | None, order_no: str | None) -> Call[AcquireOrder]:
    biz = _order_ref(merchant_order_no, order_no)
    return Call(REVOKE_ORDER, biz, field(AcquireOrder, "acquireOrder"), idempotent=False)


def refund(request: RefundRequest) -> Call[RefundResult]:
    if not isinstance(request, RefundRequest):
        raise InvalidRequestError("refund takes a RefundRequest")
    return Call(PLACE_REFUND, request.to_wire(), whole(RefundResult), idempotent=True)


def get_refund(refund_merchant_order_no: str | None, order_no: str | None) -> Call[RefundResult]:
    biz = _order_ref(
        refund_merchant_order_no,
        order_no,
        merchant_key="refundMerchantOrderNo",
        merchant_arg="refund_merchant_order_no",
    )
    return Call(GET_REFUND, biz, whole(RefundResult), idempotent=True)


def _millis(value: Any) -> int:
    try:
        return _EPOCH_MILLIS.validate_python(value)
    except ValidationError as exc:
        raise InvalidRequestError(f"expired_time: {exc.errors()[0]['msg']}") from exc
