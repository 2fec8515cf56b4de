"""Refund and revoke tests over HTTP and the CLI; the helpers the refund modules share.

Amounts are read as `Decimal` (never float) so every fils is checked exactly.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import httpx

from tests.harness import ApiResponse, Gateway, Merchant, jsapi_order, order_no

PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"
REVOKE = "acquire2/revokeOrder"
REFUND = "acquire2/refund/placeOrder"
GET_REFUND = "acquire2/refund/getOrder"
PASSWORD = "132580"
FEE_RATE = Decimal("0.003")
CENT = Decimal("0.01")
SHARED_WALLET = 9  # the shared gateway's wallet for small amounts

T = TypeVar("T")


def phone(index: int) -> str:
    return f"+971 56 000 000{index}"


def member(index: int) -> str:
    return f"10000000000{index}"


def decode(raw: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw, parse_float=Decimal)
    return loaded


def money(amount: str | Decimal) -> dict[str, Any]:
    return {"amount": Decimal(amount), "currency": "AED"}


def aed(wire: dict[str, Any]) -> Decimal:
    """A wire Money as Decimal; the currency must be AED."""
    assert wire["currency"] == "AED", wire
    return Decimal(str(wire["amount"]))


def fee_of(amount: str | Decimal) -> Decimal:
    """The payee fee computed independently: 0.3 % half-up to the fils."""
    return (Decimal(amount) * FEE_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def body_of(response: ApiResponse) -> dict[str, Any]:
    response.assert_ok()
    body: dict[str, Any] = decode(response.raw)["body"]
    return body


def place(merchant: Merchant, amount: str | Decimal, **overrides: Any) -> dict[str, Any]:
    """Places a JSAPI order; returns its acquireOrder."""
    biz = jsapi_order(totalAmount=money(amount), **overrides)
    order: dict[str, Any] = body_of(merchant.call(PLACE, biz))["acquireOrder"]
    return order


def pay(gateway: Gateway, order_no_: str, wallet: int = SHARED_WALLET) -> dict[str, Any]:
    """Pays the order with a test wallet through /sandbox/api/pay; returns the acquireOrder."""
    response = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"orderNo": order_no_, "phone": phone(wallet), "paymentPassword": PASSWORD},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    answer = decode(response.content)
    assert answer["result"] == "SUCCESS", answer
    order: dict[str, Any] = answer["acquireOrder"]
    assert order["status"] == "PAID_SUCCESS", answer
    return order


def paid_order(
    gateway: Gateway, merchant: Merchant, amount: str | Decimal, wallet: int = SHARED_WALLET
) -> dict[str, Any]:
    """A new order of `amount`, paid by `wallet`."""
    return pay(gateway, place(merchant, amount)["orderNo"], wallet)


def settle_all(gateway: Gateway) -> int:
    response = httpx.post(gateway.base_url + "/sandbox/api/settle", json={}, timeout=60)
    assert response.status_code == 200, response.text
    return int(response.json()["settled"])


def settle_one(gateway: Gateway, order_no: str) -> int:
    """Settles that order alone (1 if it was PAID_SUCCESS): other tests' paid orders on
    the shared gateway stay as they are."""
    response = httpx.post(
        gateway.base_url + "/sandbox/api/settle", json={"orderNo": order_no}, timeout=60
    )
    assert response.status_code == 200, response.text
    return int(response.json()["settled"])


def advance(gateway: Gateway, seconds: int) -> None:
    response = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": seconds}, timeout=60
    )
    assert response.status_code == 200, response.text


def refund_biz(
    order: dict[str, Any], amount: str | Decimal, number: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A refund bizContent naming the payment order by its orderNo."""
    biz: dict[str, Any] = {
        "refundMerchantOrderNo": number or "R" + order_no()[1:],
        "originOrderNo": order["orderNo"],
        "amount": money(amount),
    }
    biz.update(extra)
    return biz


def refund(
    merchant: Merchant,
    order: dict[str, Any],
    amount: str | Decimal,
    number: str | None = None,
    **extra: Any,
) -> ApiResponse:
    return merchant.call(REFUND, refund_biz(order, amount, number, **extra))


def refund_ok(
    merchant: Merchant,
    order: dict[str, Any],
    amount: str | Decimal,
    number: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A refund that must succeed; returns the body (refundOrder, refundSummary)."""
    body = body_of(refund(merchant, order, amount, number, **extra))
    assert body["refundOrder"]["status"] == "SUCCESS", body
    assert aed(body["refundOrder"]["amount"]) == Decimal(amount), body
    return body


def get_refund(merchant: Merchant, **ref: str) -> ApiResponse:
    return merchant.call(GET_REFUND, ref)


def get_order(merchant: Merchant, order_no_: str) -> dict[str, Any]:
    order: dict[str, Any] = body_of(merchant.call(GET, {"orderNo": order_no_}))["acquireOrder"]
    return order


def revoke(merchant: Merchant, order_no_: str) -> ApiResponse:
    return merchant.call(REVOKE, {"orderNo": order_no_})


def refused(response: ApiResponse, code: str) -> ApiResponse:
    """A business refusal: SUCCESS/62xxx without a body."""
    assert (response.apply_status, response.code) == ("SUCCESS", code), response.json
    assert response.body is None, response.json
    return response


def invalid(response: ApiResponse, *fields: str) -> ApiResponse:
    """FAIL/400 INVALID_PARAMETER whose message names every field."""
    assert (response.apply_status, response.code) == ("FAIL", "400"), response.json
    assert response.msg.startswith("INVALID_PARAMETER"), response.json
    for name in fields:
        assert name in response.msg, response.json
    return response


def balances(gateway: Gateway) -> dict[tuple[str, str], Decimal]:
    """Every account's balance: (account kind, owner) → AED."""
    found = gateway.ledger_balances()
    assert ("MEMBER_WALLET", member(0)) in found, found
    return found


def wallet_balance(gateway: Gateway, index: int) -> Decimal:
    return balances(gateway)[("MEMBER_WALLET", member(index))]


def assert_ledger_ok(gateway: Gateway) -> str:
    """`botimpay ledger check` exits 0 and says so."""
    result = gateway.cli("ledger", "check", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ledger OK" in result.stdout, result.stdout
    return result.stdout


def own_client(merchant: Merchant) -> Merchant:
    """The same merchant with its own HTTP connection pool (one per thread)."""
    return dataclasses.replace(merchant, http=httpx.Client(timeout=120))


def at_once(merchant: Merchant, calls: list[Callable[[Merchant], T]]) -> list[T]:
    """Runs each call in its own thread with its own client, released by one barrier."""
    barrier = threading.Barrier(len(calls))

    def one(call: Callable[[Merchant], T]) -> T:
        mine = own_client(merchant)
        try:
            mine.http.get(merchant.base_url + "/healthz")  # connection warm before the barrier
            barrier.wait(timeout=60)
            return call(mine)
        finally:
            mine.http.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))
