"""Request and response models of the page queries (queryOrderPage and
queryRefundOrderPage) for the OpenAPI document and for tests; `extra="forbid"` where
the page lists every field, so a test proves what the gateway sends matches them."""

from __future__ import annotations

from typing import Literal

from botimpay_sdk import Money
from pydantic import BaseModel, ConfigDict

from botimpay.protocol.fields import Timestamp
from botimpay.protocol.query_page_requests import QueryOrderPageBiz, QueryRefundOrderPageBiz
from botimpay.web.schemas import ResponseHead, Strict


class QueryOrderPageRequest(BaseModel):
    """`{requestTime, bizContent}` (QueryOrderPageBiz), signed in `sign`."""

    requestTime: Timestamp
    bizContent: QueryOrderPageBiz


class QueryRefundOrderPageRequest(BaseModel):
    """`{requestTime, bizContent}` (QueryRefundOrderPageBiz), signed in `sign`."""

    requestTime: Timestamp
    bizContent: QueryRefundOrderPageBiz


class PageParamOut(Strict):
    number: int
    size: int


class PagePaymentInfo(BaseModel):
    """paymentInfo of a listed order; card and channel details may follow."""

    model_config = ConfigDict(extra="allow")

    paidTime: int
    settledTime: int | None = None
    payerMid: str | None = None
    paidAmount: Money
    payeeFeeAmount: Money
    payerFeeAmount: Money
    settlementAmount: Money
    payeeFeeAmountBeforeTax: Money
    payeeFeeVat: Money
    payChannel: str | None = None


class OrderPageItem(Strict):
    merchantOrderNo: str
    orderNo: str
    deviceId: str
    status: Literal["CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE"]
    product: str
    totalAmount: Money
    payeeMid: str
    expiredTime: int
    subject: str | None = None
    requestTime: int
    paySceneCode: str
    notifyUrl: str | None = None
    revoked: Literal["true", "false"] | None = None
    reserved: str | None = None
    paymentInfo: PagePaymentInfo | None = None


class OrderPageBody(Strict):
    totalElements: int
    totalPages: int
    sortPageParam: PageParamOut
    items: list[OrderPageItem]


class OrderPageResponse(Strict):
    head: ResponseHead
    body: OrderPageBody | None = None


class RefundPageItem(Strict):
    """RefundOrderListResult."""

    refundMerchantOrderNo: str
    orderNo: str
    status: Literal["CREATED", "REFUNDED_SETTLED", "SUCCESS", "FAILURE"]
    amount: Money
    notifyUrl: str | None = None
    reason: str | None = None
    reserved: str | None = None
    feeRefunded: Money
    deviceId: str | None = None


class RefundPageBody(Strict):
    totalElements: int
    totalPages: int
    sortPageParam: PageParamOut
    items: list[RefundPageItem]


class RefundPageResponse(Strict):
    head: ResponseHead
    body: RefundPageBody | None = None
