"""`botimpay testplan start|status` and `botimpay requests lint` against a real
`botimpay serve`: what they print, and refusals as one line with exit status 2."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.faults import until
from tests.harness import Gateway, Merchant, order_no
from tests.testplan.client import run_status


def test_start_and_status_print_the_run_and_its_rules(gateway: Gateway, shop: Merchant) -> None:
    run_id = gateway.cli(
        "testplan",
        "start",
        "--partner-id",
        shop.partner_id,
        "--case",
        "3",
        "--time-scale",
        "0.5",
    ).stdout.strip()
    assert len(run_id) >= 22
    shown = gateway.cli("testplan", "status", run_id).stdout
    assert f"run {run_id}: Case-003 Payment failed with SYSTEM_ERROR returned" in shown
    assert "status PENDING, timeScale 0.5" in shown
    assert "Both [Partner-Id] and [merchantOrderNo]" in shown  # brackets kept, not markup
    as_json = json.loads(gateway.cli("testplan", "status", run_id, "--json").stdout)
    assert as_json == run_status(gateway, run_id)
    placed = shop.place_order(merchantOrderNo=order_no())
    assert (placed.code, placed.msg) == ("500", "SYSTEM_ERROR")  # the case's fault
    bound = json.loads(gateway.cli("testplan", "status", run_id, "--json").stdout)
    assert bound["rules"][1]["status"] == "PASS", bound


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("start", "--partner-id", "{p}", "--case", "10"), 'case must be one of "001" to "009"'),
        (("start", "--partner-id", "{p}", "--case", "1", "--time-scale", "0"), "timeScale"),
        (("start", "--partner-id", "999999999999", "--case", "1"), "partnerId: no merchant"),
        (("status", "nope"), "no test-plan run with id 'nope'"),
        (("run-all", "--partner-id", "{p}", "--cases", "1,x"), "--cases must be one of"),
    ],
)
def test_cli_refusals_are_one_line_and_exit_2(
    gateway: Gateway, merchant: Merchant, args: tuple[str, ...], message: str
) -> None:
    filled = [arg.format(p=merchant.partner_id) for arg in args]
    result = gateway.cli("testplan", *filled, check=False)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr


def _lint(gateway: Gateway, partner_id: str) -> list[dict[str, Any]]:
    out = gateway.cli("requests", "lint", "--partner-id", partner_id, "--json").stdout
    found: list[dict[str, Any]] = json.loads(out)
    return found


def test_requests_lint_lists_the_orders_that_broke_a_rule(gateway: Gateway, shop: Merchant) -> None:
    bad = "bad#" + order_no()[:20]
    shop.place_order(merchantOrderNo=bad).assert_ok()
    for _ in range(2):  # polled twice at once
        shop.call("acquire2/getOrder", {"merchantOrderNo": bad}).assert_ok()
    shop.call("acquire2/cancelOrder", {"merchantOrderNo": bad}).assert_ok()  # at once
    good = order_no()
    placed = shop.place_order(merchantOrderNo=good).assert_ok()
    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={
            "orderNo": placed.order["orderNo"],
            "phone": "+971 56 000 0005",
            "paymentPassword": "132580",
        },
        timeout=30,
    )
    assert paid.json()["result"] == "SUCCESS", paid.text
    shop.call("acquire2/getOrder", {"merchantOrderNo": good}).assert_ok()
    linted = until(lambda: _lint(gateway, shop.partner_id), "the lint to see the bad order")
    assert [order["merchantOrderNo"] for order in linted] == [bad]
    rules = {f["rule"]: f["evidence"] for f in linted[0]["findings"]}
    assert set(rules) == {
        "merchantOrderNo uses only letters, digits, - and _",
        "poll every 2-6 s",
        "cancel an unpaid order 20-120 s after placing it",
    }, rules
    assert rules["merchantOrderNo uses only letters, digits, - and _"].endswith("has '#'")
    table = gateway.cli("requests", "lint", "--partner-id", shop.partner_id).stdout
    assert bad in table
    assert "1 of the 2 most recent orders of" in table
