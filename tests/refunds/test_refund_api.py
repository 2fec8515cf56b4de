"""acquire2/refund/placeOrder, refund/getOrder and revokeOrder against a real gateway.

Money is checked three ways: the refund's answer, the refund summary, and the ledger
balances (`botimpay ledger balances`), which must move by exactly the refunded fils.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Gateway, Merchant, now_ms, order_no
from tests.refunds import (
    CANCEL,
    CENT,
    GET_REFUND,
    REFUND,
    SHARED_WALLET,
    aed,
    assert_ledger_ok,
    balances,
    body_of,
    fee_of,
    get_order,
    get_refund,
    invalid,
    member,
    money,
    paid_order,
    place,
    refund,
    refund_biz,
    refund_ok,
    refused,
    revoke,
    settle_all,
    wallet_balance,
)
from tests.refunds import advance as advance_clock

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "reference"
WALLET = ("MEMBER_WALLET", member(SHARED_WALLET))
FEE_INCOME = ("FEE_INCOME", "GATEWAY")
DAY = 24 * 3600


@pytest.fixture(scope="module")
def other(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def moved(before: dict[Any, Decimal], after: dict[Any, Decimal]) -> dict[Any, Decimal]:
    """The accounts whose balance changed, with the signed change."""
    delta = {k: after.get(k, Decimal(0)) - before.get(k, Decimal(0)) for k in {*before, *after}}
    return {k: v for k, v in delta.items() if v}


def summary(body: dict[str, Any]) -> tuple[Decimal, Decimal]:
    s = body["refundSummary"]
    return aed(s["acquireAmount"]), aed(s["remainRefundAmount"])


# --- refunds that succeed -------------------------------------------------------------


def test_full_refund_moves_the_money_back(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "12.34")
    fee = aed(order["paymentInfo"]["payeeFeeAmount"])
    assert fee == fee_of("12.34") == Decimal("0.04")
    before = balances(gateway)
    number = "R" + order_no()
    body = refund_ok(merchant, order, "12.34", number, reason="broken", operatorName="Daisy")
    ro = body["refundOrder"]
    assert ro["refundMerchantOrderNo"] == number
    assert ro["orderNo"].isdigit()
    assert len(ro["orderNo"]) <= 32
    assert ro["originMerchantOrderNo"] == order["merchantOrderNo"]
    assert (ro["reason"], ro["operatorName"]) == ("broken", "Daisy")
    assert aed(ro["feeRefunded"]) == fee
    assert summary(body) == (Decimal("12.34"), Decimal(0))
    assert moved(before, balances(gateway)) == {
        WALLET: Decimal("12.34"),
        ("MERCHANT_PENDING", merchant.partner_id): -(Decimal("12.34") - fee),
        FEE_INCOME: -fee,
    }
    refused(refund(merchant, order, "0.01"), "62006")
    got = body_of(get_refund(merchant, orderNo=ro["orderNo"]))
    assert got == body_of(get_refund(merchant, refundMerchantOrderNo=number))
    assert got["refundOrder"] == ro
    assert summary(got) == (Decimal("12.34"), Decimal(0))


def test_partial_refunds_add_up_with_proportional_fee(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "200.00")
    fee = aed(order["paymentInfo"]["payeeFeeAmount"])
    assert fee == Decimal("0.60")
    start = wallet_balance(gateway, SHARED_WALLET)
    shares: list[Decimal] = []
    remain = Decimal("200.00")
    for amount in ("15.00", "15.00", "70.00", "100.00"):
        body = refund_ok(merchant, order, amount)
        remain -= Decimal(amount)
        assert summary(body) == (Decimal("200.00"), remain)
        shares.append(aed(body["refundOrder"]["feeRefunded"]))
    # half-up: 0.60 * 15 / 200 = 0.045 → 0.05; the last refund takes the rest
    proportional = [
        (fee * Decimal(a) / Decimal(200)).quantize(CENT, rounding=ROUND_HALF_UP)
        for a in ("15.00", "15.00", "70.00")
    ]
    assert shares[:3] == proportional == [Decimal("0.05"), Decimal("0.05"), Decimal("0.21")]
    assert shares[3] == fee - sum(proportional) == Decimal("0.29")
    assert sum(shares) == fee
    assert wallet_balance(gateway, SHARED_WALLET) - start == Decimal("200.00")
    refused(refund(merchant, order, "0.01"), "62006")


def test_rounding_never_leaves_more_fee_than_is_left_to_refund(
    gateway: Gateway, merchant: Merchant
) -> None:
    """Five refunds whose fee share rounds down to 0, then one that rounds up: the fee
    left (0.02) would exceed the last refund (0.01) unless the shares stay bounded."""
    order = paid_order(gateway, merchant, "100.00")
    fee = aed(order["paymentInfo"]["payeeFeeAmount"])
    shares = []
    for amount in ["1.66"] * 5 + ["91.69", "0.01"]:
        body = refund_ok(merchant, order, amount)
        share = aed(body["refundOrder"]["feeRefunded"])
        assert Decimal(0) <= share <= Decimal(amount), body
        shares.append(share)
    assert sum(shares) == fee == Decimal("0.30")
    assert summary(body)[1] == 0


def test_refund_of_a_settled_order_and_revoke_of_a_settled_order(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    first = paid_order(gw, shop, "50.00", wallet=1)
    second = paid_order(gw, shop, "30.00", wallet=2)
    assert settle_all(gw) == 2
    assert get_order(shop, first["orderNo"])["status"] == "SETTLED"
    available = ("MERCHANT_AVAILABLE", shop.partner_id)
    before = balances(gw)
    assert before[available] == Decimal("80.00") - fee_of("50.00") - fee_of("30.00")

    body = refund_ok(shop, first, "20.00")
    assert aed(body["refundOrder"]["feeRefunded"]) == Decimal("0.06")  # 0.15 * 20 / 50
    assert moved(before, after := balances(gw)) == {
        ("MEMBER_WALLET", member(1)): Decimal("20.00"),
        available: Decimal("-19.94"),
        FEE_INCOME: Decimal("-0.06"),
    }
    assert get_order(shop, first["orderNo"])["status"] == "SETTLED"
    refused(revoke(shop, first["orderNo"]), "62041")

    revoked = body_of(revoke(shop, second["orderNo"]))["acquireOrder"]
    assert (revoked["status"], revoked["revoked"]) == ("SETTLED", "true")
    made = body_of(get_refund(shop, refundMerchantOrderNo="REVOKE-" + second["orderNo"]))
    assert made["refundOrder"]["status"] == "SUCCESS"
    assert made["refundOrder"]["originMerchantOrderNo"] == second["merchantOrderNo"]
    assert aed(made["refundOrder"]["amount"]) == Decimal("30.00")
    assert aed(made["refundOrder"]["feeRefunded"]) == fee_of("30.00")
    assert summary(made) == (Decimal("30.00"), Decimal(0))
    assert moved(after, balances(gw)) == {
        ("MEMBER_WALLET", member(2)): Decimal("30.00"),
        available: -(Decimal("30.00") - fee_of("30.00")),
        FEE_INCOME: -fee_of("30.00"),
    }
    refused(refund(shop, second, "1.00"), "62040")
    assert body_of(revoke(shop, second["orderNo"]))["acquireOrder"] == revoked
    assert_ledger_ok(gw)


def test_refunds_only_within_180_days_of_payment(fresh_gateway: Callable[..., Gateway]) -> None:
    gw = fresh_gateway()
    shop = gw.add_merchant()
    old = paid_order(gw, shop, "10.00", wallet=3)
    unpaid = place(shop, "10.00")
    advance_clock(gw, 179 * DAY)
    refused(refund(shop, unpaid, "1.00"), "62002")  # expired unpaid: a failed order
    refund_ok(shop, old, "1.00")
    young = paid_order(gw, shop, "10.00", wallet=3)
    advance_clock(gw, 2 * DAY)  # `old` was paid 181 days ago, `young` 2 days ago
    before = balances(gw)
    refused(refund(shop, old, "1.00"), "62045")
    assert balances(gw) == before
    assert summary(refund_ok(shop, young, "1.00")) == (Decimal("10.00"), Decimal("9.00"))
    assert_ledger_ok(gw)


def test_reference_refund_request_sample(gateway: Gateway, merchant: Merchant) -> None:
    """order-refund.mdx "Request Sample" sent as written, and the getOrder sample."""
    sample = (SAMPLES / "refund-request.json").read_text()
    biz = json.loads(sample)["bizContent"]
    assert (biz["merchantOrderNo"], biz["originMerchantOrderNo"]) == (
        "M818494241569",
        "M965739182419",
    )
    order = paid_order(gateway, merchant, "1.01")
    number = "R" + order_no()
    text = (
        sample.replace("1581405399656", str(now_ms()))
        .replace("M818494241569", number)
        .replace("M965739182419", order["merchantOrderNo"])
    )
    # As written its sharingParamList was encrypted with Botim Money's key: refused,
    # naming the field. Without refundSharingAmount the list has no effect
    # (_biz-content.mdx), so the rest of the sample is accepted as written.
    refused_sample = merchant.post_raw(REFUND, text.encode())
    assert refused_sample.signature_valid is True
    invalid(refused_sample, "bizContent.sharingParamList[0].sharingIdentity")
    text = text.replace('"refundSharingAmount":true', '"refundSharingAmount":false')
    response = merchant.post_raw(REFUND, text.encode())
    assert response.signature_valid is True
    body = body_of(response)
    ro = body["refundOrder"]
    assert ro["refundMerchantOrderNo"] == number
    assert ro["originMerchantOrderNo"] == order["merchantOrderNo"]
    assert ro["status"] == "SUCCESS"
    assert (aed(ro["amount"]), ro["reason"], ro["reserved"]) == (CENT, "refund", "order desc")
    assert summary(body) == (Decimal("1.01"), Decimal("1.00"))  # as in the response sample

    query = '{\n    "requestTime": 1581406091642,\n    "bizContent": {\n        '
    query += '"refundMerchantOrderNo": "M818494241569"\n    }\n}'
    query = query.replace("1581406091642", str(now_ms())).replace("M818494241569", number)
    got = body_of(merchant.post_raw(GET_REFUND, query.encode()))
    assert got["refundOrder"] == ro
    assert summary(got) == (Decimal("1.01"), Decimal("1.00"))


# --- idempotency ----------------------------------------------------------------------


def test_repeated_refund_is_the_same_refund(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "9.00")
    number = "R" + order_no()
    first = refund_ok(merchant, order, "4.00", number, reason="size")
    start = wallet_balance(gateway, SHARED_WALLET)
    again = refund_ok(merchant, order, "4.00", number, reason="size")
    assert again == first
    alias = refund_biz(order, "4.00", reason="size", merchantOrderNo=number)
    del alias["refundMerchantOrderNo"]
    assert body_of(merchant.call(REFUND, alias)) == first
    assert wallet_balance(gateway, SHARED_WALLET) == start

    refused(refund(merchant, order, "4.01", number, reason="size"), "62017")
    refused(refund(merchant, order, "4.00", number, reason="other"), "62017")
    other_order = paid_order(gateway, merchant, "9.00")
    refused(refund(merchant, other_order, "4.00", number, reason="size"), "62017")
    assert wallet_balance(gateway, SHARED_WALLET) == start - Decimal("9.00")
    assert summary(body_of(get_refund(merchant, refundMerchantOrderNo=number)))[1] == 5


def test_merchant_order_no_is_an_alias(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "3.00")
    number = "R" + order_no()
    biz = {
        "merchantOrderNo": number,
        "originMerchantOrderNo": order["merchantOrderNo"],
        "amount": money("1.00"),
    }
    ro = body_of(merchant.call(REFUND, biz))["refundOrder"]
    assert ro["refundMerchantOrderNo"] == number
    assert ro["originOrderNo"] == order["orderNo"]
    assert body_of(get_refund(merchant, refundMerchantOrderNo=number))["refundOrder"] == ro
    assert (
        body_of(merchant.call(REFUND, biz | {"refundMerchantOrderNo": number}))["refundOrder"] == ro
    )  # both names, equal: the same refund
    invalid(merchant.call(REFUND, refund_biz(order, "1.00", merchantOrderNo="X" + number)))


# --- refusals -------------------------------------------------------------------------


def test_amount_beyond_what_is_left_is_62006(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "10.00")
    start = wallet_balance(gateway, SHARED_WALLET)
    refused(refund(merchant, order, "10.01"), "62006")
    refund_ok(merchant, order, "6.00")
    number = "R" + order_no()
    refused(refund(merchant, order, "4.01", number), "62006")
    refused(get_refund(merchant, refundMerchantOrderNo=number), "62007")  # nothing was kept
    assert summary(refund_ok(merchant, order, "4.00", number))[1] == 0
    assert wallet_balance(gateway, SHARED_WALLET) - start == Decimal("10.00")


def test_unpaid_failed_and_revoked_orders_are_refused(gateway: Gateway, merchant: Merchant) -> None:
    created = place(merchant, "5.00")
    refused(refund(merchant, created, "1.00"), "62015")

    cancelled = place(merchant, "5.00")
    body_of(merchant.call(CANCEL, {"orderNo": cancelled["orderNo"]}))
    refused(refund(merchant, cancelled, "1.00"), "62002")

    revoked_unpaid = place(merchant, "5.00")
    body_of(revoke(merchant, revoked_unpaid["orderNo"]))
    refused(refund(merchant, revoked_unpaid, "1.00"), "62040")

    revoked_paid = paid_order(gateway, merchant, "5.00")
    body_of(revoke(merchant, revoked_paid["orderNo"]))
    start = wallet_balance(gateway, SHARED_WALLET)
    refused(refund(merchant, revoked_paid, "1.00"), "62040")
    assert wallet_balance(gateway, SHARED_WALLET) == start


def test_unknown_origin_and_unknown_refund(
    gateway: Gateway, merchant: Merchant, other: Merchant
) -> None:
    amount = money("1.00")
    refused(
        merchant.call(
            REFUND,
            {"refundMerchantOrderNo": order_no(), "originMerchantOrderNo": order_no()}
            | {"amount": amount},
        ),
        "62004",
    )
    refused(refund(merchant, {"orderNo": "1" * 20}, "1.00"), "62035")
    order = paid_order(gateway, merchant, "2.00")
    theirs = {"refundMerchantOrderNo": order_no(), "amount": amount}
    refused(
        other.call(REFUND, theirs | {"originMerchantOrderNo": order["merchantOrderNo"]}), "62004"
    )
    refused(other.call(REFUND, theirs | {"originOrderNo": order["orderNo"]}), "62035")

    mine = refund_ok(merchant, order, "1.00")["refundOrder"]
    refused(get_refund(merchant, refundMerchantOrderNo=order_no()), "62007")
    refused(get_refund(merchant, orderNo="9" * 20), "62035")
    refused(get_refund(other, refundMerchantOrderNo=mine["refundMerchantOrderNo"]), "62007")
    refused(get_refund(other, orderNo=mine["orderNo"]), "62035")


def test_malformed_refund_requests_are_400(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "2.00")
    both = refund_biz(order, "1.00", originMerchantOrderNo=order["merchantOrderNo"])
    invalid(merchant.call(REFUND, both), "originMerchantOrderNo", "originOrderNo")
    neither = refund_biz(order, "1.00")
    del neither["originOrderNo"]
    invalid(merchant.call(REFUND, neither), "originMerchantOrderNo", "originOrderNo")
    nameless = refund_biz(order, "1.00")
    del nameless["refundMerchantOrderNo"]
    invalid(merchant.call(REFUND, nameless), "refundMerchantOrderNo")
    invalid(merchant.call(REFUND, refund_biz(order, "0")), "bizContent.amount")
    invalid(merchant.call(REFUND, refund_biz(order, "0.001")), "bizContent.amount")
    invalid(merchant.call(REFUND, refund_biz(order, "1.00", "R" * 65)), "refundMerchantOrderNo")
    invalid(merchant.call(GET_REFUND, {}), "refundMerchantOrderNo", "orderNo")
    invalid(
        merchant.call(GET_REFUND, {"refundMerchantOrderNo": "a", "orderNo": "1"}),
        "refundMerchantOrderNo",
        "orderNo",
    )
    assert summary(refund_ok(merchant, order, "2.00"))[1] == 0  # nothing was refunded before


# --- revoke ---------------------------------------------------------------------------


def test_revoke_unpaid_order_fails_it(merchant: Merchant) -> None:
    order = place(merchant, "4.00")
    answer = body_of(revoke(merchant, order["orderNo"]))["acquireOrder"]
    assert (answer["status"], answer["revoked"]) == ("FAILURE", "true")
    assert get_order(merchant, order["orderNo"]) == answer
    assert body_of(revoke(merchant, order["orderNo"]))["acquireOrder"] == answer
    refused(get_refund(merchant, refundMerchantOrderNo="REVOKE-" + order["orderNo"]), "62007")


def test_revoke_paid_order_refunds_it_in_full(gateway: Gateway, merchant: Merchant) -> None:
    order = paid_order(gateway, merchant, "7.77")
    fee = fee_of("7.77")
    before = balances(gateway)
    answer = body_of(revoke(merchant, order["orderNo"]))["acquireOrder"]
    assert (answer["status"], answer["revoked"]) == ("FAILURE", "true")
    assert answer["orderNo"] == order["orderNo"]
    assert moved(before, after := balances(gateway)) == {
        WALLET: Decimal("7.77"),
        ("MERCHANT_PENDING", merchant.partner_id): fee - Decimal("7.77"),
        FEE_INCOME: -fee,
    }
    made = body_of(get_refund(merchant, refundMerchantOrderNo="REVOKE-" + order["orderNo"]))
    ro = made["refundOrder"]
    assert (ro["status"], ro["originOrderNo"]) == ("SUCCESS", order["orderNo"])
    assert (aed(ro["amount"]), aed(ro["feeRefunded"])) == (Decimal("7.77"), fee)
    assert summary(made) == (Decimal("7.77"), Decimal(0))
    assert body_of(get_refund(merchant, orderNo=ro["orderNo"])) == made

    assert body_of(revoke(merchant, order["orderNo"]))["acquireOrder"] == answer
    assert get_order(merchant, order["orderNo"]) == answer
    assert balances(gateway) == after  # the second revoke moved nothing


def test_revoke_after_any_refund_is_62041(gateway: Gateway, merchant: Merchant) -> None:
    partly = paid_order(gateway, merchant, "6.00")
    refund_ok(merchant, partly, "1.00")
    start = wallet_balance(gateway, SHARED_WALLET)
    refused(revoke(merchant, partly["orderNo"]), "62041")
    order = get_order(merchant, partly["orderNo"])
    assert (order["status"], order["revoked"]) == ("PAID_SUCCESS", "false")
    fully = paid_order(gateway, merchant, "2.00")
    refund_ok(merchant, fully, "2.00")
    refused(revoke(merchant, fully["orderNo"]), "62041")
    assert wallet_balance(gateway, SHARED_WALLET) == start  # paid 2.00, refunded 2.00
    refund_ok(merchant, partly, "5.00")  # refunds go on; the order was not revoked


def test_revoke_refusals(gateway: Gateway, merchant: Merchant) -> None:
    # the merchant named a refund of another order after this order's revoke refund
    taken, other_order = (paid_order(gateway, merchant, "1.00") for _ in range(2))
    refund_ok(merchant, other_order, "0.50", "REVOKE-" + taken["orderNo"])
    refused(revoke(merchant, taken["orderNo"]), "62046")
    assert get_order(merchant, taken["orderNo"])["revoked"] == "false"
    assert summary(refund_ok(merchant, taken, "1.00")) == (Decimal("1.00"), Decimal(0))
    refused(merchant.call("acquire2/revokeOrder", {"merchantOrderNo": order_no()}), "62004")
    refused(revoke(merchant, "1" * 20), "62035")
    invalid(
        merchant.call("acquire2/revokeOrder", {"merchantOrderNo": "a", "orderNo": "1"}),
        "merchantOrderNo",
        "orderNo",
    )
    invalid(merchant.call("acquire2/revokeOrder", {}), "merchantOrderNo", "orderNo")


def test_ledger_check_passes_after_all_of_it(gateway: Gateway) -> None:
    assert "orders checked" in assert_ledger_ok(gateway)
