"""`botimpay orders list|show` against a real gateway: newest first, the filters, JSON
with exact amounts, one order's whole story found by either of its numbers, and one-line
errors (exit status 2) for a bad filter, an unknown order or an ambiguous merchantOrderNo."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.cli.test_modes import refusal
from tests.harness import Gateway, Merchant, jsapi_order, now_ms, order_no
from tests.payments import decode, money, place


def listed(gateway: Gateway, *args: str) -> list[dict[str, Any]]:
    """`botimpay orders list --json ARGS`, amounts read as Decimal."""
    rows: list[dict[str, Any]] = json.loads(
        gateway.cli("orders", "list", "--json", *args).stdout, parse_float=Decimal
    )
    return rows


def shown(gateway: Gateway, ref: str, *args: str) -> dict[str, Any]:
    return decode(gateway.cli("orders", "show", ref, "--json", *args).stdout.encode())


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


@pytest.fixture(scope="module")
def placed(gateway: Gateway, shop: Merchant) -> list[dict[str, Any]]:
    """Three orders, oldest first: JSAPI 10.50 (left CREATED), DYNQR 20.00 (CREATED) and
    JSAPI 30.01 (paid from the command line by test wallet 8)."""
    orders = [
        place(shop, "10.50"),
        place(shop, "20.00", scene="DYNQR"),
        place(shop, "30.01"),
    ]
    gateway.cli("pay", orders[2]["orderNo"], "--wallet", "8")
    return orders


def numbers(rows: list[dict[str, Any]]) -> list[str]:
    return [row["acquireOrder"]["merchantOrderNo"] for row in rows]


def test_list_is_newest_first_with_exact_amounts(
    gateway: Gateway, shop: Merchant, placed: list[dict[str, Any]]
) -> None:
    rows = listed(gateway, "--partner-id", shop.partner_id)
    assert numbers(rows) == [o["merchantOrderNo"] for o in reversed(placed)]
    newest = rows[0]
    assert newest["partnerId"] == shop.partner_id
    assert newest["acquireOrder"]["totalAmount"] == money("30.01")
    assert newest["acquireOrder"]["status"] == "PAID_SUCCESS"
    assert newest["acquireOrder"]["paymentInfo"]["payerMid"] == "100000000008"
    assert rows[2]["acquireOrder"]["totalAmount"] == money("10.50")
    assert numbers(listed(gateway, "--partner-id", shop.partner_id, "--limit", "1")) == [
        placed[2]["merchantOrderNo"]
    ]


def test_list_filters_by_status_and_scene(
    gateway: Gateway, shop: Merchant, placed: list[dict[str, Any]]
) -> None:
    mine = ("--partner-id", shop.partner_id)
    first, second, third = (o["merchantOrderNo"] for o in placed)
    assert numbers(listed(gateway, *mine, "--status", "PAID_SUCCESS")) == [third]
    assert numbers(listed(gateway, *mine, "--status", "created")) == [second, first]
    assert numbers(listed(gateway, *mine, "--scene", "DYNQR")) == [second]
    assert numbers(listed(gateway, *mine, "--scene", "jsapi", "--status", "CREATED")) == [first]
    assert listed(gateway, *mine, "--status", "SETTLED") == []
    everyone = numbers(listed(gateway, "--limit", "100000"))
    assert {first, second, third} <= set(everyone)


def test_list_table(gateway: Gateway, shop: Merchant, placed: list[dict[str, Any]]) -> None:
    out = gateway.cli("orders", "list", "--partner-id", shop.partner_id).stdout
    for header in ("created (UTC)", "merchantOrderNo", "orderNo", "scene", "status"):
        assert header in out
    lines = [line for line in out.splitlines() if shop.partner_id in line]
    assert len(lines) == 3
    assert placed[2]["orderNo"] in lines[0]
    assert "PAID_SUCCESS" in lines[0]
    assert "30.01" in lines[0]
    assert "DYNQR" in lines[1]
    assert "20.00" in lines[1]
    empty = gateway.cli("orders", "list", "--partner-id", "299999999999").stdout
    assert "no orders match" in empty


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--status", "PAID"), "--status must be one of CREATED, PAID_SUCCESS"),
        (("--scene", "NATIVE"), "--scene must be one of DYNQR, JSAPI"),
    ],
)
def test_list_refuses_a_bad_filter_in_one_line(
    gateway: Gateway, args: tuple[str, ...], named: str
) -> None:
    line = refusal(gateway.cli("orders", "list", *args, check=False))
    assert named in line


def test_show_by_either_number_tells_the_whole_story(
    gateway: Gateway, shop: Merchant, placed: list[dict[str, Any]]
) -> None:
    paid = placed[2]
    by_order_no = shown(gateway, paid["orderNo"])
    assert by_order_no == shown(gateway, paid["merchantOrderNo"])
    assert by_order_no["acquireOrder"]["status"] == "PAID_SUCCESS"
    assert by_order_no["acquireOrder"]["merchantOrderNo"] == paid["merchantOrderNo"]
    (attempt,) = by_order_no["paymentAttempts"]
    assert attempt["status"] == "SUCCESS"
    assert attempt["memberId"] == "100000000008"
    assert attempt["amount"] == money("30.01")
    (entry,) = by_order_no["ledgerEntries"]
    assert entry["kind"] == "PAYMENT"
    legs = {(p["account"], p["owner"]): p["amount"]["amount"] for p in entry["postings"]}
    assert legs[("MEMBER_WALLET", "100000000008")] == Decimal("-30.01")
    assert sum(legs.values()) == 0
    assert by_order_no["refunds"] == []
    (note,) = by_order_no["notifications"]  # jsapi_order gives a notifyUrl
    assert (note["kind"], note["subjectNo"]) == ("PAYMENT", paid["orderNo"])

    text = gateway.cli("orders", "show", paid["merchantOrderNo"]).stdout
    for expected in (
        f"orderNo          {paid['orderNo']}",
        "status           PAID_SUCCESS",
        "amount           30.01 AED",
        "payment attempts (1):",
        "BALANCE SUCCESS  30.01 AED  wallet 100000000008",
        "refunds (0):",
        "ledger entries (1):",
        "MEMBER_WALLET 100000000008",
        "notifications (1):",
    ):
        assert expected in text, (expected, text)


def test_show_of_an_unpaid_order(
    gateway: Gateway, shop: Merchant, placed: list[dict[str, Any]]
) -> None:
    unpaid = shown(gateway, placed[1]["orderNo"])
    assert unpaid["acquireOrder"]["status"] == "CREATED"
    assert unpaid["acquireOrder"]["paySceneCode"] == "DYNQR"
    assert (unpaid["paymentAttempts"], unpaid["ledgerEntries"]) == ([], [])
    assert unpaid["notifications"] == []


def test_show_of_an_unknown_order(gateway: Gateway) -> None:
    line = refusal(gateway.cli("orders", "show", "NO-SUCH-ORDER", check=False))
    assert "no order has orderNo or merchantOrderNo 'NO-SUCH-ORDER'" in line


def test_a_merchant_order_no_two_merchants_used_needs_the_partner_id(
    gateway: Gateway, shop: Merchant
) -> None:
    other = gateway.add_merchant()
    number = order_no()
    for merchant in (shop, other):
        merchant.call("acquire2/placeOrder", jsapi_order(merchantOrderNo=number)).assert_ok()
    line = refusal(gateway.cli("orders", "show", number, check=False))
    assert "give --partner-id" in line
    assert shop.partner_id in line
    assert other.partner_id in line
    mine = shown(gateway, number, "--partner-id", other.partner_id)
    assert mine["partnerId"] == other.partner_id
    assert mine["acquireOrder"]["merchantOrderNo"] == number


def test_show_says_when_an_order_expired_but_was_not_swept_yet(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    quiet = fresh_gateway("--sweep-interval-ms", "600000")
    merchant = quiet.add_merchant()
    request_time = now_ms()
    order = (
        merchant.call(
            "acquire2/placeOrder",
            jsapi_order(expiredTime=request_time + 1000),
            request_time=request_time,
        )
        .assert_ok()
        .order
    )
    time.sleep(1.5)
    text = quiet.cli("orders", "show", order["orderNo"]).stdout
    assert "status           CREATED (expired, not yet swept)" in text
