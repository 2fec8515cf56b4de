"""An initialised gateway database per test module (the demo merchant and test wallets),
opened afresh for each test, on the backend the suite runs on."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from botimpay.clock import Clock
from botimpay.domain.merchant import Merchant
from botimpay.protocol.requests import PlaceOrderBiz
from botimpay.services.orders import OrderService
from botimpay.services.setup import DEMO_PARTNER_ID, initialise
from botimpay.store import merchants_repo
from botimpay.store.database import Database, open_database
from tests.conftest import _fresh_database

_numbers = itertools.count()


@pytest.fixture(scope="module")
def database_url(
    tmp_path_factory: pytest.TempPathFactory, backend_url: str | None
) -> Iterator[str]:
    where = tmp_path_factory.mktemp("services")
    databases = _fresh_database(backend_url, where)
    url = next(databases)

    async def init() -> None:
        db = open_database(url)
        try:
            await initialise(db, Clock(), sandbox=True, key_dir=where / "keys")
        finally:
            await db.dispose()

    asyncio.run(init())
    yield url
    for _ in databases:  # drops a PostgreSQL database
        pass


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def orders(db: Database, clock: Clock) -> OrderService:
    return OrderService(db, clock, "http://gateway.test")


async def demo_merchant(db: Database) -> Merchant:
    """The demo merchant `init` made, as the API's cache holds it (placeOrder needs it)."""
    async with db.read() as conn:
        record = await merchants_repo.load(conn, DEMO_PARTNER_ID)
    assert record is not None
    return record.merchant


def merchant_order_no() -> str:
    """Unique within the module's database."""
    return f"svc-{time.time_ns()}-{next(_numbers)}"


def order_biz(number: str | None = None, amount: str = "25.00", **extra: Any) -> PlaceOrderBiz:
    """A DYNQR placeOrder with a notifyUrl, so state changes queue notifications."""
    return PlaceOrderBiz.model_validate(
        {
            "merchantOrderNo": number or merchant_order_no(),
            "subject": "Coffee",
            "totalAmount": {"amount": Decimal(amount), "currency": "AED"},
            "paySceneCode": "DYNQR",
            "notifyUrl": "http://shop.test/notify",
            **extra,
        }
    )
