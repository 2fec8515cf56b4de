"""Fixtures for the SDK tests; helpers live in sdk_testkit.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from botimpay_sdk import AsyncClient, Client
from sdk_testkit import FakeClock, FakeGateway, client_kwargs


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(clock: FakeClock) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def make(gateway: FakeGateway, **overrides: Any) -> Client:
        client = Client(sleep=clock.sleep, **client_kwargs(gateway, clock, **overrides))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_async_client(clock: FakeClock) -> Callable[..., AsyncClient]:
    def make(gateway: FakeGateway, **overrides: Any) -> AsyncClient:
        return AsyncClient(sleep=clock.asleep, **client_kwargs(gateway, clock, **overrides))

    return make


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
