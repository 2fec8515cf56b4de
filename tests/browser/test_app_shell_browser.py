"""The BOTIM app shell, the merchant JS library and the demo shop in headless Chromium:
JSAPI through the bridge, DYNQR by uploading a QR picture in Scan, and the QR fallback
outside the app. Screenshots of every step go to test-artifacts/screenshots/.
Wallets 1-3 belong to these tests."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, FrameLocator, Page, expect

from tests.browser.conftest import Screenshots
from tests.harness import Gateway, demo_merchant

OTP = "123456"
PASSWORD = "132580"
DEMO_PARTNER_ID = "200000000888"
SLOW = 20_000  # ms: a payment round trip plus the shop's 2-second polling


def phone(wallet: int) -> str:
    return f"+971 56 000 000{wallet}"


def decode_png(data: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)).convert("L"))
    assert found, "no QR code in the picture"
    return str(found[0].text)


def sign_in(page: Page, gateway: Gateway, shot: Screenshots, wallet: int) -> None:
    page.goto(gateway.base_url + "/app")
    expect(page.locator("#signin-form")).to_be_visible()
    page.fill("#signin-phone", phone(wallet))
    page.fill("#signin-otp", OTP)
    shot(page, "sign in")
    page.click("#signin-go")
    expect(page.locator("#wallet-balance")).to_contain_text("AED")
    expect(page.locator("#wallet-history li").first).to_be_visible()
    shot(page, "wallet")


def balance_fils(page: Page) -> int:
    """The wallet balance after a fresh load of the wallet screen."""
    shown = page.locator("#phone").get_attribute("data-wallet-loads") or "0"
    page.click(".tab[data-tab=wallet]")
    page.click("#wallet-refresh")
    page.wait_for_function(
        "n => Number(document.getElementById('phone').dataset.walletLoads) > n", arg=int(shown)
    )
    value = page.locator("#wallet-balance").get_attribute("data-fils")
    assert value is not None
    return int(value)


def pay_in_checkout(page: Page, shot: Screenshots, password: str | None) -> FrameLocator:
    """Pays by wallet balance in the checkout sheet the app opened."""
    expect(page.locator("#checkout")).to_be_visible()
    checkout = page.frame_locator("#checkout-frame")
    pay_form = checkout.locator("form[action='/pay-page/pay']")
    expect(pay_form).to_be_visible(timeout=SLOW)
    if password is not None:
        pay_form.locator("input[name=password]").fill(password)
    shot(page, "checkout over the page")
    pay_form.locator("button[type=submit]").click()
    return checkout


def test_jsapi_in_the_app_pays_through_the_bridge(
    gateway: Gateway, page: Page, shot: Screenshots
) -> None:
    sign_in(page, gateway, shot, wallet=1)
    before = balance_fils(page)
    page.click(".tab[data-tab=open]")
    expect(page.locator("#open-url")).to_have_value(gateway.base_url + "/demo/shop")
    shot(page, "open tab")
    page.click("#open-go")
    shop = page.frame_locator("#webview")
    expect(shop.locator("#where")).to_have_text("In BOTIM")
    shot(page, "demo shop in the webview")

    shop.locator("[data-buy=watch]").click()
    pay_in_checkout(page, shot, PASSWORD)
    expect(page.locator("#checkout")).to_be_hidden(timeout=SLOW)

    result = shop.locator("#result")
    expect(result).to_have_attribute("data-result", "PAYMENT_SUCCESS", timeout=SLOW)
    expect(shop.locator("#result-code")).to_contain_text("PAYMENT_SUCCESS")
    expect(shop.locator("#result-detail")).to_contain_text("via the BOTIM app bridge")
    expect(shop.locator("#result-detail")).to_contain_text("PAID_SUCCESS")
    shot(page, "merchant page received PAYMENT_SUCCESS")

    order_no = result.get_attribute("data-order-no")
    assert order_no
    status = httpx.get(gateway.base_url + "/demo/shop/api/status", params={"orderNo": order_no})
    assert status.json()["status"] == "PAID_SUCCESS"
    seen = demo_merchant(gateway).call("acquire2/getOrder", {"orderNo": order_no}).assert_ok()
    assert seen.order["status"] == "PAID_SUCCESS"
    assert seen.order["paymentInfo"]["payerMid"] == "100000000001"

    assert before - balance_fils(page) == 129_900
    expect(page.locator("#wallet-history li").first).to_contain_text("Smart Watch Pro")
    shot(page, "wallet after paying")


def test_dynqr_scanned_in_the_app(
    gateway: Gateway, browser: Browser, page: Page, shot: Screenshots, tmp_path: Path
) -> None:
    till = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    try:
        till.goto(gateway.base_url + "/demo/shop")
        till.click("[data-qr=earbuds]")
        expect(till.locator("#qr-panel")).to_be_visible()
        expect(till.locator("#qr-image")).to_have_js_property("complete", True)
        shot(till, "merchant shows a DYNQR code")
        token_url = till.locator("#qr-image").get_attribute("data-token-url")
        href = till.locator("#qr-download").get_attribute("href")
        assert token_url
        assert href
        picture = httpx.get(gateway.base_url + href)
        assert picture.headers["content-type"] == "image/png"
        assert decode_png(picture.content) == token_url
        qr_file = tmp_path / "dynqr.png"
        qr_file.write_bytes(picture.content)

        sign_in(page, gateway, shot, wallet=2)
        before = balance_fils(page)
        page.click(".tab[data-tab=scan]")
        shot(page, "scan tab")
        page.set_input_files("#scan-file", str(qr_file))
        pay_in_checkout(page, shot, password=None)
        expect(page.locator("#checkout")).to_be_hidden(timeout=SLOW)
        expect(page.locator("#scan-status")).to_contain_text("Payment successful")
        shot(page, "scan paid")
        assert before - balance_fils(page) == 18_900
        shot(page, "wallet after the QR payment")

        expect(till.locator("#qr-status")).to_contain_text("Payment received", timeout=SLOW)
        shot(till, "merchant sees the payment")
    finally:
        till.context.close()


def test_outside_the_app_the_library_shows_a_qr_and_polls(
    gateway: Gateway, page: Page, shot: Screenshots
) -> None:
    page.goto(gateway.base_url + "/demo/shop")
    expect(page.locator("#where")).to_have_text("In a browser")
    shot(page, "demo shop in a browser")
    with page.expect_response("**/demo/shop/api/checkout") as placed:
        page.click("[data-buy=earbuds]")
    order = placed.value.json()

    overlay = page.locator("#botimpay-qr-overlay")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Scan with Botim Money")
    image = overlay.locator("img.botimpay-qr")
    expect(image).to_have_js_property("complete", True)
    src = image.get_attribute("src")
    assert src
    assert parse_qs(urlparse(src).query)["data"] == [order["tokenUrl"]]
    assert decode_png(image.screenshot()) == order["tokenUrl"]
    shot(page, "QR fallback overlay")

    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"tokenUrl": order["tokenUrl"], "phone": phone(3)},
    )
    assert paid.json()["result"] == "SUCCESS", paid.text
    result = page.locator("#result")
    expect(result).to_have_attribute("data-result", "PAYMENT_SUCCESS", timeout=SLOW)
    expect(overlay).to_have_count(0)
    expect(page.locator("#result-code")).to_contain_text(order["orderNo"])
    shot(page, "payment received by polling")


@pytest.mark.parametrize("close", ["button", "escape"])
def test_closing_the_qr_overlay_cancels(
    gateway: Gateway, page: Page, shot: Screenshots, close: str
) -> None:
    page.goto(gateway.base_url + "/demo/shop")
    page.click("[data-buy=coffee]")
    expect(page.locator("#botimpay-qr-overlay")).to_be_visible()
    if close == "button":
        page.click("#botimpay-qr-overlay .botimpay-close")
    else:
        page.keyboard.press("Escape")
    expect(page.locator("#result")).to_have_attribute("data-result", "CANCELLED")
    expect(page.locator("#botimpay-qr-overlay")).to_have_count(0)
    shot(page, "cancelled")


def open_in_app(page: Page, url: str) -> FrameLocator:
    page.click(".tab[data-tab=open]")
    page.fill("#open-url", url)
    page.click("#open-go")
    return page.frame_locator("#webview")


def test_a_merchant_on_another_origin_pays_through_the_bridge(
    gateway: Gateway, page: Page, shot: Screenshots
) -> None:
    """The shop at http://localhost:port is another origin than the app (127.0.0.1):
    the library, loaded from the gateway's public URL, still gets its answer."""
    sign_in(page, gateway, shot, wallet=1)
    merchant_site = gateway.base_url.replace("127.0.0.1", "localhost") + "/demo/shop"
    shop = open_in_app(page, merchant_site)
    expect(shop.locator("#where")).to_have_text("In BOTIM")
    assert shop.locator("body").evaluate("() => location.origin") != gateway.base_url
    assert shop.locator("body").evaluate("() => BotimPay.gatewayOrigin") == gateway.base_url
    shot(page, "merchant site on another origin")
    shop.locator("[data-buy=coffee]").click()
    pay_in_checkout(page, shot, password=None)
    expect(shop.locator("#result")).to_have_attribute(
        "data-result", "PAYMENT_SUCCESS", timeout=SLOW
    )
    expect(shop.locator("#result-detail")).to_contain_text("PAID_SUCCESS")
    shot(page, "cross-origin merchant received PAYMENT_SUCCESS")


def test_the_app_pays_only_links_of_this_gateway(
    gateway: Gateway, page: Page, shot: Screenshots
) -> None:
    sign_in(page, gateway, shot, wallet=1)
    shop = open_in_app(page, gateway.base_url + "/demo/shop")
    expect(shop.locator("#where")).to_have_text("In BOTIM")
    answer = shop.locator("body").evaluate(
        "() => BotimPay.pay({tokenUrl: 'https://evil.example/pay-page/main?ft=abc&t=1'})"
    )
    assert answer == {"result": "PAYMENT_FAILED", "orderNo": None}
    expect(page.locator("#checkout")).to_be_hidden()
    # a page that is not the webview cannot drive the bridge
    page.evaluate(
        """() => window.postMessage({type: 'botimpay:pay', id: 'x',
             tokenUrl: location.origin + '/pay-page/main?ft=abc'}, location.origin)"""
    )
    page.wait_for_timeout(300)
    expect(page.locator("#checkout")).to_be_hidden()
    shot(page, "foreign link refused")


def test_on_a_desktop_the_app_is_a_phone_in_the_middle(
    gateway: Gateway, browser: Browser, shot: Screenshots
) -> None:
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        sign_in(desk, gateway, shot, wallet=3)
        box = desk.locator("#phone").bounding_box()
        assert box is not None
        assert (box["width"], box["height"]) == (390, 844)
        assert abs(box["x"] + box["width"] / 2 - 640) <= 1
        shop = open_in_app(desk, gateway.base_url + "/demo/shop")
        expect(shop.locator("#where")).to_have_text("In BOTIM")
        shot(desk, "desktop phone frame with the webview")
    finally:
        desk.context.close()
