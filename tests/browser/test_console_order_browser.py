"""The console's order page in headless Chromium at desktop size: an operator opens an
order placed through the API and paid from the CLI, refunds part of it from the page
(through the browser's confirm()), sees the refund in the timeline, finds the ledger
still balanced, and resends a notification to see a new attempt. No CSP violation or
console error on the way.

Saves test-artifacts/screenshots/console-order-timeline.png (README)."""

from __future__ import annotations

import time
from decimal import Decimal

from playwright.sync_api import Dialog, Locator, Page, expect

from tests.browser.conftest import SCREENSHOTS, PageErrors, sign_in
from tests.harness import Gateway, jsapi_order
from tests.notify.receiver import Receiver

PASSWORD = "console-order-browser-pw"


def reload_until(page: Page, locator: Locator, seconds: float = 15) -> None:
    """Reloads until `locator` shows (the dispatcher and the request log run behind)."""
    deadline = time.monotonic() + seconds
    while locator.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    expect(locator.first).to_be_visible()


def test_operator_refunds_and_resends_from_the_order_page(
    desktop: Page, gateway: Gateway, receiver: Receiver
) -> None:
    page = desktop
    questions: list[str] = []

    def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.set_viewport_size({"width": 1360, "height": 900})
    seen = PageErrors(page)
    page.on("dialog", accept)
    gateway.cli("init", "--db", gateway.db_url, "--console-password", PASSWORD)
    shop = gateway.add_merchant()
    biz = jsapi_order(
        subject="Espresso machine",
        totalAmount={"amount": Decimal("249.00"), "currency": "AED"},
        notifyUrl=receiver.url,
    )
    order_no = shop.call("acquire2/placeOrder", biz).assert_ok().order["orderNo"]
    gateway.cli("pay", order_no, "--wallet", "2")
    receiver.wait_for(1)

    sign_in(page, f"{gateway.base_url}/console/orders/{order_no}", "admin", PASSWORD)
    expect(page.get_by_role("heading", name=f"Order {order_no}")).to_be_visible()
    reload_until(page, page.locator("li.tl-delivery", has_text="attempt #1"))

    refund = page.locator("form.action-form", has=page.locator('input[name="amount"]'))
    refund.get_by_label("Amount (AED)").fill("40.00")
    refund.get_by_label("Reason").fill("Returned the milk jug")
    refund.get_by_role("button", name="Refund").click()
    expect(page.locator(".flash-ok")).to_contain_text("Refunded AED 40.00")
    assert questions[-1] == f"Refund AED 40.00 of order {order_no}?"
    expect(page.locator("li.tl-refund")).to_contain_text("AED 40.00")
    expect(page.locator("li.tl-refund")).to_contain_text("Returned the milk jug")
    expect(page.locator(".order-total")).to_contain_text("AED 40.00 refunded")
    checked = gateway.cli("ledger", "check", "--db", gateway.db_url)
    assert "ledger OK" in checked.stdout

    receiver.wait_for(2)  # the refund's notification
    page.locator("li.tl-notification").first.get_by_role("button", name="Resend").click()
    expect(page.locator(".flash-ok")).to_contain_text("queued again")
    receiver.wait_for(3)
    reload_until(page, page.locator("li.tl-delivery", has_text="attempt #2"))
    expect(page.locator("li.tl-delivery", has_text="attempt #2")).to_contain_text("HTTP 200")
    reload_until(page, page.locator("li.call", has_text="acquire2/placeOrder"))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-order-timeline.png"), full_page=True)
    assert seen.csp_violations() == []
    assert seen.console == []
