"""The checkout in headless Chromium on a phone-sized screen: sign in, pay with the
payment password, Arabic right-to-left, a declined card, and the result reaching a
parent window (the app shell's webview) through postMessage. Wallets 4-7."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from playwright.sync_api import ConsoleMessage, FrameLocator, Page, Response, expect

from tests.browser.conftest import Screenshots
from tests.harness import Gateway, Merchant

PASSWORD = "132580"


def place(merchant: Merchant, **overrides: Any) -> tuple[dict[str, Any], str]:
    response = merchant.place_order(**overrides).assert_ok()
    assert response.body is not None
    return response.order, response.body["interActionParams"]["tokenUrl"]


def get_order(merchant: Merchant, order: dict[str, Any]) -> dict[str, Any]:
    return merchant.call("acquire2/getOrder", {"orderNo": order["orderNo"]}).assert_ok().order


def watch_console(page: Page) -> list[str]:
    """Errors the page logs (a CSP violation would show up here) and failed loads of its
    own assets (the browser's favicon guess aside)."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def check(response: Response) -> None:
        if response.status >= 400 and "/static/" in response.url:
            errors.append(f"{response.status} {response.url}")

    page.on("console", keep)
    page.on("response", check)
    return errors


def sign_in(page: Page, wallet: int) -> None:
    page.get_by_label("Mobile number").fill(f"+971 56 000 000{wallet}")
    page.get_by_label("Verification code").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Test Wallet {wallet}")).to_be_visible()


def test_pay_500_with_password(page: Page, merchant: Merchant, shot: Screenshots) -> None:
    errors = watch_console(page)
    order, url = place(
        merchant,
        subject="Noise-cancelling headphones",
        totalAmount={"amount": Decimal("500.00"), "currency": "AED"},
    )
    page.goto(url)
    expect(page.locator(".co-merchant-name")).to_have_text(f"Shop {merchant.partner_id}")
    expect(page.locator(".co-amount")).to_have_text("AED 500.00")
    expect(page.locator(".co-timer")).to_have_text(re.compile(r"^1:5\d:\d\d$|^2:00:00$"))
    shot(page, "checkout before sign-in")
    sign_in(page, 4)
    expect(page.get_by_text("required for AED 500 or more")).to_be_visible()
    expect(page.get_by_label("Card number")).to_be_hidden()  # balance is the default
    page.get_by_label("Payment password").fill(PASSWORD)
    shot(page, "signed in with password")
    page.get_by_role("button", name="Pay AED 500.00").click()
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(page.get_by_text(order["orderNo"])).to_be_visible()
    shot(page, "success")
    seen = get_order(merchant, order)
    assert seen["status"] == "PAID_SUCCESS"
    assert seen["paymentInfo"]["payerMid"] == "100000000004"
    assert errors == []


def test_arabic_layout(page: Page, merchant: Merchant, shot: Screenshots) -> None:
    errors = watch_console(page)
    _, url = place(merchant, subject="Coffee beans 1 kg", subjectAr="حبوب قهوة ١ كغ")
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator(".co-subject")).to_have_text("حبوب قهوة ١ كغ")
    expect(page.get_by_role("heading", name="سجّل الدخول إلى محفظتك")).to_be_visible()
    shot(page, "arabic checkout")
    page.get_by_label("رقم الجوال").fill("+971 56 000 0005")
    page.get_by_label("رمز التحقق").fill("123456")
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_text("Test Wallet 5")).to_be_visible()
    shot(page, "arabic signed in")
    page.get_by_role("button", name=re.compile("^ادفع")).click()
    expect(page.get_by_role("heading", name="تم الدفع بنجاح")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "arabic success")
    assert errors == []


def test_declined_card(page: Page, merchant: Merchant, shot: Screenshots) -> None:
    order, url = place(merchant, subject="Concert ticket")
    page.goto(url)
    sign_in(page, 6)
    page.get_by_text("Card", exact=True).click()
    expect(page.get_by_label("Card number")).to_be_visible()
    page.get_by_label("Card number").fill("5123 4500 0000 0008")
    page.get_by_label("Expiry (MM/YY)").fill("05/31")
    page.get_by_label("CVV").fill("100")
    page.get_by_label("Simulation case").select_option("FAILURE")
    shot(page, "card with failure outcome")
    page.get_by_role("button", name="Pay AED 12.34").click()
    expect(page.get_by_role("alert")).to_have_text("The card was declined.")
    expect(page.get_by_role("button", name="Pay AED 12.34")).to_be_visible()  # retry allowed
    shot(page, "card declined")
    page.get_by_role("link", name="Close").click()
    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
    expect(page.get_by_role("button", name="Close")).to_be_hidden()  # not inside an app
    shot(page, "failure result")
    assert get_order(merchant, order)["status"] == "CREATED"


def open_in_webview(page: Page, gateway: Gateway, url: str) -> FrameLocator:
    """Shows the checkout in an iframe of a same-origin page (as the app shell does) that
    records the messages it receives in `window.results`."""
    page.goto(gateway.base_url + "/pay-page/main?ft=none")  # any page of the same origin
    page.evaluate(
        """url => {
            window.results = [];
            window.addEventListener("message", e => window.results.push(
                {origin: e.origin, data: e.data}));
            const frame = document.createElement("iframe");
            frame.src = url;
            frame.style.cssText = "width:390px;height:800px;border:0";
            document.body.replaceChildren(frame);
        }""",
        url,
    )
    return page.frame_locator("iframe")


def test_result_reaches_the_parent_window(
    page: Page, gateway: Gateway, merchant: Merchant, shot: Screenshots
) -> None:
    order, url = place(merchant, subject="In-app purchase")
    frame = open_in_webview(page, gateway, url)
    frame.get_by_label("Mobile number").fill("+971 56 000 0007")
    frame.get_by_label("Verification code").fill("123456")
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_role("button", name="Pay AED 12.34").click()
    expect(frame.get_by_role("heading", name="Payment successful")).to_be_visible()
    page.wait_for_function("() => window.results.length > 0")
    shot(page, "checkout in a webview")
    results = page.evaluate("window.results")
    assert results == [
        {
            "origin": gateway.base_url,
            "data": {
                "type": "botimpay:checkout-result",
                "result": "PAYMENT_SUCCESS",
                "orderNo": order["orderNo"],
            },
        }
    ]
    assert get_order(merchant, order)["paymentInfo"]["payerMid"] == "100000000007"


def test_cancel_in_a_webview_tells_the_parent(
    page: Page, gateway: Gateway, merchant: Merchant, shot: Screenshots
) -> None:
    order, url = place(merchant, subject="Changed my mind")
    frame = open_in_webview(page, gateway, url)
    frame.get_by_role("link", name="Cancel").click()
    expect(frame.get_by_role("heading", name="You left the payment")).to_be_visible()
    page.wait_for_function("() => window.results.length > 0")
    shot(page, "cancelled in a webview")
    message = page.evaluate("window.results[0].data")
    assert message == {
        "type": "botimpay:checkout-result",
        "result": "CANCELLED",
        "orderNo": order["orderNo"],
    }
    assert get_order(merchant, order)["status"] == "CREATED"


def test_giving_up_after_a_failure_in_a_webview(
    page: Page, gateway: Gateway, merchant: Merchant, shot: Screenshots
) -> None:
    order, url = place(merchant, subject="Gift card")
    frame = open_in_webview(page, gateway, url)
    frame.get_by_label("Mobile number").fill("+971 56 000 0006")
    frame.get_by_label("Verification code").fill("123456")
    frame.get_by_role("button", name="Sign in").click()
    frame.get_by_text("Card", exact=True).click()
    frame.get_by_label("Card number").fill("5123450000000008")
    frame.get_by_label("Expiry (MM/YY)").fill("05/31")
    frame.get_by_label("CVV").fill("100")
    frame.get_by_label("Simulation case").select_option("FAILURE")
    frame.get_by_role("button", name="Pay AED 12.34").click()
    expect(frame.get_by_role("alert")).to_have_text("The card was declined.")
    assert page.evaluate("window.results") == []  # the customer may still retry
    frame.get_by_role("link", name="Close").click()
    expect(frame.get_by_role("heading", name="Payment failed")).to_be_visible()
    close = frame.get_by_role("button", name="Close")
    expect(close).to_be_visible()  # shown only inside an app window
    close.click()
    page.wait_for_function("() => window.results.length >= 2")
    shot(page, "failed in a webview")
    results = [item["data"] for item in page.evaluate("window.results")]
    assert {r["result"] for r in results} == {"PAYMENT_FAILED"}
    assert {r["orderNo"] for r in results} == {order["orderNo"]}
    assert get_order(merchant, order)["status"] == "CREATED"
