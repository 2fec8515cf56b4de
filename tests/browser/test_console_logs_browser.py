"""The console's Logs and Notifications pages in headless Chromium: sign in, filter the
request log and open a call; open a notification, resend it and see the new attempt;
send a test notification and see what the endpoint answered. No CSP violation or
console error on the way.

Saves test-artifacts/screenshots/console-logs.png and console-notifications.png."""

from __future__ import annotations

import time
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, PageErrors, Screenshots, sign_in
from tests.console.conftest import add_user
from tests.harness import Gateway, jsapi_order
from tests.notify.helpers import paid_order
from tests.notify.receiver import Receiver


def test_logs_and_notifications(
    desktop: Page, gateway: Gateway, receiver: Receiver, shot: Screenshots
) -> None:
    page = desktop
    seen = PageErrors(page)
    operator = add_user(gateway)
    shop = gateway.add_merchant()
    partner = shop.partner_id
    for index in range(4):
        amount = {"amount": Decimal(f"{15 + index * 11}.25"), "currency": "AED"}
        placed = shop.call("acquire2/placeOrder", jsapi_order(totalAmount=amount)).assert_ok()
        shop.call("acquire2/getOrder", {"orderNo": placed.order["orderNo"]}).assert_ok()
    paid_order(gateway, shop, "http://127.0.0.1:9/notify", "7.00")  # nobody listens: retried
    paid = [paid_order(gateway, shop, receiver.url, amount) for amount in ("49.90", "120.00")]
    shop.call("acquire2/placeOrder", jsapi_order(totalAmount={"amount": -1}))
    receiver.wait_for(2)

    logs = gateway.base_url + f"/console/logs?partner={partner}"
    sign_in(page, logs, operator.username, operator.password)
    expect(page.get_by_role("heading", name="Logs")).to_be_visible()
    deadline = time.monotonic() + 10  # the request log is written in batches
    while page.locator("a.call-link").count() < 12 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    expect(page.locator("a.call-link")).to_have_count(12)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-logs.png"), full_page=False)

    page.get_by_label("Operation").select_option("acquire2/getOrder")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("a.call-link")).to_have_count(4)
    page.locator("a.call-link").first.click()
    expect(page.get_by_role("heading", name="acquire2/getOrder")).to_be_visible()
    expect(page.locator("pre.code").first).to_contain_text('"orderNo"')
    expect(page.get_by_role("link", name="Open order")).to_be_visible()
    shot(page, "log detail")

    page.goto(gateway.base_url + f"/console/notifications?partner={partner}")
    deadline = time.monotonic() + 10  # the first attempt at the dead URL is recorded
    while "CONNECT_ERROR" not in page.content() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    rows = page.locator("table.notifications tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("DELIVERED")
    expect(rows.last).to_contain_text("PENDING")
    expect(rows.last).to_contain_text("CONNECT_ERROR")
    page.screenshot(path=str(SCREENSHOTS / "console-notifications.png"), full_page=False)

    rows.first.get_by_role("link").first.click()
    expect(page.locator("table.attempts tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Resend…").click()
    expect(page.get_by_role("heading", name="Resend this notification?")).to_be_visible()
    shot(page, "resend confirm")
    page.get_by_role("button", name="Yes, resend it").click()
    expect(page.get_by_role("status")).to_contain_text("Resent")
    receiver.wait_for(3)
    deadline = time.monotonic() + 10
    while page.locator("table.attempts tbody tr").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    attempts = page.locator("table.attempts tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(1)).to_contain_text("SUCCESS")
    shot(page, "notification after resend")

    page.goto(gateway.base_url + f"/console/notifications/test?partner={partner}")
    expect(page.get_by_label("notifyUrl")).to_have_value(receiver.url)  # its latest
    page.get_by_role("button", name="Send test notification").click()
    result = page.get_by_role("region", name="What the endpoint answered")
    expect(result).to_contain_text("SUCCESS")
    expect(result).to_contain_text("200")
    expect(result).to_contain_text("TEST0000000000000000")
    assert receiver.wait_for(4)[-1].json()["test"] is True
    shot(page, "test notification")
    assert len(paid) == 2  # both orders' notifications were listed above
    assert seen.csp_violations() == []
    assert seen.console == []
