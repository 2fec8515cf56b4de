"""Test helpers for the SDK tests: the committed keys, a fake gateway, a fake clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from botimpay_sdk import RetryPolicy
from botimpay_sdk._json import dumps
from botimpay_sdk.wire import load_private_key, load_public_key, sign

DATA = Path(__file__).parent / "data"
MERCHANT_PRIVATE = DATA / "merchant_private.pem"
MERCHANT_PUBLIC = DATA / "merchant_public.pem"
GATEWAY_PRIVATE = DATA / "gateway_private.pem"
GATEWAY_PUBLIC = DATA / "gateway_public.pem"
MERCHANT_KEY = load_private_key(MERCHANT_PRIVATE)
GATEWAY_KEY = load_private_key(GATEWAY_PRIVATE)
GATEWAY_PUBLIC_KEY = load_public_key(GATEWAY_PUBLIC)
PARTNER_ID = "200000000888"
BASE = "http://gateway.test/sgs/api"
T0 = 1_700_000_000.0  # fake epoch seconds

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """Epoch and monotonic time that only move when something sleeps."""

    def __init__(self, start: float = T0) -> None:
        self.now = start
        self.mono = 100.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.mono += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class FakeGateway:
    """A MockTransport handler: records requests, answers from a queue."""

    def __init__(self, *replies: Reply) -> None:
        self.replies: list[Reply] = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request to {request.url}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    @property
    def paths(self) -> list[str]:
        return [request.url.path.removeprefix("/sgs/api/") for request in self.requests]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def signed(raw: bytes, *, status: int = 200, with_sign: bool = True) -> httpx.Response:
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    if with_sign:
        headers["sign"] = sign(GATEWAY_KEY, raw)
    return httpx.Response(status, content=raw, headers=headers)


def envelope(
    code: str = "0",
    msg: str = "SUCCESS",
    body: dict[str, Any] | None = None,
    *,
    apply_status: str | None = None,
    trace_code: str = "T-1",
) -> bytes:
    status = apply_status or ("SUCCESS" if code == "0" or code.startswith("6") else "FAIL")
    data: dict[str, Any] = {
        "head": {"applyStatus": status, "code": code, "msg": msg, "traceCode": trace_code}
    }
    if body is not None:
        data["body"] = body
    return dumps(data)


def ok(body: dict[str, Any]) -> httpx.Response:
    return signed(envelope(body=body))


def fail(code: str, msg: str, *, with_sign: bool = True, **kw: Any) -> httpx.Response:
    return signed(envelope(code, msg, **kw), with_sign=with_sign)


def acquire_order(status: str = "CREATED", **fields: Any) -> dict[str, Any]:
    from decimal import Decimal

    order: dict[str, Any] = {
        "merchantOrderNo": "M1",
        "orderNo": "131658997939155072",
        "status": status,
        "product": "Basic Payment Gateway",
        "totalAmount": {"amount": Decimal("10.50"), "currency": "AED"},
        "payeeMid": PARTNER_ID,
        "expiredTime": 1_700_007_200_000,
        "requestTime": 1_700_000_000_000,
        "subject": "Tea",
        "paySceneCode": "JSAPI",
        "paySceneParams": {"oneTimePayment": "false"},
        "accessoryContent": {"amountDetail": {}, "goodsDetail": {}, "terminalDetail": {}},
        "revoked": "false",
    }
    order.update(fields)
    return order


def order_body(status: str = "CREATED", **fields: Any) -> dict[str, Any]:
    return {"acquireOrder": acquire_order(status, **fields)}


def client_kwargs(gateway: FakeGateway, clock: FakeClock, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "partner_id": PARTNER_ID,
        "private_key": MERCHANT_KEY,  # loaded once: parsing a key costs milliseconds
        "gateway_public_key": GATEWAY_PUBLIC_KEY,
        "base_url": BASE,
        "transport": gateway.transport(),
        "clock": clock,
        "rng": random.Random(7),
        "retry": RetryPolicy(attempts=3, backoff=0.5),
    }
    kwargs.update(overrides)
    return kwargs
