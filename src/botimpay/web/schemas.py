"""Response models of the merchant API, for the OpenAPI document and for tests.

`extra="forbid"` lets a test prove the responses the gateway sends match them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

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


class MoneyOut(Strict):
    amount: Decimal
    currency: Literal["AED"]


class ResponseHead(Strict):
    applyStatus: Literal["SUCCESS", "FAIL", "ERROR"]
    code: str = Field(max_length=10, examples=["0"])
    msg: str = Field(examples=["SUCCESS"])
    traceCode: str


class AmountDetailOut(Strict):
    amount: MoneyOut | None = None
    discountableAmount: MoneyOut | None = None
    vatAmount: MoneyOut | None = None
    tipAmount: MoneyOut | None = None


class GoodsDetailOut(Strict):
    body: str | None = None
    categoriesTree: str | None = None
    goodsCategory: str | None = None
    goodsId: str | None = None
    goodsName: str | None = None
    price: MoneyOut | None = None
    quantity: Decimal | None = None
    showUrl: str | None = None


class TerminalDetailOut(Strict):
    operatorId: str | None = None
    storeId: str | None = None
    terminalId: str | None = None
    merchantName: str | None = None
    storeName: str | None = None


class AccessoryContentOut(Strict):
    amountDetail: AmountDetailOut
    goodsDetail: GoodsDetailOut
    terminalDetail: TerminalDetailOut


class SharingInfoOut(Strict):
    sharingIdentitySeqId: int
    sharingMemo: str
    sharingAmount: MoneyOut
    sharingMid: str | None = None


class PromotionInfoOut(Strict):
    appliedRewardId: str
    settleFlag: str


class PaymentInfoOut(Strict):
    paidAmount: MoneyOut
    paidTime: int
    payerMid: str | None = None
    payChannel: Literal["BALANCE", "CARD"]
    payerFeeAmount: MoneyOut
    payeeFeeAmount: MoneyOut
    settlementAmount: MoneyOut


class AcquireOrderOut(Strict):
    """The reference's AcquireOrder (retrieve-order-detail.mdx)."""

    merchantOrderNo: str
    orderNo: str
    status: Literal["CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE"]
    product: str
    totalAmount: MoneyOut
    payeeMid: str
    expiredTime: int
    subject: str
    requestTime: int
    paySceneCode: str
    paySceneParams: dict[str, str]
    accessoryContent: AccessoryContentOut
    revoked: Literal["true", "false"]
    notifyUrl: str | None = None
    subjectAr: str | None = None
    reserved: str | None = None
    deviceId: str | None = None
    secondaryMerchantId: str | None = None
    riskInfo: str | None = None
    sharingInfoList: list[SharingInfoOut] | None = None
    promotionInfoList: list[PromotionInfoOut] | None = None
    failCode: str | None = None
    failDes: str | None = None


class InterActionParams(Strict):
    tokenUrl: str = Field(examples=["http://127.0.0.1:8000/pay-page/main?ft=abc&t=1581493898000"])


class PlaceOrderBody(Strict):
    acquireOrder: AcquireOrderOut
    interActionParams: InterActionParams | None = None


class OrderBody(Strict):
    acquireOrder: AcquireOrderOut


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
    amount: MoneyOut
    feeRefunded: MoneyOut
    reason: str | None = None
    operatorName: str | None = None
    notifyUrl: str | None = None
    deviceId: str | None = None
    secondaryMerchantId: str | None = None
    reserved: str | None = None
    failCode: str | None = None
    failDes: str | None = None


class RefundSummaryOut(Strict):
    acquireAmount: MoneyOut
    remainRefundAmount: MoneyOut


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
