"""The expiry sweeper, several worker processes, and responses matching the schemas."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from botimpay.store.database import open_database
from botimpay.store.tables import orders
from botimpay.web.schemas import OrderResponse, PlaceOrderResponse
from tests.harness import Gateway, Merchant, jsapi_order, loads_exact, now_ms, order_no
from tests.sharing import encrypt


def _stored_status(db_url: str, order_number: str) -> str:
    async def read() -> str:
        db = open_database(db_url, pool_size=1)
        try:
            async with db.read() as conn:
                status = await conn.scalar(
                    select(orders.c.status).where(orders.c.order_no == order_number)
                )
                return str(status)
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_sweeper_expires_orders_nobody_reads(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway("--sweep-interval-ms", "200")
    merchant = gateway.add_merchant()
    request_time = now_ms()
    placed = merchant.call(
        "acquire2/placeOrder",
        jsapi_order(expiredTime=request_time + 1000),
        request_time=request_time,
    ).assert_ok()
    number = placed.order["orderNo"]
    assert _stored_status(gateway.db_url, number) == "CREATED"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _stored_status(gateway.db_url, number) != "FAILURE":
        time.sleep(0.2)
    assert _stored_status(gateway.db_url, number) == "FAILURE"
    order = merchant.call("acquire2/getOrder", {"orderNo": number}).assert_ok().order
    assert order["failCode"] == "ORDER_EXPIRED"


def test_responses_match_the_documented_schemas(merchant: Merchant) -> None:
    full = jsapi_order(
        subjectAr="آيفون",
        riskInfo={"scene": "casino"},
        reserved="order desc",
        deviceId="D1",
        secondaryMerchantId="S1",
        accessoryContent={
            "amountDetail": {"vatAmount": {"amount": Decimal("0.1"), "currency": "AED"}},
            "goodsDetail": {"goodsName": "candy", "quantity": 2},
            "terminalDetail": {"storeId": "S9"},
        },
        sharingParamList=[
            {
                "sharingIdentitySeqId": 1,
                "sharingIdentityType": "MEMBER_ID",
                "sharingIdentity": encrypt(merchant, "100000000001"),  # a sandbox wallet
                "sharingMemo": "bonus",
                "sharingAmount": {"amount": 1, "currency": "AED"},
            }
        ],
        promotionInfoList=[{"appliedRewardId": "R1", "settleFlag": "YES"}],
    )
    placed = merchant.call("acquire2/placeOrder", full).assert_ok()
    PlaceOrderResponse.model_validate(loads_exact(placed.raw))
    assert placed.order["sharingInfoList"][0]["sharingMid"] == "100000000001"
    dynqr = merchant.call(
        "acquire2/placeOrder", jsapi_order(paySceneCode="DYNQR", paySceneParams={})
    ).assert_ok()
    PlaceOrderResponse.model_validate(loads_exact(dynqr.raw))
    cancelled = merchant.call("acquire2/cancelOrder", {"orderNo": placed.order["orderNo"]})
    OrderResponse.model_validate(loads_exact(cancelled.assert_ok().raw))
    refused = merchant.call("acquire2/cancelOrder", {"orderNo": placed.order["orderNo"]})
    OrderResponse.model_validate(loads_exact(refused.raw))
    assert refused.body is None


def test_several_worker_processes_share_one_database(
    fresh_gateway: Callable[..., Gateway],
) -> None:
    gateway = fresh_gateway("--workers", "2")
    merchant = gateway.add_merchant()
    shared = order_no()
    biz = jsapi_order(merchantOrderNo=shared)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def place() -> None:
        client = Merchant(
            merchant.partner_id, merchant.private_key, merchant.gateway_public_key,
            merchant.base_url,
        )
        barrier.wait()
        results.append(client.call("acquire2/placeOrder", biz).assert_ok().order["orderNo"])

    threads = [threading.Thread(target=place) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
    for _ in range(10):
        merchant.place_order().assert_ok()
