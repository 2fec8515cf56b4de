"""The console in headless Chromium: sign in as the operator, find an order placed
through the API by search, open it; no CSP violation or console error on the way.

Saves test-artifacts/screenshots/console-orders.png and console-order.png (README)."""

from __future__ import annotations

import time
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, PageErrors, sign_in
from tests.console.conftest import add_user
from tests.harness import Gateway, jsapi_order

PASSWORD = "console-browser-pw"
SUBJECTS = ["Coffee beans 1kg", "Desk lamp", "Running shoes", "Gift card", "Phone case"]


def test_operator_finds_an_order_by_search_and_opens_it(desktop: Page, gateway: Gateway) -> None:
    page = desktop
    seen = PageErrors(page)
    gateway.cli("init", "--db", gateway.db_url, "--console-password", PASSWORD)
    shop = gateway.add_merchant()
    placed = []
    for index, subject in enumerate(SUBJECTS * 2):
        scene = {"paySceneCode": "DYNQR", "paySceneParams": {}} if index % 3 == 0 else {}
        amount = {"amount": Decimal(f"{12 + index * 7}.50"), "currency": "AED"}
        biz = jsapi_order(subject=subject, totalAmount=amount, **scene)
        placed.append(shop.call("acquire2/placeOrder", biz).assert_ok())
    wanted = placed[3].order

    sign_in(page, gateway.base_url + "/console/orders", "admin", PASSWORD)
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.get_by_role("link", name=wanted["orderNo"])).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-orders.png"), full_page=False)

    page.get_by_label("Search").fill(wanted["merchantOrderNo"])
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(wanted["orderNo"])
    page.get_by_role("link", name=wanted["orderNo"]).click()
    expect(page.get_by_role("heading", name=f"Order {wanted['orderNo']}")).to_be_visible()
    expect(page.locator("dl.fields")).to_contain_text(wanted["merchantOrderNo"])
    deadline = time.monotonic() + 10  # the request log is written in batches
    while page.locator("li.call").count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    expect(page.locator("li.call").first).to_contain_text("acquire2/placeOrder")
    expect(page.locator("li.call pre").first).to_contain_text(wanted["merchantOrderNo"])
    page.screenshot(path=str(SCREENSHOTS / "console-order.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert seen.csp_violations() == []
    assert seen.console == []


def test_a_merchant_user_cannot_see_another_merchants_order(
    desktop: Page, gateway: Gateway
) -> None:
    """Neither by search (merchantOrderNo or orderNo) nor by the order page's URL."""
    page = desktop
    seen = PageErrors(page)
    theirs = gateway.add_merchant().call("acquire2/placeOrder", jsapi_order()).assert_ok()
    mine = gateway.add_merchant()
    own = mine.call("acquire2/placeOrder", jsapi_order(subject="My own order")).assert_ok()
    user = add_user(gateway, partner_id=mine.partner_id)

    sign_in(page, gateway.base_url + "/console/orders", user.username, user.password)
    rows = page.locator("table.orders tbody tr")
    expect(page.get_by_role("link", name=own.order["orderNo"])).to_be_visible()
    expect(page.get_by_role("link", name=theirs.order["orderNo"])).to_have_count(0)
    for ref in (theirs.order["merchantOrderNo"], theirs.order["orderNo"]):
        page.get_by_label("Search").fill(ref)
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "console-merchant-search.png"), full_page=False)

    response = page.goto(f"{gateway.base_url}/console/orders/{theirs.order['orderNo']}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text("No such order.")).to_be_visible()
    assert theirs.order["merchantOrderNo"] not in page.content()
    assert seen.csp_violations() == []
