"""The example shop brings every order to a final status the way the reference's test cases
ask, in process: its SDK client talks to a fake gateway (httpx.MockTransport, signed
answers) on a fake clock, so the 20-120 s waits take no time.

Checkout that placed an order -> wait_for_final (cancelled when nobody pays); checkout
whose placeOrder failed with an unknown outcome -> resolve_order; start-up resumes
unfinished orders; a cancel that keeps failing is flagged for a person; the notification
endpoint answers SUCCESS only once the notification is recorded."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from botimpay_sdk import AsyncClient, Pacing, RetryPolicy
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.harness import dumps, new_key, public_pem, rsa_sign
from tests.sdk.test_example_shop import FakeGateway, _pem, _shop_module

PARTNER_ID = "200000000777"


class FakeClock:
    """Moves only when the SDK sleeps."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.epoch = 1_795_640_000.0

    def time(self) -> float:
        return self.epoch

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.mono += seconds
        self.epoch += seconds
        await asyncio.sleep(0)  # other tasks run, as they would while really sleeping


@dataclass
class OrdersGateway:
    """A gateway that keeps orders by merchantOrderNo; `faults[operation]` lists what the
    next calls get: "SYSTEM_ERROR", "RISK_FAIL", or "SYSTEM_ERROR applied" (the change
    happens behind the fault); `always[operation]` faults every call."""

    key: rsa.RSAPrivateKey
    clock: FakeClock
    orders: dict[str, str] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    always: dict[str, str] = field(default_factory=dict)
    order_nos: dict[str, str] = field(default_factory=dict)
    pays_when_queried: bool = False  # the customer pays before the first getOrder
    calls: list[tuple[str, str, float, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        operation = request.url.path.rsplit("/", 1)[-1]
        biz = orjson.loads(request.content)["bizContent"]
        number = biz["merchantOrderNo"]
        queued = self.faults.get(operation)
        fault = self.always.get(operation) or (queued.pop(0) if queued else None)
        if fault:
            if fault.endswith("applied"):
                self._act(operation, number, biz)
            code, body = {"SYSTEM_ERROR": "500", "RISK_FAIL": "601"}[fault.split()[0]], None
        else:
            code, body = self._act(operation, number, biz)
        self.calls.append((operation, number, self.clock.mono, code))
        return self._answer(code, body)

    def of(self, operation: str) -> list[tuple[str, float]]:
        return [(code, at) for op, _, at, code in self.calls if op == operation]

    def _act(self, operation: str, number: str, biz: dict[str, Any]) -> tuple[str, Any]:
        if operation == "placeOrder":
            self.orders.setdefault(number, "CREATED")
            self.order_nos.setdefault(number, f"13170000000000{len(self.order_nos):08d}")
            return "0", {
                "acquireOrder": self._order(number, biz),
                "interActionParams": {"tokenUrl": "http://127.0.0.1:9/pay?ft=x"},
            }
        if operation == "getOrder" and self.pays_when_queried and number in self.orders:
            self.orders[number] = "PAID_SUCCESS"
        status = self.orders.get(number)
        if status is None:
            return "62004", None
        if operation == "cancelOrder":
            if status != "CREATED":
                return {"PAID_SUCCESS": "62001", "FAILURE": "62002"}[status], None
            self.orders[number] = "FAILURE"
        return "0", {"acquireOrder": self._order(number, biz)}

    def _order(self, number: str, biz: dict[str, Any]) -> dict[str, Any]:
        return {
            "merchantOrderNo": number,
            "orderNo": self.order_nos[number],
            "status": self.orders[number],
            "totalAmount": {"amount": Decimal("64.00"), "currency": "AED"},
            "failCode": "ORDER_CANCELLED" if self.orders[number] == "FAILURE" else None,
        }

    def _answer(self, code: str, body: Any) -> httpx.Response:
        head = {
            "applyStatus": "SUCCESS" if code[0] in "06" and code != "601" else "FAIL",
            "code": code,
            "msg": {"0": "SUCCESS", "500": "SYSTEM_ERROR", "601": "RISK_FAIL"}.get(code, "NO"),
            "traceCode": "T",
        }
        raw = dumps({"head": head, "body": body} if body is not None else {"head": head})
        return httpx.Response(
            200,
            content=raw,
            headers={"sign": rsa_sign(self.key, raw), "Content-Type": "application/json"},
        )


@dataclass
class Shop:
    browser: httpx.AsyncClient
    app: Any
    gateway: OrdersGateway
    clock: FakeClock

    @property
    def store(self) -> Any:
        return self.app.state.shop.store

    @property
    def resolver(self) -> Any:
        return self.app.state.shop.resolver

    async def buy(self) -> tuple[str, httpx.Response]:
        answer = await self.browser.post(
            "/checkout", data={"product": "dates", "quantity": "1", "scene": "JSAPI"}
        )
        assert answer.status_code == 303, answer.text
        return answer.headers["location"].removeprefix("/orders/"), answer

    def history(self, merchant_order_no: str) -> list[tuple[str, str]]:
        events = self.store.history(merchant_order_no)["events"]
        return [(e["status"], e["source"]) for e in events]


SCALE = 0.1


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    gateway_key = new_key()
    clock = FakeClock()
    gateway = OrdersGateway(gateway_key, clock)
    merchant_key = tmp_path / "merchant.pem"
    merchant_key.write_bytes(_pem(new_key()))
    gateway_pem = tmp_path / "gateway.pem"
    gateway_pem.write_text(public_pem(gateway_key))
    settings = _shop_module("example_shop.settings").parse(
        [
            "--gateway-url",
            "http://gateway.test",
            "--partner-id",
            PARTNER_ID,
            "--private-key",
            str(merchant_key),
            "--gateway-public-key",
            str(gateway_pem),
            "--db",
            str(tmp_path / "shop.db"),
            "--time-scale",
            str(SCALE),
        ],
        {},
    )
    client = AsyncClient(
        partner_id=PARTNER_ID,
        private_key=merchant_key,
        gateway_public_key=gateway_pem,
        base_url=settings.api_base_url,
        transport=httpx.MockTransport(gateway),
        pacing=Pacing().scaled(settings.time_scale),
        retry=RetryPolicy(attempts=3, backoff=0.05, max_backoff=0.1),
        clock=clock,
        sleep=clock.sleep,
    )
    app = _shop_module("example_shop.app").create_app(settings, client=client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as browser:
        yield Shop(browser, app, gateway, clock)
    await app.state.shop.resolver.aclose()
    await client.aclose()


async def test_an_unpaid_order_is_cancelled_within_the_window(shop: Shop) -> None:
    number, _ = await shop.buy()
    await shop.resolver.drain()
    assert shop.store.get(number).status == "FAILURE"
    assert shop.history(number) == [("CREATED", "placeOrder"), ("FAILURE", "wait_for_final")]
    placed_at = shop.gateway.of("placeOrder")[0][1]
    (cancel,) = shop.gateway.of("cancelOrder")
    assert 20 * SCALE <= cancel[1] - placed_at <= 120 * SCALE
    queries = [at for _, at in shop.gateway.of("getOrder")]
    assert queries
    assert all(2 * SCALE <= b - a <= 6 * SCALE for a, b in itertools.pairwise(queries))


async def test_a_paid_order_ends_the_wait(shop: Shop) -> None:
    shop.gateway.pays_when_queried = True
    number, _ = await shop.buy()
    await shop.resolver.drain()
    order = shop.store.get(number)
    assert order.status == "PAID_SUCCESS"
    assert order.confirmed_by == "wait_for_final"
    assert shop.gateway.of("cancelOrder") == []


@pytest.mark.parametrize(
    ("applied", "status", "source"),
    [
        (False, "ERROR", "resolve_order: not at Botim Money"),
        (True, "FAILURE", "resolve_order"),
    ],
)
async def test_an_unknown_place_order_outcome_is_resolved(
    shop: Shop, applied: bool, status: str, source: str
) -> None:
    shop.gateway.faults["placeOrder"] = ["SYSTEM_ERROR" + (" applied" if applied else "")] * 3
    number, _ = await shop.buy()
    await shop.resolver.drain()
    assert shop.store.get(number).status == status
    assert shop.history(number) == [("UNKNOWN", "placeOrder: outcome unknown"), (status, source)]
    placed_at = shop.gateway.of("placeOrder")[0][1]
    cancels = shop.gateway.of("cancelOrder")
    assert [code for code, _ in cancels] == ["0" if applied else "62004"]
    assert 20 * SCALE <= cancels[0][1] - placed_at <= 120 * SCALE
    assert shop.gateway.of("getOrder")


async def test_the_order_page_says_an_unknown_outcome_is_being_checked(shop: Shop) -> None:
    shop.store.add("SHOP-00000000000000ee", "dates", "Dates", 1, Decimal("64.00"), "JSAPI")
    shop.store.unknown("SHOP-00000000000000ee")
    page = await shop.browser.get("/orders/SHOP-00000000000000ee")
    assert "Checking with Botim Money" in page.text
    assert "/static/shop.js" in page.text  # reloads once the status changes
    assert "botimpay-jsapi.js" not in page.text  # nothing to pay


async def test_a_refused_place_order_is_not_resolved(shop: Shop) -> None:
    shop.gateway.faults["placeOrder"] = ["RISK_FAIL"]
    answer = await shop.browser.post("/checkout", data={"product": "dates", "quantity": "1"})
    assert answer.status_code == 502
    assert shop.resolver.settling == frozenset()
    assert [op for op, *_ in shop.gateway.calls] == ["placeOrder"]


async def test_a_cancel_that_keeps_failing_is_flagged_for_a_person(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    shop.gateway.always["cancelOrder"] = "SYSTEM_ERROR"
    number, _ = await shop.buy()
    await shop.resolver.drain()
    cancels = [at for _, at in shop.gateway.of("cancelOrder")]
    assert len(cancels) >= 3
    assert cancels[-1] - cancels[0] >= 10 * SCALE
    assert shop.store.get(number).status == "CREATED"
    assert shop.history(number)[-1] == (
        "CREATED",
        "cancel kept failing: confirm with Botim Money support",
    )
    assert "Alert a person" in caplog.text


async def test_start_up_resumes_unfinished_orders(shop: Shop) -> None:
    store = shop.store
    for number, status in (
        ("SHOP-000000000000000a", "NEW"),
        ("SHOP-000000000000000b", "UNKNOWN"),
        ("SHOP-000000000000000c", "CREATED"),
        ("SHOP-000000000000000d", "ERROR"),
    ):
        store.add(number, "dates", "Dates", 1, Decimal("64.00"), "JSAPI")
        if status == "CREATED":
            shop.gateway.orders[number] = "CREATED"
            shop.gateway.order_nos[number] = "1317000000000000000077"
            store.placed(number, "1317000000000000000077", None, "CREATED")
        elif status == "UNKNOWN":
            store.unknown(number)
        elif status == "ERROR":
            store.failed_to_place(number)
    await shop.resolver.resume()
    assert shop.resolver.settling == {
        "SHOP-000000000000000a",
        "SHOP-000000000000000b",
        "SHOP-000000000000000c",
    }
    await shop.resolver.drain()
    statuses = {
        n: store.get(n).status
        for n in (
            "SHOP-000000000000000a",
            "SHOP-000000000000000b",
            "SHOP-000000000000000c",
            "SHOP-000000000000000d",
        )
    }
    assert statuses == {
        "SHOP-000000000000000a": "ERROR",
        "SHOP-000000000000000b": "ERROR",
        "SHOP-000000000000000c": "FAILURE",
        "SHOP-000000000000000d": "ERROR",
    }


async def test_the_notification_is_acknowledged_only_once_recorded(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = FakeGateway()
    signer.key = shop.gateway.key  # notifications come signed with the gateway's key
    number = "SHOP-00000000000000ff"
    shop.store.add(number, "dates", "Dates", 1, Decimal("64.00"), "JSAPI")
    shop.store.placed(number, "1317000000000000000001", None, "CREATED")
    body = signer.notification("N-1", number, order_no="1317000000000000000001")

    def broken(*args: Any) -> str:
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(shop.store, "apply_notification", broken)
        answer = await shop.browser.post(
            "/botim/notify", content=body, headers=signer.headers(body)
        )
    assert answer.status_code == 503
    assert b"SUCCESS" not in answer.content
    assert shop.store.get(number).status == "CREATED"
    again = await shop.browser.post("/botim/notify", content=body, headers=signer.headers(body))
    assert orjson.loads(again.content) == {"response": "SUCCESS"}  # delivered again: recorded
    assert shop.store.get(number).status == "PAID_SUCCESS"


def test_the_time_scale_setting() -> None:
    parse = _shop_module("example_shop.settings").parse
    assert parse([], {}).time_scale == 1
    assert parse(["--time-scale", "0.05"], {}).time_scale == Decimal("0.05")
    assert parse([], {"SHOP_TIME_SCALE": "0.1"}).time_scale == Decimal("0.1")
    for bad in ("0", "-1", "fast", "NaN", "inf"):
        with pytest.raises(SystemExit):
            parse(["--time-scale", bad], {})
