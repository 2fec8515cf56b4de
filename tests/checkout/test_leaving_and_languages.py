"""Pages of the desktop defects (issue 13) over HTTP: leaving the checkout says the order is
still open and leads back to the merchant, a paid order is good news, numbers and phone
ranges are isolated in Arabic sentences, and /app honours ?lang=ar like the checkout."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import httpx

from botimpay.web.checkout_text import SANDBOX_VALUES, isolated
from tests.checkout.test_checkout_pages import Shopper, order_status, place, text_of
from tests.harness import Gateway, Merchant

BACK = re.compile(r'<a class="[^"]*\bco-back-merchant" href="([^"]*)"[^>]*>([^<]*)</a>')
CANCEL = re.compile(r'href="([^"]*result=CANCELLED[^"]*)"')


def left(shopper: Shopper, token_url: str, **params: str) -> httpx.Response:
    """The page after "Cancel" on the checkout (the link the checkout itself gives)."""
    cancel = CANCEL.search(shopper.open(token_url, **params).text)
    assert cancel
    page = shopper.http.get(unescape(cancel[1]))
    assert page.status_code == 200
    return page


def test_leaving_says_the_order_is_still_open_and_leads_back_to_the_merchant(
    gateway: Gateway, merchant: Merchant
) -> None:
    order, url = place(merchant, notifyUrl="https://shop.example:8443/botim/notify?x=1")
    page = left(Shopper(gateway), url)
    text = text_of(page)
    name = f"Shop {merchant.partner_id}"
    assert "You left the payment" in text
    assert f"The order is still open until it expires or {name} cancels it." in text
    assert "Payment cancelled" not in text
    assert 'data-checkout-result="CANCELLED"' in page.text  # what the app's bridge answers
    back = BACK.search(page.text)
    assert back, page.text
    assert (back[1], back[2]) == ("https://shop.example:8443/", f"Back to {name}")
    assert order_status(merchant, order)["status"] == "CREATED"

    arabic = text_of(left(Shopper(gateway), url, lang="ar"))
    assert "غادرت صفحة الدفع" in arabic
    assert f"العودة إلى {name}" in arabic


def test_a_closed_order_is_not_said_to_be_left_open(gateway: Gateway, merchant: Merchant) -> None:
    order, url = place(merchant)
    customer = Shopper(gateway)
    cancel_link = CANCEL.search(customer.open(url).text)
    assert cancel_link
    merchant.call("acquire2/cancelOrder", {"orderNo": order["orderNo"]}).assert_ok()
    page = customer.http.get(unescape(cancel_link[1]))
    text = text_of(page)
    assert "The merchant cancelled this order." in text
    assert "still open" not in text
    assert 'data-checkout-result="CANCELLED"' in page.text


def test_demo_orders_lead_back_to_the_demo_shop_and_others_without_a_site_nowhere(
    gateway: Gateway, merchant: Merchant
) -> None:
    demo = httpx.post(
        gateway.base_url + "/demo/shop/api/checkout",
        json={"productId": "coffee"},
        headers={"Origin": gateway.base_url},
    ).json()
    back = BACK.search(left(Shopper(gateway), demo["tokenUrl"]).text)
    assert back
    assert back[1] == "/demo/shop"

    _, url = place(merchant, notifyUrl=None)
    page = left(Shopper(gateway), url)
    assert "You left the payment" in text_of(page)
    assert "co-back-merchant" not in page.text


def test_already_paid_is_a_status_not_an_alert(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway()
    merchant = gateway.add_merchant()
    _, url = place(merchant)
    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay", json={"tokenUrl": url, "phone": "+971 56 000 0001"}
    )
    assert paid.json()["result"] == "SUCCESS", paid.text
    page = Shopper(gateway).open(url).text
    assert '<section class="card co-closed co-closed-paid" role="status">' in page
    assert '<p class="co-alert-text ok">This order has already been paid.</p>' in page
    assert 'role="alert"' not in page


def test_arabic_hints_isolate_phone_ranges_and_codes(gateway: Gateway, merchant: Merchant) -> None:
    _, url = place(merchant)
    page = Shopper(gateway).open(url, lang="ar").text
    assert '<html lang="ar" dir="rtl">' in page
    assert '<bdi dir="ltr">+971 56 000 0000 … 0009</bdi>' in page
    assert '<bdi dir="ltr">123456</bdi>' in page
    assert "\u200e+971" not in page  # no stray marks left from the old text


def test_isolated_escapes_the_sentence_and_the_values() -> None:
    assert str(isolated("<b>{card}</b> & {cvv}", {"card": "1 & 2", "cvv": "<3"})) == (
        '&lt;b&gt;<bdi dir="ltr">1 &amp; 2</bdi>&lt;/b&gt; &amp; <bdi dir="ltr">&lt;3</bdi>'
    )
    assert set(SANDBOX_VALUES) == {"otp", "wallets", "card", "expiry", "cvv"}


def test_the_app_shell_honours_lang_like_the_checkout(gateway: Gateway) -> None:
    arabic = httpx.get(gateway.base_url + "/app", params={"lang": "ar"})
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "سجّل الدخول إلى Botim Money" in arabic.text
    assert '<bdi dir="ltr">+971 56 000 0000 … 0009</bdi>' in arabic.text
    assert 'data-lang="ar"' in arabic.text
    assert 'href="/app" lang="en">English</a>' in arabic.text
    assert "Sign in to Botim Money" not in arabic.text

    english = httpx.get(gateway.base_url + "/app")
    assert '<html lang="en" dir="ltr">' in english.text
    assert "Sign in to Botim Money" in english.text
    assert 'href="/app?lang=ar" lang="ar">العربية</a>' in english.text
    unknown = httpx.get(gateway.base_url + "/app", params={"lang": "xx"})
    assert '<html lang="en" dir="ltr">' in unknown.text
