"""Simultaneous refunds and revokes of one order never refund more than was paid.

Each request comes from its own thread and HTTP client, released together by a
barrier. The refunds serialise on the order row; the results are checked against
the refund records, the refund summary and the wallet's ledger balance.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from tests.harness import ApiResponse, Gateway, Merchant, order_no
from tests.refunds import (
    SHARED_WALLET,
    aed,
    assert_ledger_ok,
    at_once,
    body_of,
    get_order,
    get_refund,
    paid_order,
    refund,
    revoke,
    wallet_balance,
)


def outcome(response: ApiResponse) -> tuple[str, str]:
    return response.apply_status, response.code


def refund_call(order: dict[str, Any], amount: str, number: str) -> Any:
    return lambda client: refund(client, order, amount, number)


def revoke_call(order: dict[str, Any]) -> Any:
    return lambda client: revoke(client, order["orderNo"])


def remaining(merchant: Merchant, number: str) -> Decimal:
    body = body_of(get_refund(merchant, refundMerchantOrderNo=number))
    return aed(body["refundSummary"]["remainRefundAmount"])


def test_twenty_refunds_of_ten_on_one_hundred(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "100.00")
    start = wallet_balance(gateway, SHARED_WALLET)
    numbers = [f"R{i:02d}-{order_no()}" for i in range(20)]

    answers = at_once(merchant, [refund_call(order, "10.00", n) for n in numbers])

    assert Counter(outcome(a) for a in answers) == {
        ("SUCCESS", "0"): 10,
        ("SUCCESS", "62006"): 10,
    }, [a.json for a in answers]
    won = [n for n, a in zip(numbers, answers, strict=True) if a.code == "0"]
    lost = [n for n, a in zip(numbers, answers, strict=True) if a.code != "0"]
    refund_nos = set()
    for number in won:
        ro = body_of(get_refund(merchant, refundMerchantOrderNo=number))["refundOrder"]
        assert (ro["status"], aed(ro["amount"])) == ("SUCCESS", Decimal("10.00"))
        refund_nos.add(ro["orderNo"])
    assert len(refund_nos) == 10
    for number in lost:
        assert get_refund(merchant, refundMerchantOrderNo=number).code == "62007"
    assert remaining(merchant, won[0]) == 0
    assert wallet_balance(gateway, SHARED_WALLET) - start == Decimal("100.00")
    assert get_order(merchant, order["orderNo"])["status"] == "PAID_SUCCESS"
    assert_ledger_ok(gateway)


def test_identical_refunds_at_once_are_one_refund(gateway: Gateway, merchant: Merchant) -> None:
    """More than half of the order: a second booking could not fit, so any answer other
    than the one refund shows the requests were not recognised as repeats."""
    order = paid_order(gateway, merchant, "30.00")
    start = wallet_balance(gateway, SHARED_WALLET)
    number = "R" + order_no()

    answers = at_once(merchant, [refund_call(order, "20.00", number) for _ in range(10)])

    assert Counter(outcome(a) for a in answers) == {("SUCCESS", "0"): 10}, [a.json for a in answers]
    assert len({body_of(a)["refundOrder"]["orderNo"] for a in answers}) == 1
    assert remaining(merchant, number) == Decimal("10.00")
    assert wallet_balance(gateway, SHARED_WALLET) - start == Decimal("20.00")
    assert_ledger_ok(gateway)


def test_revoke_and_partial_refund_race(gateway: Gateway, merchant: Merchant) -> None:
    """Two revokes and two partial refunds at once: either the revoke wins (full refund,
    the partial refunds are 62040) or the refunds do (and the revokes are 62041)."""
    winners: Counter[str] = Counter()
    orders = [paid_order(gateway, merchant, "40.00") for _ in range(6)]
    start = wallet_balance(gateway, SHARED_WALLET)
    expected = Decimal(0)
    for order in orders:
        numbers = ["R" + order_no(), "R" + order_no()]
        calls = [revoke_call(order), refund_call(order, "5.00", numbers[0])]
        calls += [revoke_call(order), refund_call(order, "5.00", numbers[1])]

        revoke_a, refund_a, revoke_b, refund_b = at_once(merchant, calls)

        now = get_order(merchant, order["orderNo"])
        revoke_refund = get_refund(merchant, refundMerchantOrderNo="REVOKE-" + order["orderNo"])
        answers = [a.json for a in (revoke_a, refund_a, revoke_b, refund_b)]
        if now["revoked"] == "true":
            winners["revoke"] += 1
            assert {outcome(revoke_a), outcome(revoke_b)} == {("SUCCESS", "0")}, answers
            assert {outcome(refund_a), outcome(refund_b)} == {("SUCCESS", "62040")}, answers
            assert body_of(revoke_a)["acquireOrder"]["status"] == "FAILURE"
            assert now["status"] == "FAILURE"
            assert aed(body_of(revoke_refund)["refundOrder"]["amount"]) == Decimal("40.00")
            expected += Decimal("40.00")
            for number in numbers:
                assert get_refund(merchant, refundMerchantOrderNo=number).code == "62007"
        else:
            winners["refunds"] += 1
            assert {outcome(refund_a), outcome(refund_b)} == {("SUCCESS", "0")}, answers
            assert {outcome(revoke_a), outcome(revoke_b)} == {("SUCCESS", "62041")}, answers
            assert now["status"] == "PAID_SUCCESS"
            assert revoke_refund.code == "62007"
            expected += Decimal("10.00")
    assert sum(winners.values()) == 6
    assert wallet_balance(gateway, SHARED_WALLET) - start == expected
    assert_ledger_ok(gateway)
