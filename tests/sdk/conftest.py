"""Fixtures for the SDK against a real gateway: a merchant with PEM key files, sync and
async clients, and paying an order as test wallet 3 through the sandbox helper."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from botimpay_sdk import AsyncClient, Client, Pacing, RetryPolicy
from cryptography.hazmat.primitives import serialization

from tests.harness import Gateway, Merchant

WALLET = 3  # this suite's test wallet; other suites use other wallets
PHONE = f"+971 56 000 000{WALLET}"
PAYER_MID = f"10000000000{WALLET}"
EMIRATES_ID = f"78419900000000{WALLET}"
PASSWORD = "132580"
FAST_RETRY = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.05)
FAST_PACING = Pacing().scaled(0.02)  # polls every 40-120 ms, cancels at 0.4-2.4 s


@dataclass(frozen=True)
class SdkMerchant:
    """A registered merchant as an SDK user holds it: partner id and two PEM files."""

    partner_id: str
    private_key_path: Path
    gateway_public_key_path: Path
    merchant: Merchant


def write_pems(merchant: Merchant, folder: Path) -> SdkMerchant:
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / f"merchant-{merchant.partner_id}.pem"
    private.write_bytes(
        merchant.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = folder / f"gateway-{merchant.partner_id}.pem"
    public.write_bytes(
        merchant.gateway_public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return SdkMerchant(merchant.partner_id, private, public, merchant)


@pytest.fixture(scope="session")
def sdk_merchant(gateway: Gateway, tmp_path_factory: pytest.TempPathFactory) -> SdkMerchant:
    return write_pems(gateway.add_merchant(), tmp_path_factory.mktemp("sdk-keys"))


class Api:
    """One face for `Client` and `AsyncClient`: coroutine methods of the async client are
    run to completion on one event loop, so a test body drives either for real."""

    def __init__(self, client: Client | AsyncClient) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncClient)
        self._runner = asyncio.Runner() if self.is_async else None

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if self._runner is None or not inspect.iscoroutinefunction(attribute):
            return attribute
        runner = self._runner

        def run(*args: Any, **kwargs: Any) -> Any:
            return runner.run(attribute(*args, **kwargs))

        return run

    def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            assert self._runner is not None
            self._runner.run(self.client.aclose())
            self._runner.close()
        else:
            self.client.close()


@pytest.fixture
def make_api(sdk_merchant: SdkMerchant, gateway: Gateway) -> Iterator[Callable[..., Api]]:
    """make_api(kind="sync"|"async", base_url=..., **client options) -> Api."""
    made: list[Api] = []

    def make(kind: str = "sync", **options: Any) -> Api:
        settings: dict[str, Any] = {
            "partner_id": sdk_merchant.partner_id,
            "private_key": str(sdk_merchant.private_key_path),
            "gateway_public_key": str(sdk_merchant.gateway_public_key_path),
            "base_url": gateway.base_url + "/sgs/api",
            "timeout": 20.0,
            "retry": FAST_RETRY,
            "pacing": FAST_PACING,
        }
        settings.update(options)
        client: Client | AsyncClient = (
            AsyncClient(**settings) if kind == "async" else Client(**settings)
        )
        api = Api(client)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest, make_api: Callable[..., Api]) -> Api:
    """The SDK client, once as `Client` and once as `AsyncClient`."""
    return make_api(request.param)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client a test drives: `Client` or `AsyncClient` (through `make_api`)."""
    return str(request.param)


def api_for(make_api: Callable[..., Api], kind: str, sdk: SdkMerchant) -> Api:
    """A client of `kind` for another merchant than the session's `sdk_merchant`."""
    return make_api(
        kind,
        partner_id=sdk.partner_id,
        private_key=str(sdk.private_key_path),
        gateway_public_key=str(sdk.gateway_public_key_path),
    )


def sandbox_pay(
    gateway: Gateway, *, order_no: str | None = None, token_url: str | None = None
) -> dict[str, Any]:
    """Pays an order as wallet 3 through /sandbox/api/pay; asserts success, returns the answer."""
    target = {"orderNo": order_no} if order_no is not None else {"tokenUrl": token_url}
    response = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={
            **target,
            "phone": PHONE,
            "paymentPassword": PASSWORD,
            "method": "BALANCE",
            "outcome": "SUCCESS",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["result"] == "SUCCESS", answer
    return answer
