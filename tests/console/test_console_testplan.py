"""The console's Test plan page over HTTP: arming a case (POST + CSRF, the same service
as the JSON API), its verdict appearing in the polled JSON and on the page once the
case is done, a merchant user held to its own merchant, and production refusing."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.console.conftest import Account, ConsoleClient, add_user, csrf_of
from tests.harness import Gateway, Merchant, jsapi_order
from tests.testplan.client import Customer, Integration, Pace

SCALE = Decimal("0.2")  # as tests/testplan: robust on a loaded machine


def verdicts(client: ConsoleClient, partner: str) -> dict[str, dict[str, Any]]:
    response = client.get("/console/testplan/verdicts", partner=partner)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return {case["case"]: case for case in response.json()["cases"]}


def verdict_on_page(html: str, case: str) -> str:
    found = re.search(
        rf'id="case-{case}".*?<span class="verdict [^"]+" data-field="verdict">([^<]+)<',
        html,
        re.S,
    )
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def shop(gateway: Gateway) -> Merchant:
    return gateway.add_merchant()


def test_arm_a_case_and_watch_its_verdict(
    gateway: Gateway,
    shop: Merchant,
    merchant: Merchant,
    operator: Account,
    new_client: Callable[[], ConsoleClient],
) -> None:
    anonymous = new_client()
    assert anonymous.get("/console/testplan").status_code == 303
    assert anonymous.get("/console/testplan/verdicts", partner=shop.partner_id).status_code == 401
    client = new_client().signed_in(operator.username, operator.password)
    html = client.get("/console/testplan", partner=shop.partner_id).text
    assert html.count('<section class="case') == 9
    assert verdict_on_page(html, "001") == "NOT RUN"
    assert '<script src="/static/console-testplan.js" defer></script>' in html
    assert "style=" not in html
    form = {"partner": shop.partner_id, "case": "001", "time_scale": str(SCALE)}

    refused = client.http.post("/console/testplan/arm", data=form)  # no CSRF token
    assert refused.status_code == 403
    assert verdicts(client, shop.partner_id)["001"]["verdict"] == "NOT RUN"
    form["csrf_token"] = csrf_of(html)
    armed = client.http.post("/console/testplan/arm", data=form)
    assert armed.status_code == 303
    assert armed.headers["location"].endswith("armed=001#case-001")
    html = client.http.get(armed.headers["location"]).text
    assert "Case 001 armed" in html
    assert verdict_on_page(html, "001") == "WAITING"
    bad = client.http.post("/console/testplan/arm", data={**form, "case": "010"})
    assert bad.status_code == 303
    assert "error=" in bad.headers["location"]

    # do the case as a conforming merchant would: the verdict shows up in the polled JSON
    integration = Integration(
        shop, Pace(scale=SCALE), amount=Decimal("600.00"), customer=Customer(gateway.base_url)
    )
    thread = threading.Thread(target=integration.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while (seen := verdicts(client, shop.partner_id)["001"])["verdict"] in (
            "WAITING",
            "PENDING",
        ):
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
    finally:
        integration.stop.set()
        thread.join(30)
    assert seen["verdict"] == "PASS", seen
    assert seen["merchantOrderNo"] == integration.outcome.merchant_order_no
    assert {rule["status"] for rule in seen["rules"]} == {"PASS"}
    html = client.get("/console/testplan", partner=shop.partner_id).text
    assert verdict_on_page(html, "001") == "PASS"
    assert integration.outcome.merchant_order_no in html

    # a merchant user: its own merchant only, whatever it asks for
    user = add_user(gateway, partner_id=merchant.partner_id)
    own = new_client().signed_in(user.username, user.password)
    html = own.get("/console/testplan", partner=shop.partner_id).text
    assert f"Merchant {merchant.partner_id}" in html
    assert shop.partner_id not in html
    assert 'name="partner" value="' + merchant.partner_id in html
    assert verdicts(own, shop.partner_id)["001"]["runId"] != seen["runId"]
    token = csrf_of(html)
    taken = own.http.post(
        "/console/testplan/arm", data={**form, "csrf_token": token, "case": "002"}
    )
    assert taken.status_code == 303
    assert verdicts(own, merchant.partner_id)["002"]["verdict"] == "WAITING"
    assert verdicts(client, shop.partner_id)["002"]["verdict"] == "NOT RUN"


def test_production_says_sandbox_only_and_refuses_to_arm(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    production = fresh_gateway("--mode", "production", "--notify-allow-cidr", "127.0.0.0/8")
    account = add_user(production)
    client = ConsoleClient(production.base_url).signed_in(account.username, account.password)
    try:
        page = client.get("/console/testplan")
        assert page.status_code == 200
        assert 'id="sandbox-only"' in page.text
        assert "Sandbox only." in page.text
        assert 'action="/console/testplan/arm"' not in page.text
        token = csrf_of(page.text)
        arm = client.http.post(
            "/console/testplan/arm",
            data={"csrf_token": token, "partner": "100000000001", "case": "001"},
        )
        assert arm.status_code == 403
        assert "sandbox feature" in arm.text
        assert client.get("/console/testplan/verdicts", partner="1").status_code == 404

        # the same gateway's order page: no paying as a test wallet, no clock to move
        placed = production.add_merchant().call("acquire2/placeOrder", jsapi_order())
        order_no = placed.assert_ok().order["orderNo"]
        order_page = client.get(f"/console/orders/{order_no}")
        assert order_page.status_code == 200
        assert "Pay as test wallet" not in order_page.text
        assert "Advance clock" not in order_page.text
        token = csrf_of(order_page.text)
        for action, fields in (("pay", {"wallet": "1"}), ("advance-clock", {"seconds": "60"})):
            refused = client.http.post(
                f"/console/orders/{order_no}/{action}",
                data={"csrf_token": token, "confirmed": "yes", **fields},
            )
            assert refused.status_code == 404, (action, refused.status_code)
    finally:
        client.http.close()
