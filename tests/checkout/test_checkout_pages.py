"""The checkout at the tokenUrl over HTTP, as a browser without JavaScript uses it:
pages, sign-in by phone and OTP, CSRF, paying by balance or test card, scene rules,
results, and the security headers. Wallets 4-7 belong to these tests."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from decimal import Decimal
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.harness import Gateway, Merchant, jsapi_order, now_ms

PASSWORD = "132580"
OTP = "123456"
GET_ORDER = "acquire2/getOrder"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def member_id(wallet: int) -> str:
    return f"10000000000{wallet}"


def phone(wallet: int) -> str:
    return f"+971 56 000 000{wallet}"


def eid_of(wallet: int) -> str:
    return hashlib.sha256(f"78419900000000{wallet}".encode()).hexdigest()


def aed(amount: str) -> dict[str, Any]:
    return {"amount": Decimal(amount), "currency": "AED"}


def text_of(response: httpx.Response) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


class Shopper:
    """One customer's browser (own cookie jar) on the checkout, without JavaScript."""

    def __init__(self, gateway: Gateway) -> None:
        self.http = httpx.Client(base_url=gateway.base_url, timeout=30)
        self.last_csrf = ""

    def open(self, token_url: str, **params: str) -> httpx.Response:
        url = urlparse(token_url)
        query = {k: v[0] for k, v in parse_qs(url.query).items()} | params
        return self.http.get(url.path, params=query)

    def result(self, token_url: str, result: str, **params: str) -> httpx.Response:
        query = self.link_params(token_url) | {"result": result} | params
        return self.http.get("/pay-page/result", params=query)

    @staticmethod
    def link_params(token_url: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(token_url).query).items()}

    def csrf(self, token_url: str) -> str:
        """The token of the page's forms; the last one seen when the page has no form."""
        found = CSRF.search(self.open(token_url).text)
        if found:
            self.last_csrf = found[1]
        assert self.last_csrf, "no form seen yet"
        return self.last_csrf

    def post(
        self, path: str, token_url: str, fields: dict[str, str], csrf: str | None = "page"
    ) -> httpx.Response:
        data = self.link_params(token_url) | fields
        if csrf == "page":
            data["csrf_token"] = self.csrf(token_url)
        elif csrf is not None:
            data["csrf_token"] = csrf
        return self.http.post(path, data=data)

    def sign_in(self, token_url: str, wallet: int, otp: str = OTP) -> httpx.Response:
        return self.post("/pay-page/sign-in", token_url, {"phone": phone(wallet), "otp": otp})

    def signed_in(self, token_url: str, wallet: int) -> Shopper:
        response = self.sign_in(token_url, wallet)
        assert response.status_code == 303, text_of(response)
        self.csrf(token_url)  # the session's token, for forms posted after the page changed
        return self

    def pay(self, token_url: str, **fields: str) -> httpx.Response:
        return self.post("/pay-page/pay", token_url, {"method": "BALANCE"} | fields)

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, (response.status_code, text_of(response))
        return self.http.get(response.headers["location"])


@pytest.fixture
def shopper(gateway: Gateway) -> Callable[[], Shopper]:
    return lambda: Shopper(gateway)


def place(merchant: Merchant, **overrides: Any) -> tuple[dict[str, Any], str]:
    """(acquireOrder, tokenUrl) of a new order; small JSAPI order unless overridden."""
    response = merchant.place_order(**overrides).assert_ok()
    assert response.body is not None
    return response.order, response.body["interActionParams"]["tokenUrl"]


def order_status(merchant: Merchant, order: dict[str, Any]) -> dict[str, Any]:
    return merchant.call(GET_ORDER, {"orderNo": order["orderNo"]}).assert_ok().order


def card(outcome: str) -> dict[str, str]:
    return {
        "method": "CARD",
        "card_number": "5123 4500 0000 0008",
        "card_expiry": "05/31",
        "card_cvv": "100",
        "outcome": outcome,
    }


# --- the page ----------------------------------------------------------------------------------


def test_unknown_token_is_a_clear_404_page(shopper: Callable[[], Shopper]) -> None:
    page = shopper().http.get("/pay-page/main", params={"ft": "no-such-token-" * 2, "t": "1"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "This payment link is not valid" in text_of(page)
    assert "Traceback" not in page.text
    assert shopper().http.get("/pay-page/main").status_code == 404
    status = shopper().http.get("/pay-page/status", params={"ft": "nope"})
    assert status.status_code == 404


def test_page_shows_merchant_subject_amount_and_time_left(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, subject="Blue sneakers", totalAmount=aed("1234.5"))
    page = shopper().open(url)
    assert page.status_code == 200
    text = text_of(page)
    assert f"Shop {merchant.partner_id}" in text
    assert "Blue sneakers" in text
    assert "AED 1,234.50" in text
    assert order["orderNo"] in text
    assert re.search(r"Time left (119|120) min", text), text
    assert "Awaiting payment" in text
    assert "Sign in to your wallet" in text
    assert "sandbox" in text.lower()
    assert "123456" in text
    assert 'dir="ltr"' in page.text.split(">", 2)[1]


def test_arabic_page_is_right_to_left_with_the_arabic_subject(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    _, url = place(merchant, subject="iPhone 15", subjectAr="آيفون ١٥")
    english = shopper().open(url)
    toggle = re.search(r'class="co-lang" href="([^"]+)"', english.text)
    assert toggle, english.text
    link = unescape(toggle[1])
    assert "lang=ar" in link
    query = parse_qs(urlparse(link).query)
    assert query["ft"][0] == Shopper.link_params(url)["ft"]
    assert query["t"][0] == Shopper.link_params(url)["t"]
    arabic = shopper().http.get(link)
    assert arabic.status_code == 200
    assert re.search(r'<html lang="ar" dir="rtl">', arabic.text)
    text = text_of(arabic)
    assert "آيفون ١٥" in text
    assert "iPhone 15" not in text
    assert "الدفع إلى" in text
    assert "English" in text
    # without an Arabic subject the English one is shown
    _, plain = place(merchant, subject="Plain subject")
    assert "Plain subject" in text_of(shopper().open(plain, lang="ar"))


def test_subject_is_escaped(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    _, url = place(merchant, subject="<script>alert(1)</script>")
    page = shopper().open(url)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# --- signing in and CSRF ------------------------------------------------------------------------


def test_sign_in_refusals_are_shown_on_the_page(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    _, url = place(merchant)
    customer = shopper()
    wrong_otp = customer.sign_in(url, 4, otp="000000")
    assert wrong_otp.status_code == 409
    assert "The verification code is wrong" in text_of(wrong_otp)
    assert "bp_session" not in wrong_otp.headers.get("set-cookie", "")
    unknown = customer.post("/pay-page/sign-in", url, {"phone": "+971 50 123 4567", "otp": OTP})
    assert unknown.status_code == 409
    assert "No wallet has this phone number" in text_of(unknown)
    assert 'value="+971 50 123 4567"' in unknown.text  # the form keeps the number
    invalid = customer.post("/pay-page/sign-in", url, {"phone": "12", "otp": OTP})
    assert "Enter a valid phone number" in text_of(invalid)
    arabic = customer.post("/pay-page/sign-in", url, {"phone": phone(4), "otp": "1", "lang": "ar"})
    assert "رمز التحقق غير صحيح" in text_of(arabic)
    assert "Sign in to your wallet" in text_of(customer.open(url))


def test_signed_in_page_shows_the_member_and_balance(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    _, url = place(merchant, totalAmount=aed("1.00"))
    customer = shopper()
    response = customer.sign_in(url, 4)
    assert response.status_code == 303
    page = customer.follow(response)
    text = text_of(page)
    assert "Test Wallet 4" in text
    assert re.search(r"Balance AED [\d,]+\.\d\d", text), text
    assert 'action="/pay-page/pay"' in page.text
    assert "Wallet balance" in text
    assert "Card" in text
    assert re.search(r'<select id="outcome" name="outcome">', page.text)
    assert "optional below AED 500" in text
    # sign out again
    out = customer.post("/pay-page/sign-out", url, {})
    assert out.status_code == 303
    assert "Sign in to your wallet" in text_of(customer.follow(out))


def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, totalAmount=aed("1.00"))
    customer = shopper()
    customer.open(url)  # gets the bp_csrf cookie
    for token in (None, "x" * 32):
        refused = customer.post("/pay-page/sign-in", url, {"phone": phone(4), "otp": OTP}, token)
        assert refused.status_code == 403
        assert "bp_session" not in refused.headers.get("set-cookie", "")
    # a stranger's browser without the cookie cannot reuse someone's token either
    token = customer.csrf(url)
    stranger = shopper()
    forged = stranger.post("/pay-page/sign-in", url, {"phone": phone(4), "otp": OTP}, token)
    assert forged.status_code == 403

    customer.signed_in(url, 4)
    for bad in (None, "y" * 32, token):  # token: the pre-sign-in one is no longer valid
        refused = customer.post("/pay-page/pay", url, {"method": "BALANCE"}, bad)
        assert refused.status_code == 403
        assert "Request refused" in text_of(refused)
    assert order_status(merchant, order)["status"] == "CREATED"
    # without a session there is nothing to pay with
    nobody = shopper()
    refused = nobody.post("/pay-page/pay", url, {"method": "BALANCE"}, "z" * 32)
    assert refused.status_code == 403
    assert order_status(merchant, order)["status"] == "CREATED"


def test_security_headers_and_cookies(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    _, url = place(merchant)
    customer = shopper()
    page = customer.open(url)
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'self'" in csp
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text)  # no inline event handlers
    assert "<script>" not in page.text
    csrf_cookie = page.headers["set-cookie"]
    assert csrf_cookie.startswith("bp_csrf=")
    assert "HttpOnly" in csrf_cookie
    assert "SameSite=lax" in csrf_cookie.replace("Lax", "lax")
    signed = customer.sign_in(url, 4)
    session_cookie = signed.headers["set-cookie"]
    assert session_cookie.startswith("bp_session=")
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    assert 'method="post"' in customer.open(url).text


# --- paying --------------------------------------------------------------------------------


def test_pay_small_order_from_balance_without_password(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, subject="Coffee", totalAmount=aed("3.25"))
    customer = shopper().signed_in(url, 4)
    csrf = customer.csrf(url)
    response = customer.pay(url)
    assert response.status_code == 303
    assert "/pay-page/result" in response.headers["location"]
    result = customer.follow(response)
    text = text_of(result)
    assert "Payment successful" in text
    assert "AED 3.25" in text
    assert order["orderNo"] in text
    assert f"Shop {merchant.partner_id}" in text
    assert 'data-checkout-result="PAYMENT_SUCCESS"' in result.text
    assert f'data-order-no="{order["orderNo"]}"' in result.text
    assert 'src="/static/checkout-bridge.js"' in result.text
    seen = order_status(merchant, order)
    assert seen["status"] == "PAID_SUCCESS"
    assert seen["paymentInfo"]["payerMid"] == member_id(4)
    status = customer.http.get("/pay-page/status", params={"ft": Shopper.link_params(url)["ft"]})
    assert status.json() == {"status": "PAID_SUCCESS", "orderNo": order["orderNo"]}
    # the page now says so instead of offering the forms; paying again is refused
    again = customer.open(url)
    assert "This order has already been paid" in text_of(again)
    assert 'action="/pay-page/pay"' not in again.text
    twice = customer.post("/pay-page/pay", url, {"method": "BALANCE"}, csrf)
    assert twice.status_code == 409
    assert "already been paid" in text_of(twice)


def test_password_rules_for_500_or_more(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    order, url = place(merchant, totalAmount=aed("500.00"))
    customer = shopper().signed_in(url, 5)
    page = customer.open(url)
    assert "required for AED 500 or more" in text_of(page)
    assert re.search(r'name="password"[^>]*required', page.text)
    missing = customer.pay(url)
    assert missing.status_code == 409
    assert "Payments of AED 500 or more need your payment password" in text_of(missing)
    wrong = customer.pay(url, password="000000")
    assert wrong.status_code == 409
    assert "Wrong payment password. 4 attempts left." in text_of(wrong)
    assert order_status(merchant, order)["status"] == "CREATED"
    paid = customer.pay(url, password=PASSWORD)
    assert "Payment successful" in text_of(customer.follow(paid))
    assert order_status(merchant, order)["paymentInfo"]["payerMid"] == member_id(5)


def test_five_wrong_passwords_lock_the_wallet(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway()
    merchant = gateway.add_merchant()
    order, url = place(merchant, totalAmount=aed("600"))
    customer = Shopper(gateway).signed_in(url, 4)
    for left in (4, 3, 2, 1):
        wrong = customer.pay(url, password="111111")
        assert f"{left} attempts left" in text_of(wrong)
    locked = customer.pay(url, password="111111")
    assert locked.status_code == 409
    assert "Too many wrong payment passwords. Try again in 30 minutes." in text_of(locked)
    right = customer.pay(url, password=PASSWORD)  # even the right one waits now
    assert "Too many wrong payment passwords" in text_of(right)
    page = customer.open(url)
    assert "Too many wrong payment passwords" in text_of(page)
    assert 'action="/pay-page/pay"' not in page.text
    arabic = customer.open(url, lang="ar")
    assert "حاول مرة أخرى بعد 30 دقيقة" in text_of(arabic)
    assert order_status(merchant, order)["status"] == "CREATED"


def test_insufficient_balance_can_be_retried(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, totalAmount=aed("20000"))
    customer = shopper().signed_in(url, 6)
    failed = customer.pay(url, password=PASSWORD)
    assert failed.status_code == 409
    text = text_of(failed)
    assert re.search(r"Your balance of AED [\d.]+ is not enough for AED 20000.00", text), text
    assert 'action="/pay-page/pay"' in failed.text  # still payable: retry right here
    close = re.search(r'href="([^"]*result=PAYMENT_FAILED[^"]*)"', failed.text)
    assert close, failed.text
    gave_up = customer.http.get(unescape(close[1]))
    assert "Payment failed" in text_of(gave_up)
    assert 'data-checkout-result="PAYMENT_FAILED"' in gave_up.text
    assert "Try again" in text_of(gave_up)
    assert order_status(merchant, order)["status"] == "CREATED"


def test_expired_order(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    rt = now_ms()
    response = merchant.call(
        "acquire2/placeOrder", jsapi_order(expiredTime=rt + 1500), request_time=rt
    ).assert_ok()
    assert response.body is not None
    url = response.body["interActionParams"]["tokenUrl"]
    customer = shopper().signed_in(url, 4)
    time.sleep(max(0.0, (rt + 2000 - now_ms()) / 1000))
    page = customer.open(url)
    assert page.status_code == 200
    assert "This order has expired" in text_of(page)
    assert 'action="/pay-page/pay"' not in page.text
    assert "Closed" in text_of(page)
    refused = customer.pay(url)
    assert refused.status_code == 409
    assert "expired" in text_of(refused)
    assert "انتهت صلاحية هذا الطلب" in text_of(customer.open(url, lang="ar"))
    assert order_status(merchant, response.order)["failCode"] == "ORDER_EXPIRED"


def test_cancelled_order(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    order, url = place(merchant)
    merchant.call("acquire2/cancelOrder", {"orderNo": order["orderNo"]}).assert_ok()
    page = shopper().open(url)
    assert page.status_code == 200
    assert "The merchant cancelled this order" in text_of(page)
    assert "Sign in to your wallet" not in text_of(page)


def test_customer_cancel_leaves_the_order_unpaid(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant)
    customer = shopper()
    cancel = re.search(r'href="([^"]*result=CANCELLED[^"]*)"', customer.open(url).text)
    assert cancel
    result = customer.http.get(unescape(cancel[1]))
    assert result.status_code == 200
    assert "You left the payment" in text_of(result)
    assert 'data-checkout-result="CANCELLED"' in result.text
    assert order_status(merchant, order)["status"] == "CREATED"


def test_jsapi_payer_mid_must_be_the_payer(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, paySceneParams={"payerMid": member_id(6)})
    customer = shopper().signed_in(url, 7)
    page = customer.open(url)
    assert "This order is reserved for another customer" in text_of(page)
    refused = customer.pay(url)
    assert refused.status_code == 409
    assert "reserved for another customer" in text_of(refused)
    assert order_status(merchant, order)["status"] == "CREATED"
    owner = shopper().signed_in(url, 6)
    assert "Payment successful" in text_of(owner.follow(owner.pay(url)))


def test_dynqr_change_payer_binds_the_first_scanner(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, paySceneCode="DYNQR", paySceneParams={}, totalAmount=aed("500"))
    first = shopper().signed_in(url, 4)
    no_password = first.pay(url)  # fails, but binds wallet 4 to the order
    assert "need your payment password" in text_of(no_password)
    second = shopper().signed_in(url, 5)
    refused = second.pay(url, password=PASSWORD)
    assert refused.status_code == 409
    assert "Another customer has already scanned this order" in text_of(refused)
    assert "Another customer has already scanned" in text_of(second.open(url))
    paid = first.pay(url, password=PASSWORD)
    assert "Payment successful" in text_of(first.follow(paid))
    assert order_status(merchant, order)["paymentInfo"]["payerMid"] == member_id(4)


def test_eid_must_match_the_payer(merchant: Merchant, shopper: Callable[[], Shopper]) -> None:
    order, url = place(
        merchant,
        paySceneCode="DYNQR",
        paySceneParams={"eid": eid_of(5), "changePayer": "false"},
    )
    other = shopper().signed_in(url, 4)
    refused = other.pay(url)
    assert refused.status_code == 409
    assert "Your Emirates ID does not match" in text_of(refused)
    owner = shopper().signed_in(url, 5)
    assert "Payment successful" in text_of(owner.follow(owner.pay(url)))
    assert order_status(merchant, order)["paymentInfo"]["payerMid"] == member_id(5)


def test_one_time_payment_card_failure_is_final(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant, paySceneParams={"oneTimePayment": "true"})
    customer = shopper().signed_in(url, 7)
    response = customer.pay(url, **card("FAILURE"))
    result = customer.follow(response)
    text = text_of(result)
    assert "Payment failed" in text
    assert "The card was declined" in text
    assert "This order can no longer be paid" in text
    assert "one payment attempt only" in text
    assert "Try again" not in text
    assert 'data-checkout-result="PAYMENT_FAILED"' in result.text
    seen = order_status(merchant, order)
    assert (seen["status"], seen["failCode"]) == ("FAILURE", "PAYMENT_FAILED")
    assert "This order can no longer be paid" in text_of(customer.open(url))


def test_card_failure_on_a_normal_order_can_be_retried(
    merchant: Merchant, shopper: Callable[[], Shopper]
) -> None:
    order, url = place(merchant)
    customer = shopper().signed_in(url, 7)
    failed = customer.pay(url, **card("FAILURE"))
    assert failed.status_code == 409
    assert "The card was declined" in text_of(failed)
    assert 'action="/pay-page/pay"' in failed.text
    bad_card = customer.pay(url, **(card("SUCCESS") | {"card_cvv": "999"}))
    assert "Use the sandbox test card" in text_of(bad_card)
    assert order_status(merchant, order)["status"] == "CREATED"
    paid = customer.pay(url, **card("SUCCESS"))
    assert "Payment successful" in text_of(customer.follow(paid))
    seen = order_status(merchant, order)
    assert seen["status"] == "PAID_SUCCESS"
    assert seen["paymentInfo"]["payerMid"] == member_id(7)


def test_pending_card_payment_is_confirmed_later(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway()  # moves business time: not on the shared gateway
    merchant = gateway.add_merchant()
    order, url = place(merchant)
    customer = Shopper(gateway).signed_in(url, 6)
    pending = customer.follow(customer.pay(url, **card("PENDING")))
    assert pending.status_code == 200
    assert "Confirming your payment" in text_of(pending)
    assert 'http-equiv="refresh"' in pending.text
    assert "data-status-url=" in pending.text
    assert 'data-checkout-result=""' in pending.text
    ft = Shopper.link_params(url)["ft"]
    assert customer.http.get("/pay-page/status", params={"ft": ft}).json()["status"] == "CREATED"
    again = customer.pay(url)
    assert "still being confirmed" in text_of(again)
    advanced = httpx.post(gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": 10})
    assert advanced.status_code == 200
    assert customer.http.get("/pay-page/status", params={"ft": ft}).json() == {
        "status": "PAID_SUCCESS",
        "orderNo": order["orderNo"],
    }
    done = customer.result(url, "PENDING")
    assert "Payment successful" in text_of(done)
    assert 'data-checkout-result="PAYMENT_SUCCESS"' in done.text
    seen = order_status(merchant, order)
    assert seen["status"] == "PAID_SUCCESS"
    assert seen["paymentInfo"]["payerMid"] == member_id(6)
    assert seen["paymentInfo"]["payChannel"] == "CARD"
