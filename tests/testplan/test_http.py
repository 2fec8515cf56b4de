"""POST/GET /sandbox/api/testplan on a real `botimpay serve`: starting a run, its report
while it waits and once decided, refusals that name the field, and production's 404."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.faults import armed
from tests.harness import Gateway, Merchant, order_no
from tests.testplan.client import run_status, start_run

TESTPLAN = "/sandbox/api/testplan"


def post(gateway: Gateway, body: object) -> httpx.Response:
    return httpx.post(gateway.base_url + TESTPLAN, json=body, timeout=30)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"case": "003"}, "partnerId"),
        ({"partnerId": "x" * 13, "case": "003"}, "partnerId"),
        ({"partnerId": "999999999999", "case": "003"}, "partnerId"),
        ({"partnerId": "{partner}"}, "case"),
        ({"partnerId": "{partner}", "case": "010"}, "case"),
        ({"partnerId": "{partner}", "case": True}, "case"),
        ({"partnerId": "{partner}", "case": "003", "timeScale": 0}, "timeScale"),
        ({"partnerId": "{partner}", "case": "003", "timeScale": 10.5}, "timeScale"),
        ({"partnerId": "{partner}", "case": "003", "timeScale": "fast"}, "timeScale"),
        ({"partnerId": "{partner}", "case": "003", "timeScale": None}, "timeScale"),
        ({"partnerId": "{partner}", "case": "003", "speed": 1}, "speed"),
    ],
)
def test_a_bad_start_is_refused_naming_the_field(
    gateway: Gateway, merchant: Merchant, body: dict[str, Any], named: str
) -> None:
    filled = {
        k: v.format(partner=merchant.partner_id) if isinstance(v, str) else v
        for k, v in body.items()
    }
    response = post(gateway, filled)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert (answer["result"], answer["reason"]) == ("ERROR", "INVALID_PARAMETER"), answer
    assert named in answer["message"], answer


def test_a_body_that_is_not_a_json_object_is_refused(gateway: Gateway) -> None:
    for raw in (b"", b"[1]", b"{nope"):
        response = httpx.post(gateway.base_url + TESTPLAN, content=raw, timeout=30)
        assert response.status_code == 400, (raw, response.text)
        assert response.json()["reason"] == "INVALID_PARAMETER"


def test_an_unknown_run_is_404(gateway: Gateway) -> None:
    response = httpx.get(gateway.base_url + TESTPLAN + "/no-such-run", timeout=30)
    assert response.status_code == 404
    assert response.json() == {
        "result": "ERROR",
        "reason": "NOT_FOUND",
        "message": "no test-plan run with id 'no-such-run'",
    }


def test_a_started_run_waits_for_the_next_new_order_with_its_faults_asleep(
    gateway: Gateway, shop: Merchant
) -> None:
    existing = order_no()
    shop.place_order(merchantOrderNo=existing).assert_ok()
    run_id = start_run(gateway, shop.partner_id, "008", Decimal("0.5"))
    view = run_status(gateway, run_id)
    assert set(view) == {
        "id",
        "partnerId",
        "case",
        "status",
        "timeScale",
        "merchantOrderNo",
        "rules",
    }
    assert (view["id"], view["case"], view["status"]) == (run_id, "008", "PENDING")
    # unguessable, and never read as an option by `botimpay testplan status ID`
    assert re.fullmatch(r"[0-9a-f]{24}", run_id), run_id
    assert view["timeScale"] == 0.5
    assert view["merchantOrderNo"] is None
    assert [r["rule"] for r in view["rules"]] == [
        "Both [Partner-Id] and [merchantOrderNo] are required in the request.",
        "Send at least three query requests.",
        "The query request frequency is 2-6 seconds.",
    ]
    (fault,) = armed(gateway, shop.partner_id)
    assert (fault["operation"], fault["fault"], fault["runId"]) == (
        "acquire2/getOrder",
        "SYSTEM_ERROR",
        run_id,
    )
    assert fault["merchantOrderNo"] is None
    assert fault["remaining"] is None
    # the run's fault sleeps until the run binds: other orders are not hit
    shop.call("acquire2/getOrder", {"merchantOrderNo": existing}).assert_ok()
    # a placeOrder of an existing merchantOrderNo does not bind it; a new one does
    shop.place_order(merchantOrderNo=existing).assert_ok()
    assert run_status(gateway, run_id)["merchantOrderNo"] is None
    fresh = order_no()
    shop.place_order(merchantOrderNo=fresh).assert_ok()
    assert run_status(gateway, run_id)["merchantOrderNo"] == fresh
    assert armed(gateway, shop.partner_id)[0]["merchantOrderNo"] == fresh
    failed = shop.call("acquire2/getOrder", {"merchantOrderNo": fresh})
    assert (failed.code, failed.msg) == ("500", "SYSTEM_ERROR")


def _two_quick_queries_fail_the_run(
    gateway: Gateway, shop: Merchant, case: str
) -> tuple[str, str, dict[str, Any]]:
    """A run of `case` failed by two queries 0 s apart (far below the 1-3 s, 2-6 s x 0.5,
    allowed); its run id, order and final view."""
    run_id = start_run(gateway, shop.partner_id, case, Decimal("0.5"))
    number = order_no()
    shop.place_order(merchantOrderNo=number).assert_ok()
    for _ in range(2):
        shop.call("acquire2/getOrder", {"merchantOrderNo": number})
    deadline = time.monotonic() + 15
    while (view := run_status(gateway, run_id))["status"] == "PENDING":
        assert time.monotonic() < deadline, view
        time.sleep(0.1)
    assert view["status"] == "FAIL", view
    frequency = view["rules"][2]
    assert frequency["status"] == "FAIL"
    assert "is outside the allowed 1.00–3.00s" in frequency["evidence"], frequency
    return run_id, number, view


def test_a_decided_run_keeps_its_report_and_clears_its_faults(
    gateway: Gateway, shop: Merchant
) -> None:
    run_id, number, view = _two_quick_queries_fail_the_run(gateway, shop, "005")
    assert armed(gateway, shop.partner_id) == []  # 005's two failing cancels, unused
    shop.call("acquire2/cancelOrder", {"merchantOrderNo": number}).assert_ok()
    time.sleep(0.5)  # more calls after the verdict change nothing
    assert run_status(gateway, run_id) == view


def test_a_case_that_fails_every_call_keeps_failing_its_order_after_the_verdict(
    gateway: Gateway, shop: Merchant
) -> None:
    """008 promises every query fails: an integration polling once more after the
    verdict still hears SYSTEM_ERROR for that order, and no other order does."""
    run_id, number, view = _two_quick_queries_fail_the_run(gateway, shop, "008")
    (fault,) = armed(gateway, shop.partner_id)
    assert (fault["runId"], fault["merchantOrderNo"]) == (run_id, number)
    assert shop.call("acquire2/getOrder", {"merchantOrderNo": number}).code == "500"
    other = order_no()
    shop.place_order(merchantOrderNo=other).assert_ok()
    shop.call("acquire2/getOrder", {"merchantOrderNo": other}).assert_ok()
    assert run_status(gateway, run_id) == view


def test_a_new_run_replaces_the_merchants_waiting_one_and_its_faults(
    gateway: Gateway, shop: Merchant
) -> None:
    first = start_run(gateway, shop.partner_id, "006", Decimal(1))
    second = start_run(gateway, shop.partner_id, "005", Decimal(1))
    gone = httpx.get(gateway.base_url + f"{TESTPLAN}/{first}", timeout=30)
    assert gone.status_code == 404
    (fault,) = armed(gateway, shop.partner_id)
    assert (fault["runId"], fault["remaining"]) == (second, 2)


def test_production_serves_no_test_plan_and_its_cli_refuses(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    production = fresh_gateway("--mode", "production")
    response = post(production, {"partnerId": "200000000888", "case": "001"})
    assert response.status_code == 404
    got = httpx.get(production.base_url + TESTPLAN + "/anything", timeout=30)
    assert got.status_code == 404
    for args in (
        ("testplan", "start", "--partner-id", "200000000888", "--case", "001"),
        ("testplan", "status", "anything"),
        ("testplan", "run-all", "--partner-id", "200000000888"),
    ):
        refused = production.cli(*args, check=False)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert refused.stderr.strip() == (
            "error: the test plan is a sandbox feature; this gateway runs in production mode"
        ), refused.stderr
