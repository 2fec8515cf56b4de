"""Chargebacks through POST /sandbox/api/chargeback: the signed `acquireChargeback`
notification, the ledger moves, and every refusal."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from botimpay.services.reconcile import check_ledger
from botimpay.store import ledger_repo
from botimpay.store.database import Database, open_database
from tests.harness import Gateway, Merchant, rsa_verify
from tests.notify.helpers import advance, pay, place
from tests.notify.receiver import SERVER_ERROR, Receiver

Make = Callable[..., Receiver]
T = TypeVar("T")
CHARGEBACK_FIELDS = {
    "chargebackTime",
    "merchantOrderNo",
    "orderNo",
    "payAmount",
    "chargebackAmount",
    "caseType",
    "partnerId",
}


def post(gateway: Gateway, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{gateway.base_url}/sandbox/api/{path}", json=body, timeout=30)


def chargeback(gateway: Gateway, body: dict[str, Any]) -> dict[str, Any]:
    response = post(gateway, "chargeback", body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused(response: httpx.Response, status: int, reason: str, *words: str) -> None:
    assert response.status_code == status, response.text
    answer = response.json()
    assert (answer["result"], answer["reason"]) == ("ERROR", reason), answer
    for word in words:
        assert word in answer["message"], (word, answer["message"])


def paid(gateway: Gateway, merchant: Merchant, url: str, amount: str) -> tuple[str, str]:
    """(orderNo, payer member id) of a freshly paid order."""
    order_no = place(merchant, url, amount)
    payer = pay(gateway, order_no)["acquireOrder"]["paymentInfo"]["payerMid"]
    return order_no, str(payer)


def _in_db(gateway: Gateway, work: Callable[[Database], Awaitable[T]]) -> T:
    """`work` on the gateway's database, in this process (a CLI run costs seconds)."""

    async def run() -> T:
        db = open_database(gateway.db_url, pool_size=1)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def balances(gateway: Gateway) -> dict[tuple[str, str], Decimal]:
    """What `botimpay ledger balances` shows: (account kind, owner) -> AED."""

    async def read(db: Database) -> dict[tuple[str, str], Decimal]:
        async with db.read() as conn:
            rows = await ledger_repo.all_balances(conn)
        return {(r.account.kind.value, r.account.owner_id): r.balance.amount for r in rows}

    return _in_db(gateway, read)


def assert_ledger_ok(gateway: Gateway) -> None:
    """What `botimpay ledger check` checks (services/reconcile.py) finds nothing wrong."""
    report = _in_db(gateway, check_ledger)
    assert report.ok, report.problems


def moved(before: dict[Any, Decimal], after: dict[Any, Decimal]) -> dict[Any, Decimal]:
    return {
        key: after.get(key, Decimal(0)) - before.get(key, Decimal(0))
        for key in set(before) | set(after)
        if after.get(key, Decimal(0)) != before.get(key, Decimal(0))
    }


def test_a_chargeback_notifies_the_reference_fields_signed_and_moves_the_money(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, payer = paid(cb_gateway, cb_merchant, rx.url, "100.00")
    rx.wait_for(1)
    before = balances(cb_gateway)

    answer = chargeback(cb_gateway, {"orderNo": order_no, "amount": 40, "caseType": "FRAUD"})

    [_, got] = rx.wait_for(2)
    assert rsa_verify(cb_merchant.gateway_public_key, got.body, got.headers["sign"])
    body = got.json()
    assert set(body) == {"notify_id", "notify_timestamp", "acquireChargeback"}
    assert body["notify_id"] == answer["notifyId"]
    assert isinstance(body["notify_timestamp"], int)
    item = body["acquireChargeback"]
    assert set(item) == CHARGEBACK_FIELDS
    assert item["orderNo"] == order_no
    assert item["merchantOrderNo"] == answer["acquireOrder"]["merchantOrderNo"]
    assert item["partnerId"] == cb_merchant.partner_id
    assert item["caseType"] == "FRAUD"
    assert item["payAmount"] == {"amount": Decimal("100"), "currency": "AED"}
    assert item["chargebackAmount"] == {"amount": Decimal("40"), "currency": "AED"}
    assert isinstance(item["chargebackTime"], int)
    assert answer["refundableLeft"] == {"amount": 60, "currency": "AED"}

    # Like a refund of 40.00: the merchant gives back 39.88, the gateway its 0.12 fee share.
    assert moved(before, balances(cb_gateway)) == {
        ("MERCHANT_PENDING", cb_merchant.partner_id): Decimal("-39.88"),
        ("FEE_INCOME", "GATEWAY"): Decimal("-0.12"),
        ("MEMBER_WALLET", payer): Decimal("40.00"),
    }
    assert_ledger_ok(cb_gateway)
    rx.assert_quiet(2, seconds=0.5)


def test_never_more_than_is_left_after_refunds_and_chargebacks(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "50.00")
    refund = cb_merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": f"R{order_no}",
            "originOrderNo": order_no,
            "amount": {"amount": Decimal("10.00"), "currency": "AED"},
        },
    )
    refund.assert_ok()
    before = balances(cb_gateway)
    refused(
        post(cb_gateway, "chargeback", {"orderNo": order_no, "amount": "40.01"}),
        409,
        "REFUND_AMOUNT_EXCEEDED",
        "40.01",
        "40.00",
    )
    assert balances(cb_gateway) == before  # nothing posted

    chargeback(cb_gateway, {"orderNo": order_no, "amount": "30"})
    # A refund now sees the chargeback: 10.00 left, not 40.00.
    over = cb_merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": f"S{order_no}",
            "originOrderNo": order_no,
            "amount": {"amount": Decimal("10.01"), "currency": "AED"},
        },
    )
    assert over.code == "62006", over.json
    chargeback(cb_gateway, {"orderNo": order_no, "amount": "10.00"})
    refused(
        post(cb_gateway, "chargeback", {"orderNo": order_no, "amount": "0.01"}),
        409,
        "REFUND_AMOUNT_EXCEEDED",
    )
    assert_ledger_ok(cb_gateway)


def test_requests_are_checked_field_by_field(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "5.00")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"orderNo": order_no}, "amount is required"),
        ({"orderNo": order_no, "amount": -1}, "amount"),
        ({"orderNo": order_no, "amount": 0}, "amount must be greater than 0"),
        ({"orderNo": order_no, "amount": "1.001"}, "amount"),
        ({"orderNo": order_no, "amount": {"amount": 1, "currency": "USD"}}, "amount.currency"),
        ({"amount": 1}, "orderNo and merchantOrderNo"),
        ({"orderNo": order_no, "merchantOrderNo": "x", "amount": 1}, "orderNo and merchant"),
        ({"orderNo": order_no, "amount": 1, "caseType": "x" * 201}, "caseType"),
        ({"orderNo": order_no, "amount": 1, "colour": "red"}, "colour"),
    ]
    for body, words in cases:
        refused(post(cb_gateway, "chargeback", body), 400, "INVALID_PARAMETER", words)
    refused(
        post(cb_gateway, "chargeback", {"orderNo": "9" * 20, "amount": 1}),
        409,
        "ORDER_NO_NOT_EXIST",
        "orderNo",
    )
    unpaid = place(cb_merchant, rx.url, "5.00")
    refused(post(cb_gateway, "chargeback", {"orderNo": unpaid, "amount": 1}), 409, "ORDER_NOT_PAID")
    refused(
        post(
            cb_gateway,
            "chargeback",
            {"orderNo": order_no, "partnerId": "200000000001", "amount": 1},
        ),
        409,
        "ORDER_NO_NOT_EXIST",
    )


def test_a_settled_order_is_charged_back_from_the_available_balance(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, payer = paid(cb_gateway, cb_merchant, rx.url, "20.00")
    merchant_order_no = str(
        cb_merchant.call("acquire2/getOrder", {"orderNo": order_no}).order["merchantOrderNo"]
    )
    assert post(cb_gateway, "settle", {}).status_code == 200
    before = balances(cb_gateway)
    answer = chargeback(
        cb_gateway,
        {
            "merchantOrderNo": merchant_order_no,
            "partnerId": cb_merchant.partner_id,
            "amount": {"amount": "20.00", "currency": "AED"},
        },
    )
    assert answer["acquireOrder"]["status"] == "SETTLED"
    assert moved(before, balances(cb_gateway)) == {
        ("MERCHANT_AVAILABLE", cb_merchant.partner_id): Decimal("-19.94"),
        ("FEE_INCOME", "GATEWAY"): Decimal("-0.06"),
        ("MEMBER_WALLET", payer): Decimal("20.00"),
    }
    assert_ledger_ok(cb_gateway)


def test_a_failed_delivery_is_retried_on_the_schedule_with_the_same_notify_id(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver("success", SERVER_ERROR)  # the payment is taken, the chargeback fails once
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "8.00")
    rx.wait_for(1)
    chargeback(cb_gateway, {"orderNo": order_no, "amount": "3"})
    rx.wait_for(2)
    rx.assert_quiet(2, seconds=1.0)  # the retry is due 2 minutes later (business time)
    advance(cb_gateway, 120)
    received = rx.wait_for(3)
    first, retry = received[1], received[2]
    assert first.notify_id == retry.notify_id
    assert "acquireChargeback" in retry.json()
    assert rsa_verify(cb_merchant.gateway_public_key, retry.body, retry.headers["sign"])
    rx.assert_quiet(3, seconds=1.0)  # answered SUCCESS: no more attempts
