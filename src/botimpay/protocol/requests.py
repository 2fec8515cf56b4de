"""Request models of the merchant API: one pydantic model per endpoint's bizContent.

Field names keep their wire spelling; limits are the reference's maximum lengths.
Scene codes and scene parameters are checked by the domain, which owns the codes.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from botimpay.protocol.agreement_info import AgreementInfo
from botimpay.protocol.fields import (
    AnyMoney,
    Flag,
    PositiveMoney,
    Quantity,
    Required32,
    Required64,
    Required128,
    Required512,
    SeqId,
    Text20,
    Text32,
    Text64,
    Text200,
    Text512,
    Timestamp,
)


def require_exactly_one(first: object, second: object, first_name: str, second_name: str) -> None:
    """The reference's "use either X or Y, never both" rule; the message names both."""
    if (first is None) == (second is None):
        raise ValueError(f"give exactly one of {first_name} and {second_name}")


class WireModel(BaseModel):
    """Unknown fields are ignored, as the real gateway does; known ones are strict."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class AmountDetail(WireModel):
    amount: AnyMoney | None = None
    discountableAmount: AnyMoney | None = None
    vatAmount: AnyMoney | None = None
    tipAmount: AnyMoney | None = None


class GoodsDetail(WireModel):
    body: Text200 | None = None
    categoriesTree: Text200 | None = None
    goodsCategory: Text200 | None = None
    goodsId: Text200 | None = None
    goodsName: Text200 | None = None
    price: AnyMoney | None = None
    quantity: Quantity | None = None
    showUrl: Text200 | None = None


class TerminalDetail(WireModel):
    operatorId: Text200 | None = None
    storeId: Text200 | None = None
    terminalId: Text200 | None = None
    merchantName: Text200 | None = None
    storeName: Text200 | None = None
    # Not in _terminal-detail.md's list, but in retrieve-order-detail.mdx's acquireOrder.
    location: Text200 | None = None


class AccessoryContent(WireModel):
    amountDetail: AmountDetail = Field(default_factory=AmountDetail)
    goodsDetail: GoodsDetail = Field(default_factory=GoodsDetail)
    terminalDetail: TerminalDetail = Field(default_factory=TerminalDetail)
    reserved: Text200 | None = None  # _accessory-content.mdx: the merchant's notes


class SharingParam(WireModel):
    sharingIdentitySeqId: SeqId
    sharingIdentityType: Required64
    # The page says 200 characters, but its own sample sends an RSA-2048 ciphertext in
    # base64 (344 characters); the sample wins, with room for RSA-3072.
    sharingIdentity: Required512
    sharingMemo: Required128
    sharingAmount: PositiveMoney
    withholdAndRemitFee: Flag | None = None

    @field_validator("sharingIdentityType")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in ("PHONE_NO", "MEMBER_ID"):
            raise ValueError("must be PHONE_NO or MEMBER_ID")
        return value


class PromotionInfo(WireModel):
    appliedRewardId: Required64
    settleFlag: Required32


class PlaceOrderBiz(WireModel):
    """bizContent of acquire2/placeOrder."""

    merchantOrderNo: Required64
    subject: Required64
    subjectAr: Text200 | None = None
    riskInfo: Text512 | None = None
    totalAmount: PositiveMoney
    expiredTime: Timestamp | None = None
    payeeMid: Text20 | None = None
    paySceneCode: Required32
    paySceneParams: dict[str, Any] = Field(default_factory=dict)
    notifyUrl: Text200 | None = None
    secondaryMerchantId: Text64 | None = None
    deviceId: Text200 | None = None
    reserved: Text200 | None = None
    accessoryContent: AccessoryContent = Field(default_factory=AccessoryContent)
    agreementInfo: AgreementInfo | None = None
    sharingParamList: list[SharingParam] = Field(default_factory=list)
    promotionInfoList: list[PromotionInfo] = Field(default_factory=list)

    @field_validator("riskInfo", mode="before")
    @classmethod
    def _risk_info_text(cls, value: object) -> object:
        """The sample sends riskInfo as an object; it is stored as compact JSON text."""
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
        return value

    @field_validator("notifyUrl")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("sharingParamList")
    @classmethod
    def _sharing_rules(cls, value: list[SharingParam]) -> list[SharingParam]:
        if sum(1 for item in value if item.withholdAndRemitFee) > 1:
            raise ValueError("at most one entry may set withholdAndRemitFee to true")
        seq_ids = [item.sharingIdentitySeqId for item in value]
        if len(set(seq_ids)) != len(seq_ids):
            raise ValueError("sharingIdentitySeqId values must be unique")
        # The shared sum is not capped at totalAmount here: the reference's own request
        # sample shares AED 2 of a AED 1.01 order, and samples must be accepted as written.
        return value


class OrderRef(WireModel):
    """Names one order by merchantOrderNo xor orderNo, never both."""

    merchantOrderNo: Text64 | None = None
    orderNo: Text32 | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OrderRef:
        require_exactly_one(self.merchantOrderNo, self.orderNo, "merchantOrderNo", "orderNo")
        return self


class GetOrderBiz(OrderRef):
    """bizContent of acquire2/getOrder."""

    deviceId: Text32 | None = None


class CancelOrderBiz(OrderRef):
    """bizContent of acquire2/cancelOrder."""


class UpdateExpiredTimeBiz(OrderRef):
    """bizContent of acquire2/updateExpiredTime."""

    expiredTime: Timestamp


class Envelope(BaseModel):
    """The outer request object: `{"requestTime": <ms>, "bizContent": {...}}`."""

    model_config = ConfigDict(extra="ignore")

    requestTime: Timestamp
    bizContent: dict[str, Any]


__all__ = [
    "AccessoryContent",
    "CancelOrderBiz",
    "Envelope",
    "GetOrderBiz",
    "PlaceOrderBiz",
    "UpdateExpiredTimeBiz",
]
