"""Docs models of the payer endpoints: getOrderPayer's `payer` (_acquire-order-payer.mdx)
and getCashierUrlInfo's (get-cashier-url.mdx), with their request envelopes.

getOrderPayer's body has no `payer` until a wallet scanned the QR or opened the checkout
(the page marks the object optional, its fields required); getCashierUrlInfo's body
always has `payer`, without `mobileNumberMask` until then (the page marks it optional).
"""

from __future__ import annotations

from pydantic import Field

from botimpay.protocol.payer_requests import GetCashierUrlInfoBiz, GetOrderPayerBiz
from botimpay.web.schemas import ResponseHead, Strict, _request


class OrderPayerOut(Strict):
    """The reference's AcquireOrderPayer."""

    payerMid: str = Field(examples=["100000000001"])
    mobileNumberMask: str = Field(examples=["+971-56*****01"])
    deviceId: str = Field(examples=["TI100999999999900"])
    ipAddress: str = Field(examples=["127.0.0.1"])


class OrderPayerBody(Strict):
    payer: OrderPayerOut | None = None


class OrderPayerResponse(Strict):
    head: ResponseHead
    body: OrderPayerBody | None = None


class CashierPayerOut(Strict):
    mobileNumberMask: str | None = Field(default=None, examples=["+971-56*01"])


class CashierUrlInfoBody(Strict):
    payer: CashierPayerOut


class CashierUrlInfoResponse(Strict):
    head: ResponseHead
    body: CashierUrlInfoBody | None = None


GetOrderPayerRequest = _request("GetOrderPayerRequest", GetOrderPayerBiz)
GetCashierUrlInfoRequest = _request("GetCashierUrlInfoRequest", GetCashierUrlInfoBiz)
