"""Request models of the refund and revoke endpoints (4_Refund/, order-revoke.mdx).

The refund names itself `refundMerchantOrderNo` (the sample's `merchantOrderNo`
is accepted as an alias) and its payment order by `originMerchantOrderNo` xor
`originOrderNo`.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from botimpay.protocol.fields import Flag, PositiveMoney, Text32, Text64, Text200, Timestamp
from botimpay.protocol.requests import OrderRef, SharingParam, WireModel, require_exactly_one


class RefundSharingParam(SharingParam):
    @field_validator("sharingIdentityType")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in ("PHONE_NO", "MEMBER_ID", "BOTIM_ID"):
            raise ValueError("must be PHONE_NO, MEMBER_ID or BOTIM_ID")
        return value


class RefundBiz(WireModel):
    """bizContent of acquire2/refund/placeOrder."""

    refundMerchantOrderNo: Text64 | None = None
    merchantOrderNo: Text64 | None = None
    originMerchantOrderNo: Text64 | None = None
    originOrderNo: Text64 | None = None
    amount: PositiveMoney
    refundSharingAmount: Flag | None = None
    sharingParamList: list[RefundSharingParam] = Field(default_factory=list)
    notifyUrl: Text200 | None = None
    operatorName: Text200 | None = None
    reason: Text64 | None = None
    deviceId: Text200 | None = None
    secondaryMerchantId: Text200 | None = None
    reserved: Text200 | None = None

    @field_validator("notifyUrl")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _numbers(self) -> RefundBiz:
        own = {n for n in (self.refundMerchantOrderNo, self.merchantOrderNo) if n}
        if not own:
            raise ValueError("refundMerchantOrderNo is required")
        if len(own) > 1:
            raise ValueError("refundMerchantOrderNo and merchantOrderNo differ; give one")
        require_exactly_one(
            self.originMerchantOrderNo, self.originOrderNo, "originMerchantOrderNo", "originOrderNo"
        )
        return self

    @property
    def refund_number(self) -> str:
        return self.refundMerchantOrderNo or self.merchantOrderNo or ""


class GetRefundBiz(WireModel):
    """bizContent of acquire2/refund/getOrder: refundMerchantOrderNo xor orderNo."""

    refundMerchantOrderNo: Text64 | None = None
    orderNo: Text32 | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> GetRefundBiz:
        require_exactly_one(
            self.refundMerchantOrderNo, self.orderNo, "refundMerchantOrderNo", "orderNo"
        )
        return self


class RevokeOrderBiz(OrderRef):
    """bizContent of acquire2/revokeOrder."""


__all__ = ["GetRefundBiz", "RefundBiz", "RevokeOrderBiz", "Timestamp"]
