"""The console's Balances and Test plan pages in headless Chromium at 1360 px: a week of
payments, refunds and settlements drawn as server-side SVG; a test-plan case armed by
its button and its verdict arriving by the page's polling script; no CSP violation and
no console error on the way.

Saves test-artifacts/screenshots/console-balances.png and console-testplan.png (README)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, PageErrors, sign_in
from tests.harness import Gateway, Merchant, jsapi_order
from tests.payments import phone
from tests.refunds import refund_ok
from tests.testplan.client import Customer, Integration, Pace

PASSWORD = "console-balances-pw"
DEMO = "200000000888"
DAY_S = 24 * 3600
# AED paid per day to the demo merchant and to a second shop, oldest day first
WEEK = [
    (["180.00", "95.50"], ["42.00"]),
    (["240.00"], []),
    (["60.00", "75.25", "130.00"], ["88.80"]),
    ([], ["150.00"]),
    (["310.25"], ["64.00", "19.90"]),
    (["150.00", "220.00"], []),
    (["420.00", "99.99"], ["120.00"]),
]


def demo_merchant(gateway: Gateway) -> Merchant:
    """The demo merchant `init` made, with the key files it wrote."""
    keys = Path(gateway.workdir) / "botimpay-keys"
    private = serialization.load_pem_private_key(
        (keys / "demo-merchant-private.pem").read_bytes(), None
    )
    public = serialization.load_pem_public_key((keys / f"gateway-public-{DEMO}.pem").read_bytes())
    assert isinstance(private, rsa.RSAPrivateKey)
    assert isinstance(public, rsa.RSAPublicKey)
    return Merchant(DEMO, private, public, gateway.base_url)


def a_week_of_trade(gateway: Gateway, demo: Merchant, shop: Merchant) -> None:
    """Pays WEEK's orders a business day apart (the clock moves a day, settling what is
    due), refunding part of one order on the third day."""
    with httpx.Client(base_url=gateway.base_url, timeout=30) as http:
        for day, amounts in enumerate(WEEK):
            for index, (merchant, amount) in enumerate(
                [(demo, a) for a in amounts[0]] + [(shop, a) for a in amounts[1]]
            ):
                biz = jsapi_order(totalAmount={"amount": Decimal(amount), "currency": "AED"})
                order = merchant.call("acquire2/placeOrder", biz).assert_ok().order
                paid = http.post(
                    "/sandbox/api/pay",
                    json={
                        "orderNo": order["orderNo"],
                        "phone": phone(1 + (day + index) % 9),
                        "paymentPassword": "132580",
                    },
                )
                assert paid.json()["result"] == "SUCCESS", paid.text
                if day == 2 and index == 2:
                    refund_ok(merchant, order, "45.00")
            if day < len(WEEK) - 1:
                moved = http.post("/sandbox/api/clock/advance", json={"seconds": DAY_S})
                assert moved.status_code == 200, moved.text


def test_balances_and_test_plan_pages(desktop: Page, fresh_gateway: Callable[..., Gateway]) -> None:
    page = desktop
    seen = PageErrors(page)
    gateway = fresh_gateway()
    gateway.cli("init", "--db", gateway.db_url, "--console-password", PASSWORD)
    demo, shop = demo_merchant(gateway), gateway.add_merchant()
    a_week_of_trade(gateway, demo, shop)

    sign_in(page, gateway.base_url + "/console/balances", "admin", PASSWORD)
    expect(page.get_by_role("heading", name="Balances")).to_be_visible()
    expect(page.locator("svg.bar-chart")).to_have_count(2)
    expect(page.locator("svg.bar-chart rect.bar.bar-paid")).to_have_count(7)
    expect(page.locator("svg.bar-chart rect.bar.bar-refunded")).to_have_count(1)
    expect(page.locator("#merchant-accounts tbody tr")).to_have_count(2)
    expect(page.get_by_role("img", name="Daily volume (AED)")).to_be_visible()
    page.get_by_role("link", name="Run the ledger check").click()
    expect(page.locator("#ledger-check")).to_contain_text("Ledger OK")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-balances.png"), full_page=True)

    page.goto(gateway.base_url + f"/console/testplan?partner={DEMO}")
    expect(page.locator("section.case")).to_have_count(9)
    case = page.locator("#case-001")
    case.get_by_label("Time scale").select_option("0.2")
    case.get_by_role("button", name="Arm case 001").click()
    expect(page.locator("#case-001 [data-field=verdict]")).to_have_text("WAITING")
    integration = Integration(
        demo,
        Pace(scale=Decimal("0.2")),
        amount=Decimal("600.00"),
        customer=Customer(gateway.base_url),
    )
    thread = threading.Thread(target=integration.run, daemon=True)
    thread.start()
    try:  # no reload: the page's script polls the verdicts every 2 s
        expect(page.locator("#case-001 [data-field=verdict]")).to_have_text("PASS", timeout=30_000)
    finally:
        integration.stop.set()
        thread.join(30)
    expect(page.locator("#case-001 [data-field=merchantOrderNo]")).to_have_text(
        integration.outcome.merchant_order_no
    )
    expect(page.locator("#live-status")).to_contain_text("Live: updated")
    page.locator("#case-003").get_by_role("button", name="Arm case 003").click()
    expect(page.locator("#case-003 [data-field=verdict]")).to_have_text("WAITING")
    expect(page.locator("#case-001 [data-field=verdict]")).to_have_text("PASS")
    page.screenshot(path=str(SCREENSHOTS / "console-testplan.png"), full_page=True)

    assert seen.csp_violations() == []
    assert seen.console == []
