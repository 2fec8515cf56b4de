"""Notification faults against a real `botimpay serve` and a loopback receiver: DUPLICATE,
LATE and REFUND_FIRST, armed through POST /sandbox/api/faults, marked on every attempt.

The tests share the session's gateway and one merchant of this module (faults are
per merchant; each test starts with none armed); several workers get their own."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from botimpay.notify.admin import list_notifications
from botimpay.store.database import open_database
from tests.harness import Gateway, Merchant, order_no, rsa_verify
from tests.notify.helpers import Worker, paid_order, pay, wait_notifications
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Make = Callable[..., Receiver]
FAST = ("--dispatch-interval-ms", "100")


@pytest.fixture(scope="module")
def module_merchant(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


@pytest.fixture
def shop(gateway: Gateway, module_merchant: Merchant) -> Merchant:
    """This module's merchant on the session's gateway, with no fault armed."""
    response = httpx.delete(
        gateway.base_url + "/sandbox/api/faults",
        params={"partnerId": module_merchant.partner_id},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return module_merchant


def arm(gateway: Gateway, merchant: Merchant, **fields: Any) -> dict[str, Any]:
    """Arms a notification fault for the merchant the way a test suite would."""
    response = httpx.post(
        gateway.base_url + "/sandbox/api/faults",
        json={"partnerId": merchant.partner_id, "operation": "notify", **fields},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    armed: dict[str, Any] = response.json()
    return armed


def armed_faults(gateway: Gateway, merchant: Merchant) -> list[dict[str, Any]]:
    response = httpx.get(
        gateway.base_url + "/sandbox/api/faults",
        params={"partnerId": merchant.partner_id},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["faults"]
    return found


def history(gateway: Gateway, order: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The payment notification's attempts once it is DELIVERED, as `notify list --order
    --json` shows them (the same function, read in-process: no CLI start per poll)."""

    async def read() -> list[dict[str, Any]]:
        db = open_database(gateway.db_url, pool_size=1)
        try:
            return await list_notifications(db, subject_no=order)
        finally:
            await db.dispose()

    deadline = time.monotonic() + timeout
    while True:
        views = asyncio.run(read())
        if len(views) == 1 and views[0]["status"] == "DELIVERED":
            attempts: list[dict[str, Any]] = views[0]["history"]
            return attempts
        assert time.monotonic() < deadline, f"never delivered: {views}"
        time.sleep(0.05)


def kind(body: dict[str, Any]) -> str:
    return "REFUND" if "refundOrder" in body else "PAYMENT"


def test_duplicate_delivers_the_next_two_notifications_twice(
    gateway: Gateway, shop: Merchant, receiver: Make
) -> None:
    rx, merchant = receiver(), shop
    arm(gateway, merchant, fault="DUPLICATE", times=2)

    orders = []
    for expected in (2, 4, 5):  # POSTs received so far: twice, twice, then once
        orders.append(paid_order(gateway, merchant, rx.url))
        rx.wait_for(expected)
    rx.assert_quiet(5, 1.0)

    received = rx.received
    for first, second in (received[0:2], received[2:4]):
        assert first.body == second.body  # the same bytes, notify_id and timestamp included
        assert first.headers["sign"] == second.headers["sign"]
        assert rsa_verify(merchant.gateway_public_key, second.body, second.headers["sign"])
    assert [r.json()["acquireOrder"]["orderNo"] for r in received] == [
        orders[0],
        orders[0],
        orders[1],
        orders[1],
        orders[2],
    ]
    for order in orders[:2]:
        attempts = history(gateway, order)
        assert [(a["attempt"], a["outcome"], a["fault"]) for a in attempts] == [
            (1, "SUCCESS", "DUPLICATE"),
            (2, "SUCCESS", "DUPLICATE"),
        ]
    assert [(a["attempt"], a["fault"]) for a in history(gateway, orders[2])] == [(1, None)]
    assert armed_faults(gateway, merchant) == []  # both uses spent
    table = gateway.cli("notify", "list", "--order", orders[0]).stdout
    assert "fault DUPLICATE" in table


def test_duplicate_narrowed_to_one_order_spares_the_others(
    gateway: Gateway, shop: Merchant, receiver: Make
) -> None:
    rx, merchant = receiver(), shop
    target = order_no()
    arm(gateway, merchant, fault="DUPLICATE", merchantOrderNo=target)

    other = paid_order(gateway, merchant, rx.url)
    rx.wait_for(1)
    rx.assert_quiet(1, 0.5)
    placed = merchant.place_order(merchantOrderNo=target, notifyUrl=rx.url).assert_ok()
    pay(gateway, str(placed.order["orderNo"]))
    received = rx.wait_for(3)
    rx.assert_quiet(3, 0.5)

    assert [r.json()["acquireOrder"]["merchantOrderNo"] for r in received[1:]] == [target] * 2
    assert [a["fault"] for a in history(gateway, other)] == [None]


def test_late_delivers_the_notification_hold_ms_after_the_payment(
    gateway: Gateway, shop: Merchant, receiver: Make
) -> None:
    rx, merchant = receiver(), shop
    armed = arm(gateway, merchant, fault="LATE", holdMs=1500)
    assert (armed["fault"], armed["holdMs"], armed["remaining"]) == ("LATE", 1500, 1)

    paying = time.monotonic()
    late = paid_order(gateway, merchant, rx.url)
    [got] = rx.wait_for(1, timeout=20)
    assert got.at - paying >= 1.5, got.at - paying
    assert got.json()["acquireOrder"]["orderNo"] == late
    assert [(a["attempt"], a["outcome"], a["fault"]) for a in history(gateway, late)] == [
        (1, "SUCCESS", "LATE 1500ms")
    ]

    on_time = paid_order(gateway, merchant, rx.url)  # the one use is spent
    rx.wait_for(2)
    assert [a["fault"] for a in history(gateway, on_time)] == [None]


def test_refund_first_delivers_the_refund_before_the_payment(
    gateway: Gateway, shop: Merchant, receiver: Make
) -> None:
    rx, merchant = receiver(), shop
    arm(gateway, merchant, fault="REFUND_FIRST")

    paid = paid_order(gateway, merchant, rx.url, amount="30.00")  # its notification waits
    merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": order_no(),
            "originOrderNo": paid,
            "amount": {"amount": Decimal("30.00"), "currency": "AED"},
            "notifyUrl": rx.url,
        },
    ).assert_ok()

    received = rx.wait_for(2, timeout=30)
    rx.assert_quiet(2, 0.5)
    bodies = [r.json() for r in received]
    assert [kind(b) for b in bodies] == ["REFUND", "PAYMENT"]
    assert bodies[0]["refundOrder"]["originOrderNo"] == paid
    assert bodies[1]["acquireOrder"]["orderNo"] == paid
    assert bodies[1]["acquireOrder"]["status"] == "PAID_SUCCESS"
    for item in received:
        assert rsa_verify(merchant.gateway_public_key, item.body, item.headers["sign"])
    assert [(a["outcome"], a["fault"]) for a in history(gateway, paid)] == [
        ("SUCCESS", "REFUND_FIRST")
    ]


def test_refund_first_without_a_refund_lets_the_payment_go_after_its_hold(
    gateway: Gateway, shop: Merchant, receiver: Make
) -> None:
    rx, merchant = receiver(), shop
    arm(gateway, merchant, fault="REFUND_FIRST", holdMs=1000)

    paying = time.monotonic()
    paid = paid_order(gateway, merchant, rx.url)
    [got] = rx.wait_for(1, timeout=20)  # nothing is lost
    assert got.at - paying >= 1.0, got.at - paying
    assert [a["fault"] for a in history(gateway, paid)] == ["REFUND_FIRST 1000ms"]


def test_several_workers_spend_exactly_n_uses(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver()
    gateway = fresh_gateway("--no-dispatcher")
    merchant = gateway.add_merchant()
    arm(gateway, merchant, fault="DUPLICATE", times=4)
    for _ in range(12):
        paid_order(gateway, merchant, rx.url, amount="1.00")

    workers = [Worker(gateway, *FAST, name=f"worker{i}") for i in range(3)]
    try:
        rx.wait_for(16, timeout=30)
        views = wait_notifications(
            gateway,
            lambda views: len(views) == 12 and all(v["status"] == "DELIVERED" for v in views),
        )
        rx.assert_quiet(16, 0.5)
    finally:
        exits = [worker.terminate() for worker in workers]
    assert exits == [0, 0, 0], [w.log() for w in workers]

    sent = Counter(rx.notify_ids())
    assert sorted(sent.values()) == [1] * 8 + [2] * 4
    faulted = {v["notifyId"] for v in views if v["fault"] == "DUPLICATE"}
    assert faulted == {notify_id for notify_id, count in sent.items() if count == 2}
    assert all(
        [a["fault"] for a in v["history"]] == ["DUPLICATE"] * 2
        for v in views
        if v["notifyId"] in faulted
    )
    assert armed_faults(gateway, merchant) == []
