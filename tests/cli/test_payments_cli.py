"""`botimpay pay`, `botimpay refund` and `botimpay trigger payment` against a real
gateway: paid from the terminal the merchant API sees PAID_SUCCESS; partial and full
refunds move the ledger back exactly and an over-refund gets the API's 62006; a trigger
places, pays and queues the notification in one step; production refuses the sandbox
commands with one line and exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.cli.test_modes import refusal
from tests.harness import Gateway, Merchant
from tests.payments import (
    balances,
    changes,
    decode,
    fee_of,
    get_order,
    member,
    money,
    place,
    wallet,
)

NOTIFY = "http://127.0.0.1:9/notify"  # nothing listens: the notification stays queued
DEMO = "200000000888"


def cli_json(gateway: Gateway, *args: str) -> dict[str, Any]:
    return decode(gateway.cli(*args, "--json").stdout.encode())


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def test_pay_by_merchant_order_no_then_the_api_and_show_say_paid(
    gateway: Gateway, shop: Merchant
) -> None:
    order = place(shop, "42.42")
    before = balances(gateway)
    answer = cli_json(gateway, "pay", order["merchantOrderNo"], "--wallet", "4")
    assert (answer["result"], answer["reason"]) == ("SUCCESS", None)
    assert answer["acquireOrder"]["status"] == "PAID_SUCCESS"
    assert answer["acquireOrder"]["orderNo"] == order["orderNo"]

    seen = get_order(shop, order["orderNo"])
    assert seen["status"] == "PAID_SUCCESS"
    assert seen["paymentInfo"]["payerMid"] == member(4)
    assert seen["paymentInfo"]["payChannel"] == "BALANCE"
    moved = changes(before, balances(gateway))
    assert moved[wallet(4)] == Decimal("-42.42")
    assert moved[("MERCHANT_PENDING", shop.partner_id)] == Decimal("42.42") - fee_of("42.42")

    text = gateway.cli("orders", "show", order["orderNo"]).stdout
    assert "status           PAID_SUCCESS" in text
    assert f"payerMid         {member(4)}" in text

    again = refusal(gateway.cli("pay", order["orderNo"], "--wallet", "4", check=False))
    assert "ALREADY_PAID" in again


def test_pay_text_output_and_a_failed_attempt(gateway: Gateway, shop: Merchant) -> None:
    order = place(shop, "3.00")
    out = gateway.cli("pay", order["orderNo"], "--wallet", "+971 56 000 0006").stdout
    assert out.startswith("payment SUCCESS: Payment successful.")
    assert f"orderNo          {order['orderNo']}" in out
    assert "status           PAID_SUCCESS" in out

    too_dear = place(shop, "20000.00")  # more than the test wallet's AED 10,000
    failed = gateway.cli("pay", too_dear["orderNo"], "--wallet", "6", check=False)
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert failed.stdout.startswith("payment FAILED (INSUFFICIENT_BALANCE): ")
    assert get_order(shop, too_dear["orderNo"])["status"] == "CREATED"


@pytest.mark.parametrize(
    ("wallet_arg", "named"),
    [("10", "--wallet must be a test wallet 0 to 9"), ("+971500000000", "--wallet")],
)
def test_pay_names_a_bad_wallet(
    gateway: Gateway, shop: Merchant, wallet_arg: str, named: str
) -> None:
    order = place(shop, "1.00")
    line = refusal(gateway.cli("pay", order["orderNo"], "--wallet", wallet_arg, check=False))
    assert named in line
    assert get_order(shop, order["orderNo"])["status"] == "CREATED"


def test_partial_then_full_refund_then_over_refund_is_refused(
    gateway: Gateway, shop: Merchant
) -> None:
    order = place(shop, "100.00")
    gateway.cli("pay", order["orderNo"], "--wallet", "7")
    before = balances(gateway)

    partial = cli_json(
        gateway, "refund", order["merchantOrderNo"], "30.25", "--reason", "one cup broken"
    )
    assert partial["refundOrder"]["status"] == "SUCCESS"
    assert partial["refundOrder"]["amount"] == money("30.25")
    assert partial["refundOrder"]["reason"] == "one cup broken"
    assert partial["refundOrder"]["originOrderNo"] == order["orderNo"]
    assert partial["refundSummary"]["remainRefundAmount"] == money("69.75")

    over = refusal(gateway.cli("refund", order["orderNo"], "69.76", check=False))
    assert "62006 REFUND_AMOUNT_EXCEEDED" in over
    assert "exceeds the refundable 69.75 AED" in over

    full = gateway.cli("refund", order["orderNo"], "full").stdout
    assert full.startswith(f"refund SUCCESS: 69.75 AED of order {order['orderNo']}")
    assert "left to refund         0.00 AED" in full

    after_all = refusal(gateway.cli("refund", order["orderNo"], "0.01", check=False))
    assert "62006 REFUND_AMOUNT_EXCEEDED" in after_all

    moved = changes(before, balances(gateway))
    assert moved[wallet(7)] == Decimal("100.00")
    assert moved[("FEE_INCOME", "GATEWAY")] == -fee_of("100.00")
    story = cli_json(gateway, "orders", "show", order["orderNo"])
    assert [r["amount"] for r in story["refunds"]] == [money("30.25"), money("69.75")]
    assert story["refundedAmount"] == money("100.00")
    assert [e["kind"] for e in story["ledgerEntries"]] == ["PAYMENT", "REFUND", "REFUND"]
    kinds = sorted(n["kind"] for n in story["notifications"])
    assert kinds == ["PAYMENT", "REFUND", "REFUND"]


def test_refund_with_a_repeated_refund_no_books_once(gateway: Gateway, shop: Merchant) -> None:
    order = place(shop, "10.00")
    gateway.cli("pay", order["orderNo"], "--wallet", "7")
    number = "R-" + order["merchantOrderNo"]
    first = cli_json(gateway, "refund", order["orderNo"], "4", "--refund-no", number)
    second = cli_json(gateway, "refund", order["orderNo"], "4", "--refund-no", number)
    assert first["refundOrder"] == second["refundOrder"]
    assert second["refundSummary"]["remainRefundAmount"] == money("6.00")


@pytest.mark.parametrize(
    ("amount", "named"),
    [
        ("1.234", "AMOUNT allows at most 2 digits after the decimal point"),
        ("ten", "AMOUNT is not a number"),
        ("0", "AMOUNT must be greater than 0"),
        ("-5", "AMOUNT must be greater than 0"),
    ],
)
def test_refund_names_a_bad_amount(
    gateway: Gateway, shop: Merchant, amount: str, named: str
) -> None:
    order = place(shop, "5.00")
    line = refusal(gateway.cli("refund", order["orderNo"], "--", amount, check=False))
    assert named in line


def test_refund_of_an_unpaid_order_is_refused_as_the_api_does(
    gateway: Gateway, shop: Merchant
) -> None:
    order = place(shop, "5.00")
    line = refusal(gateway.cli("refund", order["orderNo"], "1", check=False))
    assert "62015 ORDER_NOT_PAID" in line


def test_trigger_payment_places_pays_and_queues_the_notification(gateway: Gateway) -> None:
    before = balances(gateway)
    done = cli_json(
        gateway,
        "trigger",
        "payment",
        "--amount",
        "7.77",
        "--wallet",
        "5",
        "--notify-url",
        NOTIFY,
    )
    order = done["acquireOrder"]
    assert (done["result"], order["status"]) == ("SUCCESS", "PAID_SUCCESS")
    assert order["payeeMid"] == DEMO
    assert order["totalAmount"] == money("7.77")
    assert order["notifyUrl"] == NOTIFY
    (note,) = done["notifications"]
    assert (note["kind"], note["subjectNo"], note["url"]) == ("PAYMENT", order["orderNo"], NOTIFY)
    assert changes(before, balances(gateway))[wallet(5)] == Decimal("-7.77")

    # The default notifyUrl is the demo merchant's newest one: the one just used.
    out = gateway.cli("trigger", "payment", "--wallet", "5").stdout
    assert "status           PAID_SUCCESS" in out
    assert "amount           10.00 AED" in out
    assert f"queued for {NOTIFY}" in out
    order_no = next(line.split()[1] for line in out.splitlines() if line.startswith("orderNo"))
    story = cli_json(gateway, "orders", "show", order_no, "--partner-id", DEMO)
    assert story["acquireOrder"]["status"] == "PAID_SUCCESS"
    assert story["acquireOrder"]["merchantOrderNo"].startswith("TRIGGER")


def test_trigger_payment_names_a_bad_option(gateway: Gateway) -> None:
    unknown = refusal(gateway.cli("trigger", "payment", "--partner-id", "1", check=False))
    assert "--partner-id: no merchant has partner id '1'" in unknown
    url = refusal(gateway.cli("trigger", "payment", "--notify-url", "ftp://x", check=False))
    assert "--notify-url: must be an http:// or https:// URL" in url
    amount = refusal(gateway.cli("trigger", "payment", "--amount", "0.001", check=False))
    assert "--amount allows at most 2 digits" in amount


def test_production_refuses_pay_and_trigger(fresh_gateway: Callable[..., Gateway]) -> None:
    production = fresh_gateway("--mode", "production", start=False)
    for args in (("pay", "1", "--wallet", "1"), ("trigger", "payment")):
        line = refusal(production.cli(*args, check=False))
        assert "is a sandbox feature; this gateway runs in production mode" in line
    listed = production.cli("orders", "list", "--json").stdout
    assert listed.strip() == "[]"
    missing = refusal(production.cli("refund", "1", "1", check=False))
    assert "no order has orderNo or merchantOrderNo '1'" in missing
