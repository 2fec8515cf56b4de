"""The example shop in process (httpx's ASGI transport, no gateway): its notify endpoint
verifies, applies once and refuses forgeries; configuration; it imports only the SDK."""

from __future__ import annotations

import ast
import importlib
import sys
import threading
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.harness import dumps, new_key, public_pem, rsa_sign
from tests.sdk.shop_process import SHOP_DIR

ORDER_NO = "1317000000000000000001"


def _shop_module(name: str) -> ModuleType:
    if str(SHOP_DIR) not in sys.path:
        sys.path.insert(0, str(SHOP_DIR))
    return importlib.import_module(name)


class FakeGateway:
    """Stands in for the gateway: signs notifications with its key."""

    def __init__(self) -> None:
        self.key: rsa.RSAPrivateKey = new_key()

    def notification(self, notify_id: str, merchant_order_no: str, *, status: str = "PAID_SUCCESS",
                     amount: str = "64.00", order_no: str = ORDER_NO) -> bytes:
        return dumps({
            "notify_id": notify_id,
            "notify_timestamp": 1795640000000,
            "acquireOrder": {
                "merchantOrderNo": merchant_order_no,
                "orderNo": order_no,
                "status": status,
                "totalAmount": {"amount": Decimal(amount), "currency": "AED"},
                "revoked": "false",
            },
        })

    def headers(self, body: bytes) -> dict[str, str]:
        return {"sign": rsa_sign(self.key, body), "Content-Type": "application/json"}


@pytest.fixture
def fake_gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
async def shop(
    fake_gateway: FakeGateway, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    merchant_key = tmp_path / "merchant.pem"
    merchant_key.write_bytes(_pem(new_key()))
    gateway_key = tmp_path / "gateway.pem"
    gateway_key.write_text(public_pem(fake_gateway.key))
    settings = _shop_module("example_shop.settings").parse(
        ["--gateway-url", "http://127.0.0.1:9", "--partner-id", "200000000777",
         "--private-key", str(merchant_key), "--gateway-public-key", str(gateway_key),
         "--db", str(tmp_path / "shop.db")],
        {},
    )
    app = _shop_module("example_shop.app").create_app(settings)
    store = app.state.shop.store
    store.add("SHOP-00000000000000aa", "dates", "Medjool Dates, 1 kg x 1", 1, Decimal("64.00"),
              "JSAPI")
    store.placed("SHOP-00000000000000aa", ORDER_NO, "http://127.0.0.1:9/pay-page/main?ft=x",
                 "CREATED")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
        yield client, store
    await app.state.shop.client.aclose()


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


async def _status(client: httpx.AsyncClient, merchant_order_no: str = "SHOP-00000000000000aa"
                  ) -> Any:
    return (await client.get(f"/orders/{merchant_order_no}/status")).json()


async def test_a_verified_notification_is_applied_once(
    shop: tuple[httpx.AsyncClient, Any], fake_gateway: FakeGateway
) -> None:
    client, _ = shop
    body = fake_gateway.notification("N-1", "SHOP-00000000000000aa")
    for _ in range(3):
        headers = fake_gateway.headers(body)
        answer = await client.post("/botim/notify", content=body, headers=headers)
        assert answer.status_code == 200
        assert orjson.loads(answer.content) == {"response": "SUCCESS"}
    status = (await _status(client))
    assert status["status"] == "PAID_SUCCESS"
    assert status["confirmedBy"] == "notification N-1"
    assert [e["status"] for e in status["events"]] == ["CREATED", "PAID_SUCCESS"]
    assert [(n["notifyId"], n["deliveries"], n["outcome"]) for n in status["notifications"]] == [
        ("N-1", 3, "applied")
    ]
    assert "Paid. Thank you!" in (await client.get("/orders/SHOP-00000000000000aa")).text


def test_concurrent_duplicates_are_applied_once(
    shop: tuple[httpx.AsyncClient, Any], fake_gateway: FakeGateway
) -> None:
    _, store = shop
    update = _shop_module("example_shop.store").PaymentUpdate(
        "SHOP-00000000000000aa", ORDER_NO, "PAID_SUCCESS", Decimal("64")
    )
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        outcomes.append(store.apply_notification("N-9", "payment", update))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * 7
    assert len(store.history("SHOP-00000000000000aa")["events"]) == 2


@pytest.mark.parametrize("tamper", ["wrong-key", "no-sign", "changed-body"])
async def test_forged_notifications_are_refused(
    shop: tuple[httpx.AsyncClient, Any], fake_gateway: FakeGateway, tamper: str
) -> None:
    client, _ = shop
    body = fake_gateway.notification("N-2", "SHOP-00000000000000aa")
    headers = fake_gateway.headers(body)
    if tamper == "wrong-key":
        headers["sign"] = rsa_sign(new_key(), body)
    elif tamper == "no-sign":
        del headers["sign"]
    else:
        body = body.replace(b'"PAID_SUCCESS"', b'"PAID_SUCCESX"')
    answer = await client.post("/botim/notify", content=body, headers=headers)
    assert answer.status_code == 401
    assert b"SUCCESS" not in answer.content
    status = (await _status(client))
    assert status["status"] == "CREATED"
    assert status["notifications"] == []


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [({"amount": "6.40"}, "mismatch"), ({"order_no": "1317000000000000000999"}, "mismatch")],
)
async def test_a_notification_that_does_not_match_the_order_does_not_mark_it_paid(
    shop: tuple[httpx.AsyncClient, Any],
    fake_gateway: FakeGateway,
    fields: dict[str, str],
    outcome: str,
) -> None:
    client, _ = shop
    body = fake_gateway.notification("N-3", "SHOP-00000000000000aa", **fields)
    answer = await client.post("/botim/notify", content=body, headers=fake_gateway.headers(body))
    assert answer.status_code == 200
    status = (await _status(client))
    assert status["status"] == "CREATED"
    assert status["notifications"][0]["outcome"] == outcome


async def test_notifications_for_unknown_orders_are_acknowledged_and_recorded(
    shop: tuple[httpx.AsyncClient, Any], fake_gateway: FakeGateway
) -> None:
    client, store = shop
    body = fake_gateway.notification("N-4", "SHOP-00000000000000bb")
    answer = await client.post("/botim/notify", content=body, headers=fake_gateway.headers(body))
    assert answer.status_code == 200
    assert store.history("SHOP-00000000000000bb")["notifications"][0]["outcome"] == "unknown-order"


async def test_a_failure_after_payment_does_not_undo_it_unless_revoked(
    shop: tuple[httpx.AsyncClient, Any], fake_gateway: FakeGateway
) -> None:
    client, _ = shop
    for notify_id, status in (("N-5", "PAID_SUCCESS"), ("N-6", "CREATED"), ("N-7", "SETTLED")):
        body = fake_gateway.notification(notify_id, "SHOP-00000000000000aa", status=status)
        await client.post("/botim/notify", content=body, headers=fake_gateway.headers(body))
    assert (await _status(client))["status"] == "SETTLED"


async def test_bad_checkout_forms_and_unknown_orders(shop: tuple[httpx.AsyncClient, Any]) -> None:
    client, _ = shop
    assert (await client.post("/checkout", data={"product": "nope"})).status_code == 400
    bad_quantity = await client.post("/checkout", data={"product": "dates", "quantity": "0"})
    assert bad_quantity.status_code == 400
    assert (await client.get("/orders/SHOP-ffffffffffffffff")).status_code == 404
    assert (await client.get("/orders/../etc/passwd/status")).status_code == 404
    page = await client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'self' http://127.0.0.1:9" in page.headers["content-security-policy"]


async def test_the_page_asks_the_bridge_which_scene_to_place(
    shop: tuple[httpx.AsyncClient, Any],
) -> None:
    """The product page loads the gateway's JS API, and shop.js fills each form's scene from
    BotimPay.isInApp() (browser test: tests/browser/test_shop_desktop_browser.py); the
    order page hands the overlay its amount and order number."""
    client, _ = shop
    index = (await client.get("/")).text
    assert '<script src="http://127.0.0.1:9/static/botimpay-jsapi.js" defer></script>' in index
    assert index.count('<input type="hidden" name="scene" value="" data-scene>') == 3
    order = (await client.get("/orders/SHOP-00000000000000aa")).text
    assert 'data-amount="AED 64.00" data-merchant-order-no="SHOP-00000000000000aa"' in order
    script = (await client.get("/static/shop.js")).text
    assert "BotimPay.isInApp()" in script
    assert "user-agent" not in script.lower()


def test_settings_come_from_arguments_then_environment() -> None:
    parse = _shop_module("example_shop.settings").parse
    settings = parse(["--port", "9001"], {"SHOP_PORT": "9002", "BOTIMPAY_PARTNER_ID": "123",
                                          "BOTIMPAY_GATEWAY_URL": "http://gw:8000/"})
    assert settings.port == 9001
    assert settings.partner_id == "123"
    assert settings.api_base_url == "http://gw:8000/sgs/api"
    assert settings.notify_url == "http://127.0.0.1:9001/botim/notify"
    defaults = parse([], {})
    assert (defaults.port, defaults.partner_id) == (8001, "200000000888")
    assert defaults.private_key == Path("botimpay-keys/demo-merchant-private.pem")


def test_the_shop_uses_only_the_sdk() -> None:
    """It is an SDK example: no module of it imports the gateway package."""
    imported: set[str] = set()
    for path in SHOP_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert "botimpay_sdk" in imported
    assert "botimpay" not in imported
    assert "float" not in {n.id for p in SHOP_DIR.rglob("*.py")
                           for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.Name)}
