"""Concurrent requests: idempotent placeOrder, conflicting merchantOrderNos and
concurrent cancels never produce duplicates or a 500."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx

from tests.harness import ApiResponse, Merchant, jsapi_order, order_no

N = 16
PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"


def run_at_once(
    merchant: Merchant, requests: list[tuple[str, dict[str, Any]]]
) -> list[ApiResponse]:
    """Sends each (path, biz) from its own thread and client, released together by a barrier.

    `Merchant.call` asserts HTTP 200 and a valid response signature for every answer."""
    barrier = threading.Barrier(len(requests))

    def one(path: str, biz: dict[str, Any]) -> ApiResponse:
        with httpx.Client(timeout=60) as client:
            own = Merchant(merchant.partner_id, merchant.private_key, merchant.gateway_public_key,
                           merchant.base_url, http=client)
            client.get(merchant.base_url + "/healthz")  # connection warm before the barrier
            barrier.wait(timeout=60)
            return own.call(path, biz)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(one, path, biz) for path, biz in requests]
        return [future.result() for future in futures]


def codes(answers: list[ApiResponse]) -> list[tuple[str, str]]:
    return [(r.apply_status, r.code) for r in answers]


def test_identical_concurrent_place_orders_make_one_order(merchant: Merchant) -> None:
    biz = jsapi_order()
    answers = run_at_once(merchant, [(PLACE, biz)] * N)
    assert codes(answers) == [("SUCCESS", "0")] * N, [r.json for r in answers]
    order_nos = {r.order["orderNo"] for r in answers}
    assert len(order_nos) == 1, order_nos
    token_urls = {r.body["interActionParams"]["tokenUrl"] for r in answers if r.body}
    assert len(token_urls) == 1, token_urls
    got = merchant.call(GET, {"merchantOrderNo": biz["merchantOrderNo"]}).assert_ok().order
    assert got["orderNo"] == order_nos.pop()
    assert got["status"] == "CREATED"
    assert Decimal(str(got["totalAmount"]["amount"])) == Decimal("12.34")


def test_concurrent_conflicting_place_orders_have_one_winner(merchant: Merchant) -> None:
    mono = order_no()
    bizs = [jsapi_order(merchantOrderNo=mono,
                        totalAmount={"amount": Decimal(f"{10 + i}.00"), "currency": "AED"})
            for i in range(N)]
    answers = run_at_once(merchant, [(PLACE, biz) for biz in bizs])
    for r in answers:
        assert (r.apply_status, r.code) in {("SUCCESS", "0"), ("SUCCESS", "62016")}, r.json
    winners = [(i, r) for i, r in enumerate(answers) if r.code == "0"]
    assert len(winners) == 1, codes(answers)
    index, winner = winners[0]
    assert all(not r.json.get("body") for r in answers if r.code == "62016")
    won_amount = Decimal(f"{10 + index}.00")
    assert Decimal(str(winner.order["totalAmount"]["amount"])) == won_amount
    got = merchant.call(GET, {"merchantOrderNo": mono}).assert_ok().order
    assert got["orderNo"] == winner.order["orderNo"]
    assert Decimal(str(got["totalAmount"]["amount"])) == won_amount
    # the winner's request is still idempotent afterwards; every loser still conflicts
    assert merchant.call(PLACE, bizs[index]).assert_ok().order["orderNo"] == got["orderNo"]
    loser = bizs[(index + 1) % N]
    assert merchant.call(PLACE, loser).code == "62016"


def test_concurrent_distinct_place_orders_get_distinct_order_nos(merchant: Merchant) -> None:
    bizs = [jsapi_order() for _ in range(N)]
    answers = run_at_once(merchant, [(PLACE, biz) for biz in bizs])
    assert codes(answers) == [("SUCCESS", "0")] * N, [r.json for r in answers]
    assert [r.order["merchantOrderNo"] for r in answers] == [b["merchantOrderNo"] for b in bizs]
    assert len({r.order["orderNo"] for r in answers}) == N


def test_concurrent_cancels_of_one_order(merchant: Merchant) -> None:
    placed = merchant.place_order().assert_ok().order
    answers = run_at_once(merchant, [(CANCEL, {"orderNo": placed["orderNo"]})] * N)
    for r in answers:
        assert (r.apply_status, r.code) in {("SUCCESS", "0"), ("SUCCESS", "62002")}, r.json
    successes = [r for r in answers if r.code == "0"]
    assert successes, codes(answers)
    for r in successes:
        assert r.order["orderNo"] == placed["orderNo"]
        assert r.order["status"] == "FAILURE", r.order
    got = merchant.call(GET, {"orderNo": placed["orderNo"]}).assert_ok().order
    assert got["status"] == "FAILURE"
    assert got.get("failCode") == "ORDER_CANCELLED", got
    assert merchant.call(CANCEL, {"orderNo": placed["orderNo"]}).code == "62002"


def test_concurrent_cancel_and_get(merchant: Merchant) -> None:
    """Readers racing a cancel see either CREATED or FAILURE, never an error."""
    placed = merchant.place_order().assert_ok().order
    ref = {"merchantOrderNo": placed["merchantOrderNo"]}
    mixed = [(CANCEL if i % 4 == 0 else GET, ref) for i in range(N)]
    answers = run_at_once(merchant, mixed)
    for (path, _), r in zip(mixed, answers, strict=True):
        if path == GET:
            assert r.assert_ok().order["status"] in ("CREATED", "FAILURE"), r.json
        else:
            assert (r.apply_status, r.code) in {("SUCCESS", "0"), ("SUCCESS", "62002")}, r.json
    assert sum(r.code == "0" for (p, _), r in zip(mixed, answers, strict=True) if p == CANCEL) >= 1
