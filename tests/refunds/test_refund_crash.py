"""kill -9 the gateway in the middle of refunds and revokes: each is all or nothing.

Threads fire refunds (and revokes) at a fresh gateway while the test SIGKILLs the
`botimpay serve` process after a short random delay, restarts it on the same port and
database, and does it again. Then every request is accounted for: a refund either
exists with its amount (and the customer's wallet got exactly that) or does not exist
(and no money moved); an answered refund survived the kill; the ledger balances.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from tests.harness import Gateway, Merchant, order_no
from tests.refunds import (
    CENT,
    aed,
    assert_ledger_ok,
    balances,
    body_of,
    get_order,
    get_refund,
    member,
    own_client,
    paid_order,
    refund,
    refund_ok,
    revoke,
)

ORDERS = 8  # order i is paid by test wallet i
MIXED = {6, 7}  # these orders also get revokes
TOTAL = Decimal("60.00")
ROUNDS = 3
THREADS = 8
REFUSALS = {"62006", "62040", "62041"}


@dataclass
class Attempt:
    kind: str  # "refund" or "revoke"
    order: int
    number: str = ""
    amount: Decimal = Decimal(0)
    code: str | None = None  # None: no answer (the server died)
    refund_no: str | None = None
    cut: bool = False  # the kill cut this request off


def send(client: Merchant, orders: list[dict[str, Any]], attempt: Attempt) -> None:
    """Sends the attempt; records the answer, or leaves `code` None if the server died."""
    order = orders[attempt.order]
    if attempt.kind == "revoke":
        response = revoke(client, order["orderNo"])
    else:
        response = refund(client, order, attempt.amount, attempt.number)
    attempt.code = response.code
    assert attempt.code == "0" or attempt.code in REFUSALS, response.json
    if attempt.code == "0" and attempt.kind == "refund":
        attempt.refund_no = body_of(response)["refundOrder"]["orderNo"]


def storm(
    gw: Gateway, shop: Merchant, orders: list[dict[str, Any]], rng: random.Random
) -> list[Attempt]:
    """Runs THREADS request loops and SIGKILLs the server under them; returns the attempts."""
    attempts: list[Attempt] = []
    lock = threading.Lock()
    seeds = [rng.random() for _ in range(THREADS)]

    def loop(seed: float) -> None:
        mine = random.Random(seed)
        client = own_client(shop)
        try:
            while True:
                index = mine.randrange(ORDERS)
                if index in MIXED and mine.random() < 0.5:
                    attempt = Attempt("revoke", index)
                else:
                    fils = mine.randint(1, 300)
                    attempt = Attempt("refund", index, "R" + order_no(), Decimal(fils) * CENT)
                with lock:
                    attempts.append(attempt)
                try:
                    send(client, orders, attempt)
                except httpx.HTTPError:
                    attempt.cut = True
                    return  # killed: this attempt's outcome is unknown
        finally:
            client.http.close()

    threads = [threading.Thread(target=loop, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.2, 1.0))
    assert gw.process is not None
    gw.process.kill()  # SIGKILL: no shutdown handlers, no flush
    gw.process.wait()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    gw.start()
    return attempts


def found_refund(shop: Merchant, number: str) -> dict[str, Any] | None:
    response = get_refund(shop, refundMerchantOrderNo=number)
    if response.code == "62007":
        return None
    ro: dict[str, Any] = body_of(response)["refundOrder"]
    assert ro["status"] == "SUCCESS", ro
    return ro


def test_kill_9_mid_refund_is_all_or_nothing(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    orders = [paid_order(gw, shop, TOTAL, wallet=i) for i in range(ORDERS)]
    start = balances(gw)
    rng = random.Random()

    attempts: list[Attempt] = []
    for _ in range(ROUNDS):
        batch = storm(gw, shop, orders, rng)
        shop.http.close()
        shop = own_client(shop)  # no connection from before the kill
        # a merchant retries what got no answer: the same request must not refund twice
        for attempt in batch:
            if attempt.code is None and attempt.kind == "refund":
                send(shop, orders, attempt)
        attempts += batch
    assert sum(a.cut for a in attempts) >= ROUNDS, "the kills cut no request off"
    assert sum(a.code == "0" for a in attempts if a.kind == "refund") > 0

    refunded = [Decimal(0)] * ORDERS
    for attempt in (a for a in attempts if a.kind == "refund"):
        ro = found_refund(shop, attempt.number)
        if attempt.code == "0":
            assert ro is not None, f"answered refund {attempt.number} was lost in a crash"
            assert ro["orderNo"] == attempt.refund_no
        elif attempt.code is not None:
            assert ro is None, f"refused refund {attempt.number} was booked anyway"
        if ro is not None:
            assert ro["originOrderNo"] == orders[attempt.order]["orderNo"]
            assert aed(ro["amount"]) == attempt.amount
            refunded[attempt.order] += attempt.amount
    revoked = set()
    for index in MIXED:
        order = get_order(shop, orders[index]["orderNo"])
        made = found_refund(shop, "REVOKE-" + order["orderNo"])
        if order["revoked"] == "true":
            revoked.add(index)
            assert order["status"] == "FAILURE"
            assert made is not None
            assert refunded[index] == 0  # a revoke happens only before any refund
            refunded[index] = aed(made["amount"])
            assert refunded[index] == TOTAL
        else:
            assert made is None
            assert all(a.code != "0" for a in attempts if a.kind == "revoke" and a.order == index)

    after = balances(gw)
    for index in range(ORDERS):
        wallet = ("MEMBER_WALLET", member(index))
        assert after[wallet] - start[wallet] == refunded[index], index

    # What is left of each order can be refunded, exactly, and not a fils more: the
    # orders' refunded amounts are exactly the refunds found.
    for index in set(range(ORDERS)) - revoked:
        left = TOTAL - refunded[index]
        if left:
            assert refund(shop, orders[index], left + CENT).code == "62006"
            body = refund_ok(shop, orders[index], left)
            assert aed(body["refundSummary"]["remainRefundAmount"]) == 0
    assert_ledger_ok(gw)  # also after the crashes: a broken posting would still be there
