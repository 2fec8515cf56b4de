"""Simultaneous payments: one order is paid exactly once, a wallet never goes negative.

Each request comes from its own thread and HTTP client, released together by a
barrier; every test runs on its own gateway so the books start from known balances.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.harness import Gateway, jsapi_order, now_ms
from tests.payments import (
    FEE_INCOME,
    OPENING,
    PASSWORD,
    PLACE,
    Answer,
    assert_ledger_ok,
    balances,
    decode,
    fee_of,
    get_order,
    member,
    money,
    pay,
    place,
    wallet,
)

WALLETS = 10


def pay_at_once(
    gateway: Gateway, attempts: list[dict[str, Any]], *, start_ms: int | None = None
) -> list[Answer]:
    """Sends every attempt (keyword arguments of `pay`) at the same moment (`start_ms`)."""
    barrier = threading.Barrier(len(attempts))

    def one(attempt: dict[str, Any]) -> Answer:
        with httpx.Client(timeout=120) as client:
            client.get(gateway.base_url + "/healthz")  # connection warm before the barrier
            barrier.wait(timeout=60)
            if start_ms is not None:
                time.sleep(max(0, start_ms - now_ms()) / 1000)
            return pay(gateway, client=client, **attempt)

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(one, attempts))


def test_twenty_payers_at_once_pay_one_order_exactly_once(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    order = place(shop, "123.45")
    attempts = [{"order_no": order["orderNo"], "wallet": i % WALLETS} for i in range(20)]

    answers = pay_at_once(gw, attempts)

    outcomes = Counter((a.status_code, a.result, a.reason) for a in answers)
    assert outcomes == {
        (200, "SUCCESS", None): 1,
        (409, "ERROR", "ALREADY_PAID"): 19,
    }, [a.json for a in answers]
    winner = next(i for i, a in enumerate(answers) if a.result == "SUCCESS")
    payer = attempts[winner]["wallet"]
    got = get_order(shop, order["orderNo"])
    assert got["status"] == "PAID_SUCCESS"
    assert got["paymentInfo"]["payerMid"] == member(payer)

    books = balances(gw)
    wallets = {i: books[wallet(i)] for i in range(WALLETS)}
    assert sum(wallets.values()) == WALLETS * OPENING - Decimal("123.45")
    assert wallets == {i: OPENING - (Decimal("123.45") if i == payer else 0) for i in wallets}
    assert books[("MERCHANT_PENDING", shop.partner_id)] == Decimal("123.45") - fee_of("123.45")
    assert books[FEE_INCOME] == fee_of("123.45")
    assert_ledger_ok(gw)


@pytest.mark.parametrize(
    ("amount", "password", "orders_placed", "affordable"),
    [
        ("500.00", PASSWORD, 30, 20),  # the brief's case: each attempt checks the password
        ("400.00", None, 40, 25),  # no password hashing to spread the requests apart
    ],
)
def test_one_wallet_paying_many_orders_at_once_never_goes_negative(
    fresh_gateway: Callable[..., Gateway],
    amount: str,
    password: str | None,
    orders_placed: int,
    affordable: int,
) -> None:
    assert Decimal(amount) * affordable == OPENING
    gw = fresh_gateway()
    shop = gw.add_merchant()
    orders = [place(shop, amount) for _ in range(orders_placed)]
    attempts = [{"order_no": o["orderNo"], "wallet": 0, "password": password} for o in orders]

    answers = pay_at_once(gw, attempts)

    outcomes = Counter((a.status_code, a.result, a.reason) for a in answers)
    assert outcomes == {
        (200, "SUCCESS", None): affordable,
        (200, "FAILED", "INSUFFICIENT_BALANCE"): orders_placed - affordable,
    }, [a.json for a in answers]
    for order, answer in zip(orders, answers, strict=True):
        got = get_order(shop, order["orderNo"])
        expected = "PAID_SUCCESS" if answer.result == "SUCCESS" else "CREATED"
        assert got["status"] == expected, (answer.json, got)
        if answer.result == "SUCCESS":
            assert got["paymentInfo"]["payerMid"] == member(0)
        else:
            assert "paymentInfo" not in got

    books = balances(gw)
    assert books[wallet(0)] == Decimal("0.00")
    assert all(books[wallet(i)] == OPENING for i in range(1, WALLETS))
    net = Decimal(amount) - fee_of(amount)
    assert books[("MERCHANT_PENDING", shop.partner_id)] == affordable * net
    assert books[FEE_INCOME] == affordable * fee_of(amount)
    assert_ledger_ok(gw)
    # The emptied wallet is refused cleanly, and another wallet can still pay.
    unpaid = next(o for o, a in zip(orders, answers, strict=True) if a.result == "FAILED")
    pay(gw, unpaid["orderNo"], wallet=0, password=password).failed("INSUFFICIENT_BALANCE")
    pay(gw, unpaid["orderNo"], wallet=1, password=password).succeeded()
    assert_ledger_ok(gw)


def test_an_order_expiring_during_the_payment_rush_never_errors(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    """40 password payments (two wallets) queue up while their orders' expiry passes.

    Each attempt is judged at one instant: paid before the expiry, or refused as
    EXPIRED; an expiry in the middle of an attempt must never become an error."""
    gw = fresh_gateway()
    shop = gw.add_merchant()
    expires = now_ms() + 12_000
    placed = []
    for _ in range(40):
        biz = jsapi_order(totalAmount=money("500.00"), expiredTime=expires)
        placed.append(decode(shop.call(PLACE, biz).assert_ok().raw)["body"]["acquireOrder"])
    attempts = [
        {"order_no": o["orderNo"], "wallet": i % 2, "password": PASSWORD}
        for i, o in enumerate(placed)
    ]

    answers = pay_at_once(gw, attempts, start_ms=expires - 1_000)

    outcomes = Counter((a.status_code, a.result, a.reason) for a in answers)
    assert set(outcomes) <= {(200, "SUCCESS", None), (409, "ERROR", "EXPIRED")}, outcomes
    assert outcomes[(200, "SUCCESS", None)] > 0, outcomes
    for order, answer in zip(placed, answers, strict=True):
        got = get_order(shop, order["orderNo"])
        if answer.result == "SUCCESS":
            assert got["status"] == "PAID_SUCCESS", got
            assert got["paymentInfo"]["paidTime"] < got["expiredTime"], got
        else:
            assert (got["status"], got["failCode"]) == ("FAILURE", "ORDER_EXPIRED"), got
    paid = {
        i: sum(
            1
            for a, t in zip(answers, attempts, strict=True)
            if a.result == "SUCCESS" and t["wallet"] == i
        )
        for i in (0, 1)
    }
    books = balances(gw)
    assert books[wallet(0)] == OPENING - 500 * paid[0]
    assert books[wallet(1)] == OPENING - 500 * paid[1]
    assert_ledger_ok(gw)
