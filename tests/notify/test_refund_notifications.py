"""Refund and revoke notifications: signed `refundOrder` bodies from the same outbox."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tests.harness import Gateway, order_no, rsa_verify
from tests.notify.helpers import paid_order
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Make = Callable[..., Receiver]
FAST = ("--dispatch-interval-ms", "100")


def test_a_refund_sends_a_signed_refund_notification(fresh_gateway: Fresh, receiver: Make) -> None:
    payments, refunds = receiver(), receiver()
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    paid = paid_order(gateway, merchant, payments.url, amount="100.00")
    payments.wait_for(1)
    refund_number = order_no()
    answer = merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": refund_number,
            "originOrderNo": paid,
            "amount": {"amount": Decimal("40.00"), "currency": "AED"},
            "notifyUrl": refunds.url,
            "reason": "damaged",
        },
    ).assert_ok()

    [got] = refunds.wait_for(1)
    assert rsa_verify(merchant.gateway_public_key, got.body, got.headers["sign"])
    body = got.json()
    assert set(body) == {
        "notify_id",
        "notify_timestamp",
        "notify_time",
        "_input_charset",
        "refundOrder",
    }
    refund = body["refundOrder"]
    assert refund["refundMerchantOrderNo"] == refund_number
    assert answer.body is not None
    assert refund["orderNo"] == answer.body["refundOrder"]["orderNo"]
    assert refund["originOrderNo"] == paid
    assert refund["status"] == "SUCCESS"
    assert refund["amount"] == {"amount": Decimal("40"), "currency": "AED"}
    assert refund["feeRefunded"] == {"amount": Decimal("0.12"), "currency": "AED"}
    refunds.assert_quiet(1, seconds=1.0)
    assert payments.count() == 1  # a partial refund does not change the payment's status


def test_revoking_a_paid_order_notifies_the_failure_and_the_refund(
    fresh_gateway: Fresh, receiver: Make
) -> None:
    rx = receiver()
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    paid = paid_order(gateway, merchant, rx.url, amount="25.00")
    rx.wait_for(1)
    revoked = merchant.call("acquire2/revokeOrder", {"orderNo": paid}).assert_ok().order
    assert (revoked["status"], revoked["revoked"]) == ("FAILURE", "true")

    received = rx.wait_for(3)
    kinds = sorted("refundOrder" if "refundOrder" in r.json() else "acquireOrder" for r in received)
    assert kinds == ["acquireOrder", "acquireOrder", "refundOrder"]
    failure = next(r.json()["acquireOrder"] for r in received[1:] if "acquireOrder" in r.json())
    assert (failure["status"], failure["revoked"], failure["failCode"]) == (
        "FAILURE",
        "true",
        "ORDER_REVOKED",
    )
    refund = next(r.json()["refundOrder"] for r in received if "refundOrder" in r.json())
    assert refund["amount"] == {"amount": Decimal("25"), "currency": "AED"}
    assert refund["refundMerchantOrderNo"] == f"REVOKE-{paid}"
    for item in received:
        assert rsa_verify(merchant.gateway_public_key, item.body, item.headers["sign"])
