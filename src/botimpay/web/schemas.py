"""Response models of the merchant API, for the OpenAPI document and for tests.

The acquire order and Money are the SDK's own models (`botimpay_sdk.AcquireOrder`,
`Money`): the shape the SDK parses is the shape documented, written once, and
tests/services/test_views.py pins services/views.py's output to it. The envelope
(head, body, `interActionParams` in its wire spelling) and the refund order, which
carries `originOrderNo` beside the SDK's fields, are drawn here; `extra="forbid"`
lets a test prove the responses the gateway sends match them.
"""

from __future__ import annotations

from typing import Literal

from botimpay_sdk import AcquireOrder, Money, SharingInfo
from pydantic import BaseModel, ConfigDict, Field

from botimpay.protocol.fields import Timestamp
from botimpay.protocol.refund_requests import GetRefundBiz, RefundBiz, RevokeOrderBiz
from botimpay.protocol.requests import (
    CancelOrderBiz,
    GetOrderBiz,
    PlaceOrderBiz,
    UpdateExpiredTimeBiz,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseHead(Strict):
    applyStatus: Literal["SUCCESS", "FAIL", "ERROR"]
    code: str = Field(max_length=10, examples=["0"])
    msg: str = Field(examples=["SUCCESS"])
    traceCode: str


class InterActionParams(Strict):
    tokenUrl: str = Field(examples=["http://127.0.0.1:8000/pay-page/main?ft=abc&t=1581493898000"])


class PlaceOrderBody(Strict):
    acquireOrder: AcquireOrder
    interActionParams: InterActionParams | None = None


class OrderBody(Strict):
    acquireOrder: AcquireOrder


class PlaceOrderResponse(Strict):
    head: ResponseHead
    body: PlaceOrderBody | None = None


class OrderResponse(Strict):
    head: ResponseHead
    body: OrderBody | None = None


class RefundOrderOut(Strict):
    """The reference's RefundOrder (4_Refund/_refund-order.mdx)."""

    refundMerchantOrderNo: str
    orderNo: str
    originMerchantOrderNo: str
    originOrderNo: str
    status: Literal["CREATED", "REFUNDED_SETTLED", "SUCCESS", "FAILURE"]
    amount: Money
    feeRefunded: Money
    reason: str | None = None
    operatorName: str | None = None
    notifyUrl: str | None = None
    deviceId: str | None = None
    secondaryMerchantId: str | None = None
    reserved: str | None = None
    failCode: str | None = None
    failDes: str | None = None
    refundSharingAmount: bool | None = None
    sharingInfoList: list[SharingInfo] | None = None  # what this refund took per member


class SharingRemainOut(Strict):
    """What a sharing member can still give back (order-refund-query.mdx's sample spelling)."""

    remainRefundAmount: Money
    memeberId: str


class RefundSummaryOut(Strict):
    acquireAmount: Money
    remainRefundAmount: Money
    sharingRemainRefundInfoList: list[SharingRemainOut] | None = None


class RefundBody(Strict):
    refundOrder: RefundOrderOut
    refundSummary: RefundSummaryOut


class RefundResponse(Strict):
    head: ResponseHead
    body: RefundBody | None = None


def _request(name: str, biz: type[BaseModel]) -> type[BaseModel]:
    """The signed request envelope around one endpoint's bizContent."""
    return type(
        name,
        (BaseModel,),
        {
            "__annotations__": {"requestTime": Timestamp, "bizContent": biz},
            "__doc__": f"`{{requestTime, bizContent}}` ({biz.__name__}), signed in `sign`.",
        },
    )


PlaceOrderRequest = _request("PlaceOrderRequest", PlaceOrderBiz)
GetOrderRequest = _request("GetOrderRequest", GetOrderBiz)
CancelOrderRequest = _request("CancelOrderRequest", CancelOrderBiz)
UpdateExpiredTimeRequest = _request("UpdateExpiredTimeRequest", UpdateExpiredTimeBiz)
RevokeOrderRequest = _request("RevokeOrderRequest", RevokeOrderBiz)
RefundRequest = _request("RefundRequest", RefundBiz)
GetRefundRequest = _request("GetRefundRequest", GetRefundBiz)
