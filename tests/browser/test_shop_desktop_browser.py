"""On a computer (a 1280x900 window): the example shop inside the app shell pays in the
app's checkout (the bridge decides, not the User-Agent) and in a plain browser shows a QR;
the checkout and QR overlays say the amount and order, what Cancel means, lead back to the
merchant, show "already paid" as good news, keep phone ranges in order in Arabic, and
/app?lang=ar is Arabic. Screenshots of each screen go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Screenshots
from tests.browser.test_app_shell_browser import SLOW, open_in_app, pay_in_checkout, sign_in
from tests.harness import Gateway
from tests.sdk.conftest import write_pems
from tests.sdk.shop_process import ShopProcess, start_shop

DESK = {"width": 1280, "height": 900}
OK_GREEN = "rgb(6, 118, 71)"  # --ok in base.css
LEFT = "You left the payment"


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A desktop-sized window in a fresh context."""
    context = browser.new_context(viewport=DESK, device_scale_factor=1)
    yield context.new_page()
    context.close()


@pytest.fixture
def shop_gateway(fresh_gateway: Callable[..., Gateway]) -> Gateway:
    """A gateway of its own (its wallets are free), delivering notifications quickly."""
    return fresh_gateway("--dispatch-interval-ms", "100")


@pytest.fixture
def shop(shop_gateway: Gateway, tmp_path: Path) -> Iterator[ShopProcess]:
    keys = write_pems(shop_gateway.add_merchant(), tmp_path / "shop-keys")
    process = start_shop(
        tmp_path,
        "--gateway-url", shop_gateway.base_url,
        "--partner-id", keys.partner_id,
        "--private-key", str(keys.private_key_path),
        "--gateway-public-key", str(keys.gateway_public_key_path),
        "--db", str(tmp_path / "shop.db"),
    )  # fmt: skip
    try:
        yield process
    finally:
        process.stop()
        print(process.log.read_text())  # shown by pytest when the test failed


def token_url_of(page: Locator) -> str:
    value = page.get_attribute("data-token-url")
    assert value
    return value


def left_of(page: Page, selector: str, first: str, second: str) -> bool:
    """Whether, in the element's text, `first` is drawn left of `second` on the same line
    (the order a phone range is read in, whatever the paragraph's direction)."""
    return bool(
        page.locator(selector).evaluate(
            """(el, [a, b]) => {
                const x = (needle) => {
                    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                        const at = n.data.indexOf(needle);
                        if (at < 0) continue;
                        const range = document.createRange();
                        range.setStart(n, at);
                        range.setEnd(n, at + needle.length);
                        return range.getBoundingClientRect();
                    }
                    throw new Error("not found: " + needle);
                };
                const [one, two] = [x(a), x(b)];
                return one.left < two.left && Math.abs(one.top - two.top) < 2;
            }""",
            [first, second],
        )
    )


def test_example_shop_in_the_app_on_a_desktop_pays_in_the_app(
    shop: ShopProcess, shop_gateway: Gateway, browser: Browser, desk: Page, shot: Screenshots
) -> None:
    # In a plain desktop browser the shop asks the bridge, hears nothing, and shows a QR.
    desk.goto(shop.url)
    expect(desk.locator("#where")).to_have_attribute("data-in-app", "no")
    desk.locator("#product-karak button[type=submit]").click()
    expect(desk.locator("#order")).to_have_attribute("data-scene", "DYNQR")
    expect(desk.locator("figure.qr svg")).to_be_visible()
    shot(desk, "example shop in a desktop browser shows a QR")

    # Inside the app shell, on the same desktop, the bridge says "in the app": JSAPI.
    sign_in(desk, shop_gateway, shot, wallet=1)
    webview = open_in_app(desk, shop.url)
    expect(webview.locator("#where")).to_have_attribute("data-in-app", "yes")
    shot(desk, "example shop inside the app shell")
    webview.locator("#product-karak button[type=submit]").click()
    order = webview.locator("#order")
    expect(order).to_have_attribute("data-scene", "JSAPI")
    expect(webview.locator("figure.qr")).to_have_count(0)
    expect(webview.locator("#pay")).to_contain_text("Pay AED 29.50")
    shot(desk, "order page in the app")
    webview.locator("#pay").click()
    expect(desk.locator("#botimpay-qr-overlay")).to_have_count(0)
    pay_in_checkout(desk, shot, password=None)  # the app's checkout sheet, not a QR
    expect(desk.locator("#checkout")).to_be_hidden(timeout=SLOW)
    expect(webview.locator("#state")).to_contain_text("Paid", timeout=SLOW)
    shot(desk, "example shop order paid in the app")

    # The paid order's link opened again in a browser: good news, not an error.
    token_url = token_url_of(order)
    again = browser.new_context(viewport=DESK).new_page()
    try:
        again.goto(token_url)
        closed = again.locator(".co-closed")
        expect(closed).to_have_attribute("role", "status")
        text = closed.locator(".co-alert-text")
        expect(text).to_have_text("This order has already been paid.")
        expect(text).to_have_css("color", OK_GREEN)
        shot(again, "already paid is not an error")
    finally:
        again.context.close()


def test_the_buy_overlay_shows_amount_and_order_and_what_cancel_means(
    gateway: Gateway, desk: Page, shot: Screenshots
) -> None:
    desk.goto(gateway.base_url + "/demo/shop")
    expect(desk.locator("#where")).to_have_text("In a browser")
    with desk.expect_response("**/demo/shop/api/checkout") as placed:
        desk.click("[data-buy=coffee]")
    order = placed.value.json()
    overlay = desk.locator("#botimpay-qr-overlay")
    expect(overlay.locator(".botimpay-title")).to_have_text("Pay Demo Shop")
    expect(overlay.locator(".botimpay-amount")).to_have_text("AED 45.00")
    expect(overlay.locator(".botimpay-order")).to_have_text(f"Order {order['orderNo']}")
    expect(overlay).to_contain_text("Scan with Botim Money")
    expect(overlay.locator("img.botimpay-qr")).to_have_js_property("complete", True)
    shot(desk, "buy overlay with amount and order")

    desk.click("#botimpay-qr-overlay .botimpay-close")
    result = desk.locator("#result")
    expect(result).to_have_attribute("data-result", "CANCELLED")
    expect(desk.locator("#result-title")).to_have_text(LEFT)
    expect(desk.locator("#result-detail")).to_contain_text("still open (CREATED)")
    expect(result).not_to_contain_text("cancelled")  # the order was not cancelled
    shot(desk, "left the QR overlay, order still open")


def demo_order(gateway: Gateway) -> dict[str, str]:
    answer = httpx.post(
        gateway.base_url + "/demo/shop/api/checkout",
        json={"productId": "earbuds"},
        headers={"Origin": gateway.base_url},
    )
    assert answer.status_code == 200, answer.text
    order: dict[str, str] = answer.json()
    return order


def test_cancel_in_a_desktop_checkout_leads_back_to_the_merchant(
    gateway: Gateway, desk: Page, shot: Screenshots
) -> None:
    order = demo_order(gateway)
    desk.goto(order["tokenUrl"])
    expect(desk.locator(".co-amount")).to_have_text("AED 189.00")
    shot(desk, "desktop checkout")
    desk.get_by_role("link", name="Cancel").click()
    expect(desk.get_by_role("heading", name=LEFT)).to_be_visible()
    expect(desk.locator(".co-note")).to_contain_text("still open until it expires")
    expect(desk.locator("body")).not_to_contain_text("Payment cancelled")
    back = desk.locator("a.co-back-merchant")
    expect(back).to_have_text(re.compile(r"^Back to \S"))
    expect(back).to_be_visible()
    shot(desk, "left the checkout with a way back")
    back.click()
    expect(desk).to_have_url(gateway.base_url + "/demo/shop")
    status = httpx.get(
        gateway.base_url + "/demo/shop/api/status", params={"orderNo": order["orderNo"]}
    )
    assert status.json()["status"] == "CREATED"


def test_arabic_keeps_phone_ranges_in_order_and_the_app_speaks_arabic(
    gateway: Gateway, desk: Page, shot: Screenshots
) -> None:
    order = demo_order(gateway)
    desk.goto(order["tokenUrl"] + "&lang=ar")
    expect(desk.locator("html")).to_have_attribute("dir", "rtl")
    hint = ".co-sandbox-hint"
    expect(desk.locator(hint)).to_contain_text("+971 56 000 0000 … 0009")
    assert left_of(desk, hint, "+971", "0009")
    assert left_of(desk, hint, "0000 …", "0009")
    shot(desk, "arabic checkout sandbox hint")

    desk.goto(gateway.base_url + "/app?lang=ar")
    expect(desk.locator("html")).to_have_attribute("lang", "ar")
    expect(desk.locator("html")).to_have_attribute("dir", "rtl")
    expect(desk.locator("#signin h1")).to_have_text("سجّل الدخول إلى Botim Money")
    expect(desk.locator("#signin-go")).to_have_text("تسجيل الدخول")
    assert left_of(desk, "#sandbox-hint", "+971", "0009")
    shot(desk, "app shell in arabic")
    desk.fill("#signin-phone", "+971 56 000 0001")
    desk.fill("#signin-otp", "123456")
    desk.click("#signin-go")
    expect(desk.locator(".tab[data-tab=wallet]")).to_have_text("المحفظة")
    expect(desk.locator("#wallet-balance")).to_contain_text("AED")
    expect(desk.locator("html")).to_have_attribute("dir", "rtl")  # still Arabic after sign-in
    shot(desk, "app wallet in arabic")
    shop = open_in_app(desk, gateway.base_url + "/demo/shop")
    shop.locator("[data-buy=coffee]").click()
    sheet = desk.frame_locator("#checkout-frame")
    expect(sheet.locator("html")).to_have_attribute("lang", "ar")  # the app's language
    expect(sheet.locator(".co-amount")).to_have_text("AED 45.00")
    desk.wait_for_timeout(500)  # the sheet's slide-in, for the picture
    shot(desk, "checkout from the arabic app")
    desk.click("#checkout-close")
    expect(desk.locator("#toast")).to_contain_text("غادرت صفحة الدفع")
    expect(shop.locator("#result-title")).to_have_text(LEFT)
    desk.click(".tab[data-tab=wallet]")
    desk.click("#lang-switch")
    expect(desk.locator(".tab[data-tab=wallet]")).to_have_text("Wallet")
    expect(desk.locator("html")).to_have_attribute("dir", "ltr")
