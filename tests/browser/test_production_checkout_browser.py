"""The production checkout in headless Chromium: no wallet sign-in, a card form only,
a wrong card refused on the page, then the card pays and the result page shows it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshots
from tests.browser.test_checkout_browser import get_order, place, watch_console
from tests.harness import Gateway


def test_production_checkout_is_card_only(
    page: Page, fresh_gateway: Callable[..., Gateway], shot: Screenshots
) -> None:
    gateway = fresh_gateway("--mode", "production", "--notify-allow-cidr", "127.0.0.0/8")
    merchant = gateway.add_merchant()
    errors = watch_console(page)
    order, url = place(
        merchant,
        subject="Noise-cancelling headphones",
        totalAmount={"amount": Decimal("749.00"), "currency": "AED"},
    )
    page.goto(url)
    expect(page.get_by_role("heading", name="Pay by card")).to_be_visible()
    expect(page.get_by_text("Sandbox")).to_have_count(0)
    expect(page.get_by_label("Mobile number")).to_have_count(0)
    expect(page.get_by_label("Payment password")).to_have_count(0)
    expect(page.get_by_label("Simulation case")).to_have_count(0)
    shot(page, "production card only checkout")
    page.get_by_label("Card number").fill("5123 4500 0000 0008")
    page.get_by_label("Expiry (MM/YY)").fill("05/31")
    page.get_by_label("CVV").fill("999")
    page.get_by_role("button", name="Pay AED 749.00").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The card was not accepted. Check its number, expiry date and CVV."
    )
    expect(page.get_by_role("heading", name="Pay by card")).to_be_visible()
    shot(page, "wrong card refused")
    page.get_by_label("Card number").fill("5123 4500 0000 0008")
    page.get_by_label("Expiry (MM/YY)").fill("05/31")
    page.get_by_label("CVV").fill("100")
    page.get_by_role("button", name="Pay AED 749.00").click()
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    shot(page, "production card success")
    seen = get_order(merchant, order)
    assert (seen["status"], seen["paymentInfo"]["payChannel"]) == ("PAID_SUCCESS", "CARD")
    assert errors == []
