"""Payment tests over HTTP and the CLI; the helpers both payment modules share.

Amounts are read with `Decimal` (never float) so every fils is checked exactly.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from tests.harness import Gateway, Merchant, jsapi_order

PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"
PASSWORD = "132580"
FEE_RATE = Decimal("0.003")
OPENING = Decimal("10000.00")
CARD_CLEARING = ("CARD_CLEARING", "GATEWAY")
FEE_INCOME = ("FEE_INCOME", "GATEWAY")


def phone(index: int) -> str:
    return f"+97156000000{index}"


def member(index: int) -> str:
    return f"10000000000{index}"


def wallet(index: int) -> tuple[str, str]:
    return ("MEMBER_WALLET", member(index))


def decode(raw: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(raw, parse_float=Decimal)
    return loaded


def money(amount: str | Decimal) -> dict[str, Any]:
    return {"amount": Decimal(amount), "currency": "AED"}


def fee_of(amount: str) -> Decimal:
    """The payee fee computed independently: 0.3 % half-up to the fils."""
    return (Decimal(amount) * FEE_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pending(merchant: Merchant) -> tuple[str, str]:
    return ("MERCHANT_PENDING", merchant.partner_id)


def available(merchant: Merchant) -> tuple[str, str]:
    return ("MERCHANT_AVAILABLE", merchant.partner_id)


# The sandbox test card 5123 4500 0000 0008 as paymentInfo.cardInfo shows it: masked to
# its BIN and last four digits, with the fields of retrieve-order-detail.mdx's sample.
TEST_CARD_INFO = {
    "brand": "MASTERCARD",
    "first6": "512345",
    "last4": "0008",
    "cardType": "CREDIT",
    "cardLevel": "STANDARD",
    "issueCountry": "AE",
    "issueBank": "Botimpay Test Bank",
}


def payment_info(amount: str, payer: int, channel: str, paid_time: int) -> dict[str, Any]:
    """getOrder's paymentInfo for `amount` paid by test wallet `payer` at the fee rate;
    a CARD payment shows the test card."""
    fee = fee_of(amount)
    info = {
        "paidAmount": money(amount),
        "paidTime": paid_time,
        "payerMid": member(payer),
        "payChannel": channel,
        "payerFeeAmount": money("0"),
        "payeeFeeAmount": money(fee),
        "settlementAmount": money(Decimal(amount) - fee),
    }
    return info | ({"cardInfo": TEST_CARD_INFO} if channel == "CARD" else {})


@dataclass
class Answer:
    """One answer of a /sandbox/api endpoint."""

    status_code: int
    json: dict[str, Any]

    @property
    def result(self) -> str:
        return str(self.json["result"])

    @property
    def reason(self) -> str | None:
        return self.json.get("reason")

    @property
    def order(self) -> dict[str, Any]:
        return dict(self.json["acquireOrder"])

    def succeeded(self) -> Answer:
        assert (self.status_code, self.result) == (200, "SUCCESS"), self.json
        assert self.reason is None, self.json
        assert self.order["status"] == "PAID_SUCCESS", self.json
        return self

    def failed(self, reason: str) -> Answer:
        assert (self.status_code, self.result, self.reason) == (200, "FAILED", reason), self.json
        return self

    def refused(self, reason: str) -> Answer:
        assert (self.status_code, self.result, self.reason) == (409, "ERROR", reason), self.json
        assert "acquireOrder" not in self.json, self.json
        return self


def pay(
    gateway: Gateway,
    order_no: str | None = None,
    *,
    wallet: int,
    password: str | None = None,
    method: str = "BALANCE",
    outcome: str = "SUCCESS",
    token_url: str | None = None,
    client: httpx.Client | None = None,
) -> Answer:
    """POST /sandbox/api/pay as test wallet `wallet` (by orderNo or tokenUrl)."""
    body: dict[str, Any] = {"phone": phone(wallet), "method": method, "outcome": outcome}
    if order_no is not None:
        body["orderNo"] = order_no
    if token_url is not None:
        body["tokenUrl"] = token_url
    if password is not None:
        body["paymentPassword"] = password
    http = client or httpx.Client(timeout=60)
    try:
        response = http.post(gateway.base_url + "/sandbox/api/pay", json=body)
    finally:
        if client is None:
            http.close()
    assert response.status_code in (200, 409), (response.status_code, response.text)
    return Answer(response.status_code, decode(response.content))


def sandbox_post(gateway: Gateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(gateway.base_url + "/sandbox/api/" + path, json=body, timeout=60)
    assert response.status_code == 200, response.text
    return decode(response.content)


def advance_clock(gateway: Gateway, seconds: int) -> dict[str, Any]:
    """Moves business time forward; the answer says what expired, confirmed, settled."""
    return sandbox_post(gateway, "clock/advance", {"seconds": seconds})


def settle_now(gateway: Gateway) -> int:
    return int(sandbox_post(gateway, "settle", {})["settled"])


def place(
    merchant: Merchant, amount: str = "12.34", scene: str = "JSAPI", **params: Any
) -> dict[str, Any]:
    """Places an order; returns its acquireOrder with the tokenUrl added."""
    biz = jsapi_order(totalAmount=money(amount), paySceneCode=scene, paySceneParams=params)
    body = decode(merchant.call(PLACE, biz).assert_ok().raw)["body"]
    return {**body["acquireOrder"], "tokenUrl": body["interActionParams"]["tokenUrl"]}


def get_order(merchant: Merchant, order_no: str) -> dict[str, Any]:
    body = decode(merchant.call(GET, {"orderNo": order_no}).assert_ok().raw)["body"]
    order: dict[str, Any] = body["acquireOrder"]
    return order


def balances(gateway: Gateway) -> dict[tuple[str, str], Decimal]:
    """Every account's balance: (account kind, owner) → AED."""
    found = gateway.ledger_balances()
    assert wallet(0) in found, found
    return found


def changes(
    before: dict[tuple[str, str], Decimal], after: dict[tuple[str, str], Decimal]
) -> dict[tuple[str, str], Decimal]:
    """The accounts whose balance moved, with the signed change."""
    moved = {k: after.get(k, Decimal(0)) - before.get(k, Decimal(0)) for k in {*before, *after}}
    return {k: v for k, v in moved.items() if v != 0}


def tamper(gateway: Gateway, statement: str) -> None:
    """Changes the database behind the gateway's back (to prove `ledger check` notices)."""
    if gateway.db_url.startswith("sqlite:///"):
        with sqlite3.connect(gateway.db_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
        return

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(gateway.db_url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


def assert_ledger_ok(gateway: Gateway) -> str:
    """`botimpay ledger check` exits 0 and says so."""
    result = gateway.cli("ledger", "check", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ledger OK" in result.stdout, result.stdout
    return result.stdout
