"""Fixtures of the fuzz suite: its own merchant on the session gateway, a few real
orders and refunds to aim at, the checking client, and a health check after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.fuzz.client import Fuzzer
from tests.fuzz.operations import Seeds
from tests.harness import Gateway, Merchant, order_no

PAY_PASSWORD = "132580"
WALLET_PHONE = "+971 56 000 0009"  # the shared gateway's wallet for small amounts


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fuzz_merchant(gateway: Gateway) -> Merchant:
    """A merchant of its own, so the fuzz orders and rate budget are nobody else's."""
    return gateway.add_merchant()


@pytest.fixture(scope="session")
def fuzzer(gateway: Gateway, fuzz_merchant: Merchant) -> Fuzzer:
    return Fuzzer(gateway, fuzz_merchant)


def _money(amount: str) -> dict[str, Any]:
    return {"amount": Decimal(amount), "currency": "AED"}


@pytest.fixture(scope="session")
def seeds(gateway: Gateway, fuzz_merchant: Merchant) -> Seeds:
    """Unpaid JSAPI and DYNQR orders, paid orders and one refund of the fuzz merchant."""
    merchant_order_nos: list[str] = []
    order_nos: list[str] = []
    token_urls: list[str] = []

    def place(amount: str, **overrides: Any) -> dict[str, Any]:
        response = fuzz_merchant.place_order(totalAmount=_money(amount), **overrides).assert_ok()
        assert response.body is not None
        merchant_order_nos.append(response.order["merchantOrderNo"])
        order_nos.append(response.order["orderNo"])
        token = response.body.get("interActionParams", {}).get("tokenUrl")
        if token:
            token_urls.append(token)
        return response.order

    for _ in range(3):
        place("20.00")
    place("20.00", paySceneCode="DYNQR")
    paid = [place("50.00")["orderNo"] for _ in range(3)]
    for number in paid:
        answer = httpx.post(
            gateway.base_url + "/sandbox/api/pay",
            json={"orderNo": number, "phone": WALLET_PHONE, "paymentPassword": PAY_PASSWORD},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == "SUCCESS", answer.text
    refund_no = order_no()
    refund = fuzz_merchant.call(
        "acquire2/refund/placeOrder",
        {"refundMerchantOrderNo": refund_no, "originOrderNo": paid[0], "amount": _money("1.00")},
    ).assert_ok()
    assert refund.body is not None
    return Seeds(
        merchant_order_nos=tuple(merchant_order_nos),
        order_nos=tuple(order_nos),
        refund_merchant_order_nos=(refund_no,),
        refund_order_nos=(refund.body["refundOrder"]["orderNo"],),
        token_urls=tuple(token_urls),
    )


@pytest.fixture(autouse=True)
def _server_stays_up(fuzzer: Fuzzer) -> Iterator[None]:
    """Every test (one batch of examples) leaves the gateway up and healthy."""
    yield
    fuzzer.assert_alive()
