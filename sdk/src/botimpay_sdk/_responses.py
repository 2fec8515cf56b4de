"""Typed response bodies: the acquire order, the refund order and their wrappers.

Models are lenient on purpose: unknown fields are kept (`model_extra`, wire
names), most documented fields are optional, numbers given as strings are
accepted. Only what identifies an order is required. The gateway documents its
answers with these models (web/schemas.py), so the schema of a field says what
the wire carries (`revoked` is "true"/"false").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from botimpay_sdk._money import Money


class OrderStatus(StrEnum):
    """`acquireOrder.status`. Final: PAID_SUCCESS, SETTLED, FAILURE."""

    CREATED = "CREATED"
    PAID_SUCCESS = "PAID_SUCCESS"
    SETTLED = "SETTLED"
    FAILURE = "FAILURE"
    AUTHORIZATION = "AUTHORIZATION"
    VOID = "VOID"


class RefundStatus(StrEnum):
    """`refundOrder.status`. Final: SUCCESS, FAILURE."""

    CREATED = "CREATED"
    REFUNDED_SETTLED = "REFUNDED_SETTLED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


FINAL_ORDER_STATUSES = frozenset(
    {OrderStatus.PAID_SUCCESS, OrderStatus.SETTLED, OrderStatus.FAILURE}
)
FINAL_REFUND_STATUSES = frozenset({RefundStatus.SUCCESS, RefundStatus.FAILURE})


class _ResponseModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
        frozen=True,
        coerce_numbers_to_str=True,
    )


_WIRE_FLAG = WithJsonSchema(
    {"oneOf": [{"type": "string", "enum": ["true", "false"]}, {"type": "boolean"}]}
)
"""A flag the gateway writes as "true"/"false" (read as a bool)."""


class PaymentInfo(_ResponseModel):
    paid_amount: Money | None = None
    paid_time: int | None = None
    payer_mid: str | None = None
    payer_fee_amount: Money | None = None
    payee_fee_amount: Money | None = None
    pay_channel: str | None = None
    settlement_amount: Money | None = None
    card_info: dict[str, Any] | None = None


class SharingInfo(_ResponseModel):
    sharing_identity_seq_id: int | None = None
    sharing_mid: str | None = None
    sharing_memo: str | None = None
    sharing_amount: Money | None = None
    sharing_settled_fee_amount: Money | None = None
    sharing_settled_amount: Money | None = None
    withhold_and_remit_fee: bool | None = None


class AcquireOrder(_ResponseModel):
    """A payment order as the gateway reports it (`body.acquireOrder`)."""

    merchant_order_no: str
    order_no: str
    status: str
    total_amount: Money | None = None
    product: str | None = None
    payee_mid: str | None = None
    expired_time: int | None = None
    request_time: int | None = None
    notify_url: str | None = None
    subject: str | None = None
    subject_ar: str | None = None
    pay_scene_code: str | None = None
    pay_scene_params: dict[str, Any] = Field(default_factory=dict)
    accessory_content: dict[str, Any] | None = None
    payment_info: PaymentInfo | None = None
    sharing_info_list: list[SharingInfo] = Field(default_factory=list)
    promotion_info_list: list[dict[str, Any]] = Field(default_factory=list)
    device_id: str | None = None
    secondary_merchant_id: str | None = None
    risk_info: Any = None
    reserved: str | None = None
    revoked: Annotated[bool, _WIRE_FLAG] = False
    fail_code: str | None = None
    fail_des: str | None = None

    @property
    def is_final(self) -> bool:
        """True for PAID_SUCCESS, SETTLED and FAILURE: the status will not change."""
        return self.status in FINAL_ORDER_STATUSES

    @property
    def is_paid(self) -> bool:
        """True when the customer has paid (PAID_SUCCESS or SETTLED) and it was not revoked."""
        return self.status in (OrderStatus.PAID_SUCCESS, OrderStatus.SETTLED) and not self.revoked


class InteractionParams(_ResponseModel):
    """How the customer continues: `token_url` for JSAPI / DYNQR (render as QR)."""

    token_url: str | None = None
    deep_link: str | None = None
    three_d_secure_dom: str | None = None


class PlaceOrderResult(_ResponseModel):
    """`body` of placeOrder: the order and, while CREATED, how to pay it."""

    acquire_order: AcquireOrder
    interaction_params: InteractionParams | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "interActionParams", "interactionParams", "interaction_params"
        ),
    )

    @property
    def token_url(self) -> str | None:
        return self.interaction_params.token_url if self.interaction_params else None


class RefundOrder(_ResponseModel):
    """A refund order as the gateway reports it (`body.refundOrder`)."""

    refund_merchant_order_no: str
    order_no: str
    status: str
    origin_merchant_order_no: str | None = None
    amount: Money | None = None
    fee_refunded: Money | None = None
    refund_sharing_amount: bool | None = None
    sharing_info_list: list[SharingInfo] = Field(default_factory=list)
    notify_url: str | None = None
    operator_name: str | None = None
    reason: str | None = None
    device_id: str | None = None
    secondary_merchant_id: str | None = None
    reserved: str | None = None
    fail_code: str | None = None
    fail_des: str | None = None

    @property
    def is_final(self) -> bool:
        """True for SUCCESS and FAILURE."""
        return self.status in FINAL_REFUND_STATUSES


class RefundSummary(_ResponseModel):
    acquire_amount: Money | None = None
    remain_refund_amount: Money | None = None
    sharing_remain_refund_info_list: list[dict[str, Any]] = Field(default_factory=list)


class RefundResult(_ResponseModel):
    """`body` of refund placeOrder / getOrder."""

    refund_order: RefundOrder
    refund_summary: RefundSummary | None = None
