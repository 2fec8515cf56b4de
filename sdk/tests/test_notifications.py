"""Notifications: the reference's sample payloads, signed by the test gateway key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from botimpay_sdk import (
    NOTIFICATION_SUCCESS_BODY,
    Client,
    Money,
    PaymentNotification,
    ProtocolError,
    RefundNotification,
    SignatureError,
    parse_notification,
)
from botimpay_sdk.wire import sign
from sdk_testkit import GATEWAY_KEY, GATEWAY_PUBLIC, MERCHANT_KEY, FakeGateway

# payment-result-notification.mdx, request sample, verbatim.
PAYMENT_SAMPLE = b"""{
    "_input_charset": "UTF-8",
    "acquireOrder": {
        "accessoryContent": {
            "amountDetail": {
                "amount": {
                    "amount": 1.09,
                    "currency": "AED"
                },
                "vatAmount": {
                    "amount": 20.65,
                    "currency": "AED"
                }
            },
            "goodsDetail": {
                "body": "Gifts",
                "categoriesTree": "CT12",
                "goodsCategory": "GC10",
                "goodsId": "GI1005",
                "goodsName": "Candy flower",
                "price": {
                    "amount": 10.87,
                    "currency": "AED"
                },
                "quantity": 2.0
            },
            "terminalDetail": {
                "merchantName": "LuLu",
                "operatorId": "OP1000000000000001",
                "storeId": "SI100000000000002",
                "storeName": "LuLu",
                "terminalId": "TI100999999999900"
            }
        },
        "expiredTime": 1587120191014,
        "merchantOrderNo": "M572007254058",
        "notifyUrl": "http://www.yoursite.com",
        "orderNo": "131587112991000943",
        "paySceneCode": "PAYPAGE",
        "payeeMid": "200000000888",
        "paymentInfo": {
            "paidAmount": {
                "amount": 0.1,
                "currency": "AED"
            },
            "paidTime": 1587113039000,
            "payChannel": "BALANCE",
            "payeeFeeAmount": {
                "amount": 0.01,
                "currency": "AED"
            },
            "payerFeeAmount": {
                "amount": 0.0,
                "currency": "AED"
            },
            "payerMid": "100000012396"
        },
        "product": "Basic Payment Gateway",
        "requestTime": 1587112991014,
        "status": "PAID_SUCCESS",
        "subject": "Your subject",
        "totalAmount": {
            "amount": 0.1,
            "currency": "AED"
        }
    },
    "notify_id": "202004170007499051",
    "notify_time": "20200417124359",
    "notify_timestamp": 1587113039189
}"""

# refund-result-notification.mdx, request sample, verbatim.
REFUND_SAMPLE = b"""{
    "_input_charset": "UTF-8",
    "notify_id": "202004170007499141",
    "notify_time": "20200417130228",
    "notify_timestamp": 1587114148892,
    "refundOrder": {
        "amount": {
            "amount": 0.01,
            "currency": "AED"
        },
        "notifyUrl": "http://www.yoursite.com",
        "orderNo": "191587114148046289",
        "originMerchantOrderNo": "M572007254058",
        "reason": "refund",
        "refundMerchantOrderNo": "M029348361456",
        "status": "SUCCESS"
    }
}"""


def headers_for(body: bytes, name: str = "Sign") -> dict[str, str]:
    return {"Content-Type": "application/json", name: sign(GATEWAY_KEY, body)}


def test_payment_sample() -> None:
    note = parse_notification(headers_for(PAYMENT_SAMPLE), PAYMENT_SAMPLE,
                              gateway_public_key=GATEWAY_PUBLIC)
    assert isinstance(note, PaymentNotification)
    assert note.notify_id == "202004170007499051"
    assert note.notify_timestamp == 1587113039189
    order = note.acquire_order
    assert (order.merchant_order_no, order.status) == ("M572007254058", "PAID_SUCCESS")
    assert order.is_paid
    assert order.total_amount == Money.aed("0.1")
    assert order.payment_info is not None
    assert order.payment_info.payer_fee_amount == Money(amount=Decimal("0.0"))
    assert order.accessory_content is not None
    assert order.accessory_content["goodsDetail"]["quantity"] == Decimal("2.0")
    assert note.model_extra == {"_input_charset": "UTF-8", "notify_time": "20200417124359"}


def test_refund_sample() -> None:
    note = parse_notification(headers_for(REFUND_SAMPLE), REFUND_SAMPLE,
                              gateway_public_key=GATEWAY_PUBLIC)
    assert isinstance(note, RefundNotification)
    assert note.notify_id == "202004170007499141"
    refund = note.refund_order
    assert refund.refund_merchant_order_no == "M029348361456"
    assert refund.status == "SUCCESS"
    assert refund.is_final
    assert refund.amount == Money.aed("0.01")


@pytest.mark.parametrize(
    "headers",
    [
        lambda b: {"sign": sign(GATEWAY_KEY, b)},
        lambda b: {"SIGN": sign(GATEWAY_KEY, b)},
        lambda b: [(b"content-type", b"application/json"),
                   (b"sign", sign(GATEWAY_KEY, b).encode())],
        lambda b: [("Sign", sign(GATEWAY_KEY, b))],
    ],
    ids=["lower", "upper", "asgi-bytes", "pairs"],
)
def test_header_forms(headers: object) -> None:
    note = parse_notification(headers(REFUND_SAMPLE), REFUND_SAMPLE,  # type: ignore[operator]
                              gateway_public_key=GATEWAY_PUBLIC)
    assert isinstance(note, RefundNotification)


def test_bad_signatures() -> None:
    with pytest.raises(SignatureError, match="no sign"):
        parse_notification({"Content-Type": "application/json"}, REFUND_SAMPLE,
                           gateway_public_key=GATEWAY_PUBLIC)
    tampered = REFUND_SAMPLE.replace(b"0.01", b"9.01")
    with pytest.raises(SignatureError):
        parse_notification(headers_for(REFUND_SAMPLE), tampered,
                           gateway_public_key=GATEWAY_PUBLIC)
    with pytest.raises(SignatureError):
        parse_notification({"sign": sign(MERCHANT_KEY, REFUND_SAMPLE)}, REFUND_SAMPLE,
                           gateway_public_key=GATEWAY_PUBLIC)
    reformatted = b" " + REFUND_SAMPLE  # same JSON, other bytes
    with pytest.raises(SignatureError):
        parse_notification(headers_for(REFUND_SAMPLE), reformatted,
                           gateway_public_key=GATEWAY_PUBLIC)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"notify_id": "1", "notify_timestamp": 1}',
        b'{"notify_id": "1", "notify_timestamp": 1, "acquireOrder": {}, "refundOrder": {}}',
        b'{"notify_timestamp": 1, "refundOrder": {"refundMerchantOrderNo": "R", "orderNo": "1",'
        b' "status": "SUCCESS"}}',
        b'{"notify_id": "1", "notify_timestamp": 1, "acquireOrder": {"status": "PAID_SUCCESS"}}',
    ],
)
def test_bad_shapes(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_notification(headers_for(body), body, gateway_public_key=GATEWAY_PUBLIC)


def test_body_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        parse_notification(headers_for(REFUND_SAMPLE), REFUND_SAMPLE.decode(),  # type: ignore[arg-type]
                           gateway_public_key=GATEWAY_PUBLIC)


def test_client_method_uses_its_gateway_key(make_client: object) -> None:
    client: Client = make_client(FakeGateway())  # type: ignore[operator]
    note = client.parse_notification(headers_for(PAYMENT_SAMPLE), PAYMENT_SAMPLE)
    assert isinstance(note, PaymentNotification)


def test_success_body() -> None:
    assert NOTIFICATION_SUCCESS_BODY == b'{"response":"SUCCESS"}'
