"""The example shop end to end: a gateway with its notification dispatcher, the shop as its
own process, a customer buying through the shop's pages and paying as a test wallet, the
signed notification marking the order paid once even when it is delivered three times."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from botimpay_sdk import Client, Money, OrderStatus

from tests.api.test_order_payer import app_shell_scan
from tests.harness import Gateway
from tests.sdk.conftest import SdkMerchant, sandbox_pay, write_pems
from tests.sdk.shop_process import (
    DESKTOP,
    MOBILE,
    ShopProcess,
    start_shop,
    token_url_of,
    wait_for,
)


@pytest.fixture
def shop_gateway(fresh_gateway: Callable[..., Gateway]) -> Gateway:
    """A gateway of its own whose dispatcher looks for due notifications every 100 ms."""
    return fresh_gateway("--dispatch-interval-ms", "100")


@pytest.fixture
def shop_merchant(shop_gateway: Gateway, tmp_path: Path) -> SdkMerchant:
    return write_pems(shop_gateway.add_merchant(), tmp_path / "shop-keys")


@pytest.fixture
def shop(
    shop_gateway: Gateway, shop_merchant: SdkMerchant, tmp_path: Path
) -> Iterator[ShopProcess]:
    process = start_shop(
        tmp_path,
        "--gateway-url", shop_gateway.base_url,
        "--partner-id", shop_merchant.partner_id,
        "--private-key", str(shop_merchant.private_key_path),
        "--gateway-public-key", str(shop_merchant.gateway_public_key_path),
        "--db", str(tmp_path / "shop.db"),
    )
    try:
        yield process
    finally:
        process.stop()
        print(process.log.read_text())  # shown by pytest when the test failed


@pytest.fixture
def merchant_client(shop_gateway: Gateway, shop_merchant: SdkMerchant) -> Iterator[Client]:
    """The shop's merchant seen by the test through the SDK (to check the gateway's side)."""
    with Client(partner_id=shop_merchant.partner_id,
                private_key=shop_merchant.private_key_path,
                gateway_public_key=shop_merchant.gateway_public_key_path,
                base_url=shop_gateway.base_url + "/sgs/api") as client:
        yield client


def buy(shop: ShopProcess, user_agent: str, product: str, quantity: int) -> tuple[str, str]:
    """Product page -> checkout form -> order page; returns (merchantOrderNo, page HTML)."""
    with httpx.Client(base_url=shop.url, headers={"User-Agent": user_agent},
                      timeout=30) as browser:
        index = browser.get("/")
        assert index.status_code == 200
        assert f'name="product" value="{product}"' in index.text
        assert "width=device-width" in index.text  # a page made for phones
        checkout = browser.post("/checkout", data={"product": product, "quantity": str(quantity)})
        assert checkout.status_code == 303, checkout.text
        location = checkout.headers["location"]
        assert location.startswith("/orders/SHOP-")
        page = browser.get(location)
        assert page.status_code == 200
        return location.removeprefix("/orders/"), page.text


def payment_notifications(gateway: Gateway, order_no: str) -> list[dict[str, Any]]:
    listed = json.loads(gateway.cli("notify", "list", "--json", "--order", order_no).stdout)
    return [n for n in listed if n["kind"] == "PAYMENT"]


def test_buy_in_the_shop_pay_and_get_the_notification_once(
    shop: ShopProcess, shop_gateway: Gateway, merchant_client: Client
) -> None:
    merchant_order_no, page = buy(shop, MOBILE, "dates", 2)
    assert "Waiting for payment" in page
    token_url = token_url_of(page)
    assert token_url.startswith(shop_gateway.base_url + "/pay-page/main?ft=")
    assert f"{shop_gateway.base_url}/static/botimpay-jsapi.js" in page  # the JS API is used

    # What the shop's server placed: a JSAPI order at the catalogue price, notify URL set.
    placed = merchant_client.get_order(merchant_order_no)
    assert placed.status == OrderStatus.CREATED
    assert placed.pay_scene_code == "JSAPI"
    assert placed.total_amount == Money.aed("128.00")
    assert placed.notify_url == shop.url + "/botim/notify"
    assert shop.status(merchant_order_no)["status"] == "CREATED"

    sandbox_pay(shop_gateway, token_url=token_url)

    paid = wait_for("the shop to mark the order paid", lambda: (
        status if (status := shop.status(merchant_order_no))["status"] == "PAID_SUCCESS" else None
    ))
    (note,) = paid["notifications"]
    assert paid["confirmedBy"] == f"notification {note['notifyId']}"
    assert (note["outcome"], note["deliveries"]) == ("applied", 1)
    assert Decimal(paid["amount"]) == Decimal("128.00")
    order_page = httpx.get(f"{shop.url}/orders/{merchant_order_no}", timeout=10).text
    assert "Paid. Thank you!" in order_page
    assert f"Confirmed by notification {note['notifyId']}" in order_page

    (sent,) = payment_notifications(shop_gateway, placed.order_no)
    assert sent["notifyId"] == note["notifyId"]
    assert sent["status"] == "DELIVERED"

    # The same notification twice more: acknowledged each time, applied once.
    for deliveries in (2, 3):
        shop_gateway.cli("notify", "resend", note["notifyId"])
        wait_for(f"delivery {deliveries}", lambda n=deliveries: (
            True if shop.status(merchant_order_no)["notifications"][0]["deliveries"] == n
            else None
        ))
    final = shop.status(merchant_order_no)
    assert final["status"] == "PAID_SUCCESS"
    assert [(e["status"], e["source"]) for e in final["events"]] == [
        ("CREATED", "placeOrder"),
        ("PAID_SUCCESS", f"notification {note['notifyId']}"),
    ]
    assert final["notifications"][0]["outcome"] == "applied"

    def three_acknowledged() -> dict[str, Any] | None:
        (again,) = payment_notifications(shop_gateway, placed.order_no)
        return again if len(again["history"]) == 3 and again["status"] == "DELIVERED" else None

    again = wait_for("the gateway to record three acknowledged deliveries", three_acknowledged)
    assert [a["outcome"] for a in again["history"]] == ["SUCCESS"] * 3
    assert "delivered 3×" in httpx.get(f"{shop.url}/orders/{merchant_order_no}", timeout=10).text


def test_desktop_checkout_shows_a_dynqr_code_and_gets_paid(
    shop: ShopProcess, shop_gateway: Gateway, merchant_client: Client
) -> None:
    merchant_order_no, page = buy(shop, DESKTOP, "karak", 1)
    assert "<svg" in page
    assert "Scan with Botim Money" in page
    placed = merchant_client.get_order(merchant_order_no)
    assert placed.pay_scene_code == "DYNQR"
    assert placed.total_amount == Money.aed("29.50")

    # The cashier screen learns who scanned the QR before the payment (getCashierUrlInfo).
    assert shop.status(merchant_order_no)["scannedBy"] is None
    app_shell_scan(shop_gateway, 1, token_url_of(page))
    assert shop.status(merchant_order_no)["scannedBy"] == "+971-56*01"
    order_page = httpx.get(f"{shop.url}/orders/{merchant_order_no}", timeout=10).text
    assert "Scanned by +971-56*01: waiting for the payment" in order_page

    sandbox_pay(shop_gateway, token_url=token_url_of(page))
    paid = wait_for("the shop to mark the order paid", lambda: (
        status if (status := shop.status(merchant_order_no))["status"] == "PAID_SUCCESS" else None
    ))
    assert paid["confirmedBy"].startswith("notification ")
    assert merchant_client.get_order(merchant_order_no).is_paid
