"""What a production gateway serves, over HTTP: the merchant API, health and the checkout
for card payments; not the BOTIM app shell, the demo shop, the sandbox API, wallet
sign-in, nor (unless asked) the API docs and metrics. Sandbox keeps them all."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.harness import Gateway
from tests.notify.receiver import Receiver

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TEST_CARD = {"card_number": "5123 4500 0000 0008", "card_expiry": "05/31", "card_cvv": "100"}
SANDBOX_ONLY = [
    ("GET", "/app"),
    ("POST", "/app/api/sign-in"),
    ("GET", "/app/api/wallet"),
    ("POST", "/app/api/scan"),
    ("GET", "/demo/shop"),
    ("POST", "/demo/shop/api/checkout"),
    ("POST", "/sandbox/api/pay"),
    ("POST", "/sandbox/api/clock/advance"),
]
DOCS = ["/docs", "/openapi.json", "/_swagger/swagger-ui.css", "/_swagger/swagger-ui-bundle.js"]


def text_of(response: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def get(gateway: Gateway, path: str, **headers: str) -> httpx.Response:
    return httpx.get(gateway.base_url + path, headers=headers, timeout=30)


def metrics_with(gateway: Gateway, authorization: str | None) -> int:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return get(gateway, "/metrics", **headers).status_code


@pytest.fixture
def production(fresh_gateway: Callable[..., Gateway]) -> Gateway:
    # the harness's default notifyUrl is on loopback, which production refuses unless allowed
    return fresh_gateway("--mode", "production", "--notify-allow-cidr", "127.0.0.0/8")


def test_production_serves_no_sandbox_pages_docs_or_metrics(production: Gateway) -> None:
    for method, path in SANDBOX_ONLY:
        response = httpx.request(method, production.base_url + path, timeout=30)
        assert response.status_code == 404, (method, path, response.status_code)
    for path in DOCS:
        assert get(production, path).status_code == 404, path
    assert metrics_with(production, None) == 404
    assert metrics_with(production, "Bearer anything") == 404
    health = get(production, "/healthz").json()
    assert (health["status"], health["mode"]) == ("ok", "production")


def test_metrics_token_and_docs_flag_in_production(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway("--mode", "production", "--metrics-token", "s3cret-t0ken", "--docs")
    assert metrics_with(gateway, None) == 401
    assert metrics_with(gateway, "Bearer wrong") == 401
    assert metrics_with(gateway, "Bearer s3cret-t0ken-and-more") == 401
    assert metrics_with(gateway, "Basic s3cret-t0ken") == 401
    assert metrics_with(gateway, "s3cret-t0ken") == 401
    scraped = get(gateway, "/metrics", Authorization="Bearer s3cret-t0ken")
    assert scraped.status_code == 200
    assert "# TYPE" in scraped.text
    for path in DOCS:
        assert get(gateway, path).status_code == 200, path


def test_sandbox_metrics_are_public_unless_a_token_is_set(
    gateway: Gateway, fresh_gateway: Callable[..., Gateway]
) -> None:
    assert metrics_with(gateway, None) == 200
    assert get(gateway, "/docs").status_code == 200
    guarded = fresh_gateway("--no-docs", "--metrics-token", "tok-123456")
    assert metrics_with(guarded, None) == 401
    assert metrics_with(guarded, "Bearer tok-123456") == 200
    for path in DOCS:
        assert get(guarded, path).status_code == 404, path
    assert get(guarded, "/app").status_code == 200  # the rest of the sandbox stays


def test_production_checkout_takes_cards_only_and_a_card_payment_completes(
    production: Gateway,
) -> None:
    merchant = production.add_merchant()
    notify = Receiver()
    placed = merchant.place_order(
        totalAmount={"amount": Decimal("612.50"), "currency": "AED"}, notifyUrl=notify.url
    )
    placed.assert_ok()
    assert placed.body is not None
    token_url = placed.body["interActionParams"]["tokenUrl"]
    link = {k: v[0] for k, v in parse_qs(urlparse(token_url).query).items()}
    browser = httpx.Client(base_url=production.base_url, timeout=30)

    page = browser.get("/pay-page/main", params=link)
    assert page.status_code == 200
    text = text_of(page)
    for absent in ('action="/pay-page/sign-in"', 'name="phone"', 'name="otp"',
                   'value="BALANCE"', 'name="password"', 'name="outcome"'):
        assert absent not in page.text, absent
    for words in ("Sign in to your wallet", "Sandbox", "Wallet balance", "test card"):
        assert words not in text, words
    assert 'action="/pay-page/pay"' in page.text
    assert 'name="card_number"' in page.text
    found = CSRF.search(page.text)
    assert found
    csrf = found[1]

    sign_in = browser.post(
        "/pay-page/sign-in",
        data=link | {"csrf_token": csrf, "phone": "+971 56 000 0004", "otp": "123456"},
    )
    assert sign_in.status_code == 404
    by_balance = browser.post(
        "/pay-page/pay", data=link | {"csrf_token": csrf, "method": "BALANCE"}
    )
    assert by_balance.status_code == 400
    no_csrf = browser.post("/pay-page/pay", data=link | {"method": "CARD"} | TEST_CARD)
    assert no_csrf.status_code == 403
    wrong_card = browser.post(
        "/pay-page/pay",
        data=link | {"csrf_token": csrf, "method": "CARD"} | TEST_CARD | {"card_cvv": "999"},
    )
    assert wrong_card.status_code == 409
    assert "The card was not accepted" in text_of(wrong_card)
    assert "5123" not in wrong_card.text  # production does not name the test card
    assert 'name="card_number"' in wrong_card.text  # the form again, with the message
    assert merchant.call("acquire2/getOrder", {"orderNo": placed.order["orderNo"]}).assert_ok(
    ).order["status"] == "CREATED"

    paid = browser.post(
        "/pay-page/pay",
        data=link | {"csrf_token": csrf, "method": "CARD", "outcome": "FAILURE"} | TEST_CARD,
    )
    assert paid.status_code == 303, text_of(paid)
    result = browser.get(paid.headers["location"])
    assert "Payment successful" in text_of(result)
    order = merchant.call("acquire2/getOrder", {"orderNo": placed.order["orderNo"]}).assert_ok()
    assert order.order["status"] == "PAID_SUCCESS"
    assert order.order["paymentInfo"]["payChannel"] == "CARD"
    assert "payerMid" not in order.order["paymentInfo"]  # a card, not a wallet, paid
    again = browser.get("/pay-page/main", params=link)
    assert "already been paid" in text_of(again)
    notified = notify.wait_for(1)[0].json()["acquireOrder"]
    assert (notified["status"], notified["paymentInfo"]["payChannel"]) == ("PAID_SUCCESS", "CARD")
    notify.close()
    balances = production.ledger_balances()
    assert balances[("CARD_CLEARING", "GATEWAY")] == Decimal("-612.50")
    assert balances[("MERCHANT_PENDING", merchant.partner_id)] > Decimal("600")


def test_production_orders_naming_a_wallet_cannot_be_paid_by_card(production: Gateway) -> None:
    merchant = production.add_merchant()
    # production holds no wallet members: a JSAPI payerMid names none (62018)
    unknown = merchant.place_order(paySceneParams={"payerMid": "100000000004"})
    assert (unknown.apply_status, unknown.code) == ("SUCCESS", "62018"), unknown.json
    # a DYNQR order asking for an Emirates ID names its payer too
    eid = hashlib.sha256(b"784-1990-1234567-1").hexdigest()
    reserved = merchant.place_order(paySceneCode="DYNQR", paySceneParams={"eid": eid}).assert_ok()
    assert reserved.body is not None
    link = parse_qs(urlparse(reserved.body["interActionParams"]["tokenUrl"]).query)
    page = get(production, "/pay-page/main?" + "&".join(f"{k}={v[0]}" for k, v in link.items()))
    assert page.status_code == 200
    assert "can only be paid from the customer's Botim wallet" in text_of(page)
    assert 'action="/pay-page/pay"' not in page.text
