"""Request models: exact wire form, Money rules, scene builders; response parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from botimpay_sdk import (
    AccessoryContent,
    AcquireOrder,
    AmountDetail,
    GoodsDetail,
    InvalidRequestError,
    Money,
    OrderStatus,
    PayScene,
    PlaceOrderRequest,
    PlaceOrderResult,
    RefundRequest,
    RefundResult,
    SharingParam,
    dynqr,
    jsapi,
)
from botimpay_sdk._json import dumps, loads


def _order(**overrides: Any) -> PlaceOrderRequest:
    fields: dict[str, Any] = {
        "merchant_order_no": "M1",
        "subject": "Tea",
        "total_amount": Money.aed("10.50"),
        "scene": jsapi(),
    }
    fields.update(overrides)
    return PlaceOrderRequest(**fields)


class TestMoney:
    def test_aed_from_text_keeps_scale(self) -> None:
        money = Money.aed("10.50")
        assert money.amount == Decimal("10.50")
        assert str(money.amount) == "10.50"
        assert money.currency == "AED"
        assert str(money) == "10.50 AED"

    @pytest.mark.parametrize("value", [10.5, True, "ten", "NaN", "Infinity"])
    def test_refuses_float_bool_and_non_numbers(self, value: object) -> None:
        with pytest.raises(ValidationError):
            Money(amount=value)  # type: ignore[arg-type]

    def test_is_frozen(self) -> None:
        money = Money.aed(1)
        with pytest.raises(ValidationError):
            money.amount = Decimal(2)

    @pytest.mark.parametrize(
        "amount", ["1.005", "0", "-1", "1000000000000", "0.001"]
    )
    def test_order_total_limits(self, amount: str) -> None:
        with pytest.raises(ValidationError):
            _order(total_amount=Money.aed(amount))

    @pytest.mark.parametrize("amount", ["0.01", "10.50", "1E+1", "999999999999.99", "5.00"])
    def test_order_total_accepted(self, amount: str) -> None:
        assert str(_order(total_amount=Money.aed(amount)).total_amount.amount) == amount

    def test_zero_allowed_in_amount_detail(self) -> None:
        detail = AmountDetail(tip_amount=Money.aed("0.00"))
        assert detail.to_wire() == {"tipAmount": {"amount": Decimal("0.00"), "currency": "AED"}}


class TestPlaceOrderWire:
    def test_minimal_order_has_the_empty_objects(self) -> None:
        assert dumps(_order().to_wire()) == (
            b'{"accessoryContent":{"amountDetail":{},"goodsDetail":{},"terminalDetail":{}},'
            b'"merchantOrderNo":"M1","paySceneCode":"JSAPI","paySceneParams":{},'
            b'"subject":"Tea","totalAmount":{"amount":10.50,"currency":"AED"}}'
        )

    def test_full_order(self) -> None:
        order = _order(
            total_amount=Money.aed("1E+1"),
            scene=dynqr(change_payer=False, one_time_payment=True, email="a@b.ae"),
            notify_url="https://shop.example/n",
            expired_time=datetime(2030, 1, 1, tzinfo=UTC),
            subject_ar="شاي",
            risk_info={"scene": "casino"},
            accessory_content=AccessoryContent(
                goods_detail=GoodsDetail(goods_name="tea", quantity=Decimal("2"),
                                         price=Money.aed("5.25")),
            ),
            sharing_param_list=[
                SharingParam(
                    sharing_identity_seq_id=1,
                    sharing_identity_type="MEMBER_ID",
                    sharing_identity="100000047500",
                    sharing_memo="bonus",
                    sharing_amount=Money.aed("1"),
                )
            ],
        )
        wire = order.to_wire()
        assert wire["paySceneCode"] == "DYNQR"
        assert wire["paySceneParams"] == {
            "changePayer": "false", "oneTimePayment": "true", "email": "a@b.ae"
        }
        assert wire["expiredTime"] == 1893456000000
        assert wire["riskInfo"] == {"scene": "casino"}
        assert wire["accessoryContent"]["goodsDetail"] == {
            "goodsName": "tea", "quantity": Decimal("2"),
            "price": {"amount": Decimal("5.25"), "currency": "AED"},
        }
        assert wire["sharingParamList"][0]["sharingIdentitySeqId"] == 1
        assert b'"totalAmount":{"amount":1E+1,"currency":"AED"}' in dumps(wire)

    def test_naive_datetime_refused(self) -> None:
        with pytest.raises(ValidationError, match="aware"):
            _order(expired_time=datetime(2030, 1, 1))

    def test_unknown_field_refused(self) -> None:
        with pytest.raises(ValidationError):
            _order(colour="red")

    def test_sharing_over_total_refused(self) -> None:
        share = SharingParam(
            sharing_identity_seq_id=1, sharing_identity_type="PHONE_NO",
            sharing_identity="x", sharing_memo="m", sharing_amount=Money.aed("11"),
        )
        with pytest.raises(ValidationError, match="more than total_amount"):
            _order(sharing_param_list=[share])

    @pytest.mark.parametrize("field", ["merchant_order_no", "subject"])
    def test_lengths(self, field: str) -> None:
        with pytest.raises(ValidationError):
            _order(**{field: "x" * 65})


class TestScenes:
    def test_jsapi(self) -> None:
        assert jsapi() == PayScene(code="JSAPI")
        assert jsapi(payer_mid="100000012345", one_time_payment=False).params == {
            "payerMid": "100000012345", "oneTimePayment": "false"
        }
        with pytest.raises(InvalidRequestError):
            jsapi(payer_mid="1234567890123")

    def test_dynqr(self) -> None:
        eid = "a" * 64
        assert dynqr(eid=eid).params == {"eid": eid}
        with pytest.raises(InvalidRequestError):
            dynqr(eid="abc")
        with pytest.raises(InvalidRequestError):
            dynqr(email="not-an-email")

    def test_other_scene(self) -> None:
        order = _order(scene=PayScene(code="PAYPAGE", params={"x": "1"}))
        assert order.to_wire()["paySceneParams"] == {"x": "1"}


class TestRefundRequest:
    def test_wire(self) -> None:
        refund = RefundRequest(
            refund_merchant_order_no="R1", origin_merchant_order_no="M1",
            amount=Money.aed("0.01"), reason="refund",
        )
        assert dumps(refund.to_wire()) == (
            b'{"amount":{"amount":0.01,"currency":"AED"},"originMerchantOrderNo":"M1",'
            b'"reason":"refund","refundMerchantOrderNo":"R1"}'
        )

    @pytest.mark.parametrize(
        "origin",
        [{}, {"origin_merchant_order_no": "M1", "origin_order_no": "13"}],
    )
    def test_exactly_one_origin(self, origin: dict[str, str]) -> None:
        with pytest.raises(ValidationError, match="exactly one"):
            RefundRequest(
                refund_merchant_order_no="R1", amount=Money.aed(1), **origin  # type: ignore[arg-type]
            )


# The getOrder response sample of the reference (retrieve-order-detail.mdx), trimmed.
GET_ORDER_SAMPLE = """{
  "acquireOrder": {
    "accessoryContent": {"amountDetail": {"amount": {"amount": 95.00, "currency": "AED"}}},
    "deviceId": "mock_device_001", "expiredTime": 1770451403018,
    "merchantOrderNo": "mock_merchant_order_no", "notifyUrl": "https://merchant.example.com/notify",
    "orderNo": "131620641843026270", "paySceneCode": "JSAPI", "payeeMid": "200000030906",
    "paymentInfo": {
      "cardInfo": {"brand": "VISA", "last4": "1234"},
      "channelParam": {"eciValue": "05"},
      "paidAmount": {"amount": 100.00, "currency": "AED"}, "paidTime": 1770447803018,
      "payChannel": "CARD", "payeeFeeAmount": {"amount": 1.00, "currency": "AED"},
      "payerMid": "100000012345", "settlementAmount": {"amount": 99.00, "currency": "AED"}
    },
    "promotionInfoList": [{"appliedRewardId": "REWARD_001", "settleFlag": "YES"}],
    "requestTime": 1770447803018, "reserved": "reserved_data", "revoked": "false",
    "sharingInfoList": [{"sharingAmount": {"amount": 10.00, "currency": "AED"},
      "sharingIdentitySeqId": 1, "sharingMemo": "Commission", "sharingMid": "200000012345",
      "sharingSettledAmount": {"amount": 10.00, "currency": "AED"},
      "sharingSettledFeeAmount": {"amount": 0.10, "currency": "AED"},
      "withholdAndRemitFee": false}],
    "status": "PAID_SUCCESS", "subject": "Test Order Subject", "subjectAr": "موضوع الاختبار",
    "totalAmount": {"amount": 100.00, "currency": "AED"}
  }
}""".encode()


class TestResponses:
    def test_reference_get_order_sample(self) -> None:
        order = AcquireOrder.model_validate(loads(GET_ORDER_SAMPLE)["acquireOrder"])
        assert order.status == OrderStatus.PAID_SUCCESS
        assert order.is_final
        assert order.is_paid
        assert not order.revoked
        assert order.total_amount == Money(amount=Decimal("100.00"))
        assert order.total_amount is not None
        assert str(order.total_amount.amount) == "100.00"
        assert order.payment_info is not None
        assert order.payment_info.settlement_amount == Money.aed("99.00")
        assert order.payment_info.model_extra == {"channelParam": {"eciValue": "05"}}
        assert order.sharing_info_list[0].sharing_settled_fee_amount == Money.aed("0.10")
        assert order.subject_ar == "موضوع الاختبار"

    def test_revoked_and_interaction_params(self) -> None:
        result = PlaceOrderResult.model_validate({
            "acquireOrder": {"merchantOrderNo": "M", "orderNo": 131, "status": "FAILURE",
                             "revoked": "true"},
            "interActionParams": {"tokenUrl": "https://x/pay-page/main?ft=abc&t=1"},
        })
        assert result.acquire_order.order_no == "131"
        assert result.acquire_order.revoked is True
        assert not result.acquire_order.is_paid
        assert result.token_url == "https://x/pay-page/main?ft=abc&t=1"

    def test_reference_refund_sample(self) -> None:
        result = RefundResult.model_validate(loads(b"""{
          "refundOrder": {"refundMerchantOrderNo": "M818494241569", "orderNo": "191405406113002297",
            "originMerchantOrderNo": "M965739182419", "status": "SUCCESS",
            "amount": {"currency": "AED", "amount": 0.01}, "reason": "refund"},
          "refundSummary": {"acquireAmount": {"currency": "AED", "amount": 1.01},
            "remainRefundAmount": {"currency": "AED", "amount": 1}}}"""))
        assert result.refund_order.is_final
        assert result.refund_order.amount == Money.aed("0.01")
        assert result.refund_summary is not None
        assert result.refund_summary.remain_refund_amount == Money.aed(1)
