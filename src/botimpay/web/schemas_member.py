"""Docs and test models of member/getBalance (9_Member/get-balance.mdx): the signed
request around GetBalanceBiz and the response the page shows, `extra="forbid"` so a
test proves the gateway sends exactly the documented fields."""

from __future__ import annotations

from botimpay_sdk import Money
from pydantic import Field

from botimpay.protocol.member_requests import GetBalanceBiz
from botimpay.web.schemas import ResponseHead, Strict, _request


class BalanceOut(Strict):
    """One entry of balanceList: the settled money the merchant may use."""

    availableBalance: Money


class GetBalanceBody(Strict):
    memberId: str = Field(examples=["200000030907"])
    balanceList: list[BalanceOut]


class GetBalanceResponse(Strict):
    head: ResponseHead
    body: GetBalanceBody | None = None


GetBalanceRequest = _request("GetBalanceRequest", GetBalanceBiz)
