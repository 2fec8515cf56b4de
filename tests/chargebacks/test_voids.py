"""VOIDs through POST /sandbox/api/void: the signed `voidOrder` notification exactly as
the reference's sample, the payment reversed in full, repeats and refusals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tests.chargebacks.test_chargebacks import (
    assert_ledger_ok,
    balances,
    moved,
    paid,
    post,
    refused,
)
from tests.harness import Gateway, Merchant, rsa_verify
from tests.notify.receiver import Receiver

Make = Callable[..., Receiver]
# The reference's sample, voidOrder: every field, always present.
VOID_FIELDS = {
    "voidMerchantOrderNo",
    "voidOrderNo",
    "originMerchantOrderNo",
    "status",
    "amount",
    "voidCallbackUrl",
    "failCode",
    "failDes",
    "feeVoid",
}


def test_a_void_reverses_the_whole_payment_and_notifies_the_callback_url(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    payments, voids = receiver(), receiver()
    order_no, payer = paid(cb_gateway, cb_merchant, payments.url, "100.00")
    payments.wait_for(1)
    merchant_order_no = cb_merchant.call("acquire2/getOrder", {"orderNo": order_no}).order[
        "merchantOrderNo"
    ]
    before = balances(cb_gateway)
    body = {
        "merchantOrderNo": merchant_order_no,
        "partnerId": cb_merchant.partner_id,
        "voidMerchantOrderNo": f"VM{order_no}",
        "voidCallbackUrl": voids.url,
    }
    response = post(cb_gateway, "void", body)
    assert response.status_code == 200, response.text

    [got] = voids.wait_for(1)
    assert rsa_verify(cb_merchant.gateway_public_key, got.body, got.headers["sign"])
    sent = got.json()
    assert set(sent) == {"notify_id", "notify_timestamp", "voidOrder"}
    item = sent["voidOrder"]
    assert set(item) == VOID_FIELDS
    assert item["voidMerchantOrderNo"] == f"VM{order_no}"
    assert item["voidOrderNo"] == response.json()["voidOrder"]["voidOrderNo"]
    assert item["voidOrderNo"].isdigit()
    assert item["originMerchantOrderNo"] == merchant_order_no
    assert item["status"] == "SUCCESS"
    assert item["amount"] == {"amount": Decimal("100"), "currency": "AED"}
    assert item["voidCallbackUrl"] == voids.url
    assert (item["failCode"], item["failDes"]) == ("", "")
    assert item["feeVoid"] == {"amount": Decimal("0"), "currency": "AED"}
    assert moved(before, balances(cb_gateway)) == {
        ("MERCHANT_PENDING", cb_merchant.partner_id): Decimal("-99.70"),
        ("FEE_INCOME", "GATEWAY"): Decimal("-0.30"),
        ("MEMBER_WALLET", payer): Decimal("100.00"),
    }
    assert_ledger_ok(cb_gateway)

    # The same voidMerchantOrderNo again is that VOID: no money, no notification.
    again = post(cb_gateway, "void", body)
    assert again.status_code == 200, again.text
    assert again.json()["voidOrder"]["voidOrderNo"] == item["voidOrderNo"]
    voids.assert_quiet(1, seconds=0.8)
    assert payments.count() == 1  # the payment's status did not change
    # Nothing is left to refund, charge back or VOID again.
    refused(
        post(cb_gateway, "chargeback", {"orderNo": order_no, "amount": 1}),
        409,
        "REFUND_AMOUNT_EXCEEDED",
    )
    refused(
        post(cb_gateway, "void", {"orderNo": order_no, "voidMerchantOrderNo": "other"}),
        409,
        "ACQUIRE_ORDER_REFUNDED",
    )
    refund = cb_merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": f"R{order_no}",
            "originOrderNo": order_no,
            "amount": {"amount": Decimal("1"), "currency": "AED"},
        },
    )
    assert refund.code == "62006", refund.json
    assert_ledger_ok(cb_gateway)


def test_a_declined_void_is_notified_and_moves_nothing(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "7.00")
    rx.wait_for(1)
    before = balances(cb_gateway)
    response = post(cb_gateway, "void", {"orderNo": order_no, "outcome": "FAILURE"})
    assert response.status_code == 200, response.text
    item = rx.wait_for(2)[1].json()["voidOrder"]
    assert (item["status"], item["failCode"]) == ("FAILURE", "VOID_FAILED")
    assert item["failDes"]
    assert item["voidMerchantOrderNo"] == f"VOID-{order_no}"
    assert item["voidCallbackUrl"] == rx.url  # no voidCallbackUrl: the order's notifyUrl
    assert balances(cb_gateway) == before
    assert_ledger_ok(cb_gateway)


def test_only_a_whole_unsettled_untouched_payment_is_voided(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "9.00")
    refused(
        post(cb_gateway, "void", {"orderNo": order_no, "amount": "8.99"}),
        400,
        "INVALID_PARAMETER",
        "amount",
        "9.00",
    )
    refused(
        post(cb_gateway, "void", {"orderNo": order_no, "outcome": "MAYBE"}),
        400,
        "INVALID_PARAMETER",
        "outcome",
    )
    refused(
        post(cb_gateway, "void", {"orderNo": order_no, "voidCallbackUrl": "ftp://x"}),
        400,
        "INVALID_PARAMETER",
        "voidCallbackUrl",
    )
    assert post(cb_gateway, "settle", {}).status_code == 200
    refused(post(cb_gateway, "void", {"orderNo": order_no}), 409, "ORDER_SETTLED", "charge it back")
