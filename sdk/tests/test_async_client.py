"""AsyncClient: the same calls, the same flows, awaited; and no drift from Client."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    AsyncClient,
    Client,
    Money,
    PlaceOrderRequest,
    RefundRequest,
    SignatureError,
    TransportError,
    dynqr,
)
from sdk_testkit import FakeClock, FakeGateway, fail, ok, order_body

MakeAsync = Callable[..., AsyncClient]
pytestmark = pytest.mark.anyio

REFUND_BODY = {"refundOrder": {"refundMerchantOrderNo": "R1", "orderNo": "19",
                               "status": "CREATED"}}


def test_same_public_methods_and_signatures() -> None:
    def public(cls: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_") and name not in ("close", "aclose")
        }

    def iterator_as_sync(signature: inspect.Signature) -> inspect.Signature:
        returns = str(signature.return_annotation)
        return signature.replace(return_annotation=returns.removeprefix("Async"))

    sync_methods, async_methods = public(Client), public(AsyncClient)
    assert sync_methods.keys() == async_methods.keys()
    for name, signature in async_methods.items():
        if name.startswith("iter_"):  # page iterators: Iterator[X] and AsyncIterator[X]
            assert str(signature.return_annotation).startswith("AsyncIterator["), name
            assert iterator_as_sync(signature) == sync_methods[name], name
        else:
            assert signature == sync_methods[name], name
        if name != "parse_notification" and not name.startswith("iter_"):
            assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name


async def test_every_call(make_async_client: MakeAsync) -> None:
    gateway = FakeGateway(
        ok({**order_body(), "interActionParams": {"tokenUrl": "https://t"}}),
        ok(order_body()),
        ok(order_body("FAILURE")),
        ok(order_body()),
        ok(order_body("FAILURE")),
        ok(REFUND_BODY),
        ok(REFUND_BODY),
    )
    async with make_async_client(gateway) as client:
        placed = await client.place_order(PlaceOrderRequest(
            merchant_order_no="M1", subject="Tea", total_amount=Money.aed("10.50"),
            scene=dynqr(),
        ))
        await client.get_order("M1")
        await client.cancel_order(order_no="13")
        await client.update_expired_time("M1", expired_time=1_800_000_000_000)
        await client.revoke_order("M1")
        await client.refund(RefundRequest(refund_merchant_order_no="R1", origin_order_no="13",
                                          amount=Money.aed("1")))
        refund = await client.get_refund(order_no="19")
    assert placed.token_url == "https://t"
    assert refund.refund_order.order_no == "19"
    assert gateway.paths == [
        "acquire2/placeOrder", "acquire2/getOrder", "acquire2/cancelOrder",
        "acquire2/updateExpiredTime", "acquire2/revokeOrder", "acquire2/refund/placeOrder",
        "acquire2/refund/getOrder",
    ]


async def test_retries_with_the_async_sleep(make_async_client: MakeAsync, clock: FakeClock) -> None:
    gateway = FakeGateway(httpx.ConnectError("x"), fail("504", "SERVICE_TIMEOUT"),
                          ok(order_body()))
    async with make_async_client(gateway) as client:
        await client.get_order("M1")
    assert len(clock.sleeps) == 2
    assert gateway.requests[0].content == gateway.requests[2].content


async def test_revoke_is_not_retried(make_async_client: MakeAsync) -> None:
    gateway = FakeGateway(httpx.ReadTimeout("x"))
    async with make_async_client(gateway) as client:
        with pytest.raises(TransportError):
            await client.revoke_order("M1")
    assert len(gateway.requests) == 1


async def test_verification_and_errors(make_async_client: MakeAsync) -> None:
    good = ok(order_body())
    tampered = httpx.Response(200, content=good.content.replace(b"M1", b"M2"),
                              headers={"sign": good.headers["sign"]})
    gateway = FakeGateway(tampered, fail("62035", "ORDER_NO_NOT_EXIST"))
    async with make_async_client(gateway) as client:
        with pytest.raises(SignatureError):
            await client.get_order("M1")
        with pytest.raises(ApiError) as info:
            await client.get_order(order_no="1")
    assert info.value.code == "62035"
