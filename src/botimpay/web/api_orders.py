"""The order and refund endpoints of the merchant API: place, get, cancel,
updateExpiredTime, revoke, refund and get refund (JSAPI and DYNQR)."""

from __future__ import annotations

from typing import Any

from botimpay.protocol.refund_requests import GetRefundBiz, RefundBiz, RevokeOrderBiz
from botimpay.protocol.requests import (
    CancelOrderBiz,
    GetOrderBiz,
    PlaceOrderBiz,
    UpdateExpiredTimeBiz,
)
from botimpay.services.auth import MerchantAuth
from botimpay.services.refunds import RefundResult
from botimpay.services.views import acquire_order, refund_order, refund_summary
from botimpay.web import schemas
from botimpay.web.operation import Operation
from botimpay.web.state import AppState


def _refund_body(result: RefundResult) -> dict[str, Any]:
    return {
        "refundOrder": refund_order(result.refund, result.order),
        "refundSummary": refund_summary(result.order, result.shares),
    }


async def _place_order(
    state: AppState, auth: MerchantAuth, biz: PlaceOrderBiz, request_time: int
) -> dict[str, Any]:
    placed = await state.orders.place(
        auth.merchant.partner_id,
        biz,
        request_time,
        default_notify_url=auth.merchant.default_notify_url,
        merchant=auth.merchant,
    )
    body: dict[str, Any] = {"acquireOrder": acquire_order(placed.order)}
    if placed.token_url is not None:
        body["interActionParams"] = {"tokenUrl": placed.token_url}
    return body


async def _get_order(
    state: AppState, auth: MerchantAuth, biz: GetOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.get(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _cancel_order(
    state: AppState, auth: MerchantAuth, biz: CancelOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.cancel(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _update_expired_time(
    state: AppState, auth: MerchantAuth, biz: UpdateExpiredTimeBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.update_expiry(
        auth.merchant.partner_id, biz, biz.expiredTime, request_time
    )
    return {"acquireOrder": acquire_order(order)}


async def _revoke_order(
    state: AppState, auth: MerchantAuth, biz: RevokeOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.refunds.revoke(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _refund(
    state: AppState, auth: MerchantAuth, biz: RefundBiz, request_time: int
) -> dict[str, Any]:
    result = await state.refunds.refund(
        auth.merchant.partner_id,
        biz,
        request_time,
        default_notify_url=auth.merchant.default_notify_url,
    )
    return _refund_body(result)


async def _get_refund(
    state: AppState, auth: MerchantAuth, biz: GetRefundBiz, request_time: int
) -> dict[str, Any]:
    return _refund_body(await state.refunds.get(auth.merchant.partner_id, biz))


OPERATIONS: tuple[Operation, ...] = (  # the order endpoints, in the reference's order
    Operation(
        "acquire2/placeOrder",
        "Create a JSAPI or DYNQR order",
        PlaceOrderBiz,
        schemas.PlaceOrderRequest,
        schemas.PlaceOrderResponse,
        _place_order,
    ),
    Operation(
        "acquire2/getOrder",
        "Retrieve an order",
        GetOrderBiz,
        schemas.GetOrderRequest,
        schemas.OrderResponse,
        _get_order,
    ),
    Operation(
        "acquire2/cancelOrder",
        "Cancel an unpaid order",
        CancelOrderBiz,
        schemas.CancelOrderRequest,
        schemas.OrderResponse,
        _cancel_order,
    ),
    Operation(
        "acquire2/updateExpiredTime",
        "Change an unpaid order's expiry",
        UpdateExpiredTimeBiz,
        schemas.UpdateExpiredTimeRequest,
        schemas.OrderResponse,
        _update_expired_time,
    ),
    Operation(
        "acquire2/revokeOrder",
        "Revoke an order: close it if unpaid, refund it in full if paid",
        RevokeOrderBiz,
        schemas.RevokeOrderRequest,
        schemas.OrderResponse,
        _revoke_order,
    ),
    Operation(
        "acquire2/refund/placeOrder",
        "Refund a paid order in full or in part",
        RefundBiz,
        schemas.RefundRequest,
        schemas.RefundResponse,
        _refund,
    ),
    Operation(
        "acquire2/refund/getOrder",
        "Retrieve a refund",
        GetRefundBiz,
        schemas.GetRefundRequest,
        schemas.RefundResponse,
        _get_refund,
    ),
)
