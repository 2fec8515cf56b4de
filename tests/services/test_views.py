"""The acquireOrder / refundOrder objects the gateway writes (services/views.py) have the
shape the SDK reads (botimpay_sdk's response models) and the OpenAPI document shows
(web/schemas.py): the same keys in both directions, not three lists that drift apart.

Fields the SDK knows from the reference but the gateway never writes are named below;
so is the one the gateway adds (originOrderNo on a refund).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson
import pytest
from botimpay_sdk import AcquireOrder, PaymentInfo, RefundOrder, RefundSummary, SharingInfo
from botimpay_sdk._json import loads
from pydantic import BaseModel

from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.refund import Refund, RefundStatus
from botimpay.domain.scenes import SceneParams
from botimpay.domain.sharing import Share
from botimpay.protocol.money import Money, wire_default
from botimpay.services import views
from botimpay.web.schemas import RefundOrderOut, RefundSummaryOut
from tests.domain.test_order import T0
from tests.domain.test_order import order as domain_order

# What the SDK reads but the gateway does not write (no card payments' card details).
SDK_ONLY: dict[type[BaseModel], set[str]] = {
    AcquireOrder: set(),
    PaymentInfo: {"cardInfo"},
    SharingInfo: set(),
    RefundOrder: set(),
    RefundSummary: set(),
}
# A sharing member's share as the refund service keeps it (services/sharing.py).
SHARE = Share("131800000000000000001", 1, "100006514321", "bonus", Money(100), refunded=Money(40))
GATEWAY_ONLY: dict[type[BaseModel], set[str]] = {RefundOrder: {"originOrderNo"}}


def wire_keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def on_the_wire(value: dict[str, Any]) -> dict[str, Any]:
    """The object as the gateway sends it and the SDK reads it back (exact amounts)."""
    data: dict[str, Any] = loads(orjson.dumps(value, default=wire_default))
    return data


def order(**changes: Any) -> Order:
    """A paid order with every optional field the gateway echoes."""
    paid: dict[str, Any] = dict(
        status=OrderStatus.PAID_SUCCESS,
        scene=SceneParams(payer_mid="100000012345"),
        subject_ar="آيفون",
        notify_url="https://shop.example/notify",
        device_id="D1",
        secondary_merchant_id="S1",
        reserved="order desc",
        risk_info='{"scene":"casino"}',
        details={
            "accessoryContent": {"terminalDetail": {"storeId": "S9"}},
            "sharingParamList": [
                {
                    "sharingIdentitySeqId": 1,
                    "sharingIdentityType": "MEMBER_ID",
                    "sharingIdentity": "100006514321",
                    "sharingMemo": "bonus",
                    "sharingAmount": {"amount": 1, "currency": "AED"},
                }
            ],
            "promotionInfoList": [{"appliedRewardId": "R1", "settleFlag": "YES"}],
        },
        payer_mid="100000012345",
        paid_time=T0 + 1000,
        pay_channel="BALANCE",
        payee_fee=Money(4),
    )
    return domain_order(**(paid | changes))


def refund(**changes: Any) -> Refund:
    full = Refund(
        refund_no="131800000000000000002",
        partner_id="200000000888",
        refund_merchant_order_no="R1",
        origin_order_no="131800000000000000001",
        fingerprint="f" * 64,
        status=RefundStatus.SUCCESS,
        amount=Money(100),
        fee_refunded=Money(1),
        request_time=T0,
        created_at=T0,
        updated_at=T0,
        reason="broken",
        operator_name="ops",
        notify_url="https://shop.example/notify",
        device_id="D1",
        secondary_merchant_id="S1",
        reserved="refund desc",
        details={
            "refundSharingAmount": True,
            "sharingInfoList": [
                {
                    "sharingIdentitySeqId": 1,
                    "sharingMid": "100006514321",
                    "sharingMemo": "bonus",
                    "sharingAmount": {"amount": 1, "currency": "AED"},
                    "sharingSettledAmount": {"amount": Decimal("0.4"), "currency": "AED"},
                }
            ],
        },
    )
    return dataclasses.replace(full, **changes)


ORDERS = [
    order(),
    order(status=OrderStatus.FAILURE, fail_code="ORDER_EXPIRED", fail_des="expired",
          paid_time=None, payee_fee=None),
]
REFUNDS = [refund(), refund(status=RefundStatus.FAILURE, fail_code="F", fail_des="failed")]


def keys_of(objects: Iterable[dict[str, Any]]) -> set[str]:
    return {key for item in objects for key in item}


def assert_same_shape(model: type[BaseModel], written: list[dict[str, Any]]) -> None:
    """Every key written is a field the SDK reads, and every field is written."""
    keys = keys_of(written)
    assert keys - wire_keys(model) == GATEWAY_ONLY.get(model, set()), model.__name__
    assert wire_keys(model) - keys == SDK_ONLY[model], model.__name__


def test_acquire_order_has_the_sdk_shape_both_ways() -> None:
    written = [on_the_wire(views.acquire_order(o)) for o in ORDERS]
    assert_same_shape(AcquireOrder, written)
    assert_same_shape(PaymentInfo, [w["paymentInfo"] for w in written if "paymentInfo" in w])
    assert_same_shape(SharingInfo, [i for w in written for i in w["sharingInfoList"]])
    for wire in written:
        parsed = AcquireOrder.model_validate(wire)
        assert parsed.model_extra == {}
        assert parsed.total_amount is not None
        assert parsed.total_amount.amount * 100 == ORDERS[0].total.fils
    assert AcquireOrder.model_validate(written[0]).is_paid


@pytest.mark.parametrize("every", [True, False], ids=["all_optional_fields", "required_only"])
def test_refund_order_has_the_sdk_and_documented_shape(every: bool) -> None:
    refunds = REFUNDS if every else [
        refund(reason=None, operator_name=None, notify_url=None, device_id=None,
               secondary_merchant_id=None, reserved=None, details=None)
    ]
    written = [on_the_wire(views.refund_order(r, ORDERS[0])) for r in refunds]
    for wire in written:
        RefundOrderOut.model_validate(wire)  # extra="forbid": no key undocumented
        assert RefundOrder.model_validate(wire).model_extra == {"originOrderNo": ORDERS[0].order_no}
    if every:
        assert_same_shape(RefundOrder, written)
        assert keys_of(written) == wire_keys(RefundOrderOut)


def test_refund_summary_has_the_sdk_and_documented_shape() -> None:
    written = [on_the_wire(views.refund_summary(ORDERS[0], [SHARE]))]
    assert_same_shape(RefundSummary, written)
    assert keys_of(written) == wire_keys(RefundSummaryOut)
    RefundSummaryOut.model_validate(written[0])
