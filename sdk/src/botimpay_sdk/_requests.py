"""Typed request bodies (`bizContent`) for placeOrder and refund placeOrder.

Field names are snake_case here and camelCase on the wire. `to_wire()` gives
the exact `bizContent` mapping, with Decimal amounts and the empty objects
the official SDK always sends (`paySceneParams`, the three accessory parts).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from botimpay_sdk._money import ExactDecimal, OutgoingMoney, PositiveMoney
from botimpay_sdk._scenes import PayScene

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def _to_millis(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("give an aware datetime (with tzinfo) or epoch milliseconds")
        # Integer arithmetic: timestamp() * 1000 is a float and can land 1 ms early.
        return (value - _EPOCH) // _ONE_MS
    if isinstance(value, bool | float):
        raise ValueError("give epoch milliseconds as an int")
    return value


EpochMillis = Annotated[int, BeforeValidator(_to_millis), Field(gt=0)]
"""Epoch milliseconds; an aware datetime is converted."""


class _WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        frozen=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """This object as it goes on the wire: camelCase keys, None fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True)


class AmountDetail(_WireModel):
    amount: OutgoingMoney | None = None
    discountable_amount: OutgoingMoney | None = None
    vat_amount: OutgoingMoney | None = None
    tip_amount: OutgoingMoney | None = None


class GoodsDetail(_WireModel):
    body: str | None = Field(default=None, max_length=200)
    categories_tree: str | None = Field(default=None, max_length=200)
    goods_category: str | None = Field(default=None, max_length=200)
    goods_id: str | None = Field(default=None, max_length=200)
    goods_name: str | None = Field(default=None, max_length=200)
    price: OutgoingMoney | None = None
    quantity: ExactDecimal | None = None
    show_url: str | None = Field(default=None, max_length=200)


class TerminalDetail(_WireModel):
    operator_id: str | None = Field(default=None, max_length=200)
    store_id: str | None = Field(default=None, max_length=200)
    terminal_id: str | None = Field(default=None, max_length=200)
    merchant_name: str | None = Field(default=None, max_length=200)
    store_name: str | None = Field(default=None, max_length=200)


class AccessoryContent(_WireModel):
    """Extra order information; the three parts always go out, `{}` when empty."""

    amount_detail: AmountDetail = Field(default_factory=AmountDetail)
    goods_detail: GoodsDetail = Field(default_factory=GoodsDetail)
    terminal_detail: TerminalDetail = Field(default_factory=TerminalDetail)


class SharingParam(_WireModel):
    """One split of the payment (or of a refund) to another member."""

    sharing_identity_seq_id: int = Field(ge=1)
    sharing_identity_type: Literal["PHONE_NO", "MEMBER_ID", "BOTIM_ID"]
    sharing_identity: str = Field(min_length=1, max_length=200)
    sharing_memo: str = Field(max_length=128)
    sharing_amount: PositiveMoney
    withhold_and_remit_fee: bool | None = None


class PromotionInfo(_WireModel):
    applied_reward_id: str = Field(min_length=1, max_length=64)
    settle_flag: str = Field(min_length=1, max_length=32)


class PlaceOrderRequest(_WireModel):
    """`bizContent` of acquire2/placeOrder.

    Resending the same request (same merchant_order_no, same fields) is safe:
    the gateway returns the existing order.
    """

    merchant_order_no: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=64)
    total_amount: PositiveMoney
    scene: PayScene
    notify_url: str | None = Field(default=None, max_length=200)
    expired_time: EpochMillis | None = None
    subject_ar: str | None = Field(default=None, max_length=200)
    risk_info: str | dict[str, Any] | None = None
    payee_mid: str | None = Field(default=None, max_length=20)
    secondary_merchant_id: str | None = Field(default=None, max_length=64)
    device_id: str | None = Field(default=None, max_length=200)
    reserved: str | None = Field(default=None, max_length=200)
    accessory_content: AccessoryContent = Field(default_factory=AccessoryContent)
    sharing_param_list: list[SharingParam] | None = None
    promotion_info_list: list[PromotionInfo] | None = None

    @model_validator(mode="after")
    def _check_sharing(self) -> PlaceOrderRequest:
        shares = self.sharing_param_list or []
        if sum(1 for share in shares if share.withhold_and_remit_fee) > 1:
            raise ValueError("at most one sharing entry may set withhold_and_remit_fee")
        total = sum((share.sharing_amount.amount for share in shares), Decimal(0))
        if total > self.total_amount.amount:
            raise ValueError("the sharing amounts add up to more than total_amount")
        return self

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        del wire["scene"]
        wire["paySceneCode"] = self.scene.code
        wire["paySceneParams"] = dict(self.scene.params)
        return wire


class RefundRequest(_WireModel):
    """`bizContent` of acquire2/refund/placeOrder; name the payment by exactly
    one of `origin_merchant_order_no` / `origin_order_no`.

    Resending the same request (same refund_merchant_order_no, same fields) is
    safe: the gateway returns the existing refund.
    """

    refund_merchant_order_no: str = Field(min_length=1, max_length=64)
    amount: PositiveMoney
    origin_merchant_order_no: str | None = Field(default=None, min_length=1, max_length=64)
    origin_order_no: str | None = Field(default=None, min_length=1, max_length=64)
    refund_sharing_amount: bool | None = None
    sharing_param_list: list[SharingParam] | None = None
    notify_url: str | None = Field(default=None, max_length=200)
    operator_name: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=64)
    device_id: str | None = Field(default=None, max_length=200)
    secondary_merchant_id: str | None = Field(default=None, max_length=200)
    reserved: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_origin(self) -> RefundRequest:
        if (self.origin_merchant_order_no is None) == (self.origin_order_no is None):
            raise ValueError("give exactly one of origin_merchant_order_no and origin_order_no")
        return self
