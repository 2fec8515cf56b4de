"""wait_for_final: poll every 2-6 s until final, then cancel (retrying), on a fake clock."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    AsyncClient,
    Client,
    InvalidRequestError,
    SignatureError,
    UnresolvedOrderError,
)
from botimpay_sdk._json import loads
from sdk_testkit import FakeClock, FakeGateway, fail, ok, order_body

MakeClient = Callable[..., Client]

def created() -> httpx.Response:
    return ok(order_body("CREATED"))


def test_returns_as_soon_as_the_order_is_paid(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), created(), ok(order_body("PAID_SUCCESS")))
    order = make_client(gateway).wait_for_final("M1", deadline_s=60)
    assert order.status == "PAID_SUCCESS"
    assert gateway.paths == ["acquire2/getOrder"] * 3
    assert len(clock.sleeps) == 2
    assert all(2 <= s <= 6 for s in clock.sleeps)


def test_each_poll_is_a_fresh_request(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), ok(order_body("SETTLED")))
    make_client(gateway).wait_for_final("M1", deadline_s=60)
    first, second = (loads(r.content)["requestTime"] for r in gateway.requests)
    assert second - first == round(clock.sleeps[0] * 1000)


def test_already_final_needs_no_wait(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(ok(order_body("FAILURE")))
    assert make_client(gateway).wait_for_final("M1", deadline_s=60).status == "FAILURE"
    assert clock.sleeps == []


def test_cancels_at_the_deadline(make_client: MakeClient, clock: FakeClock) -> None:
    start = clock.mono

    def gateway_never_paid(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("cancelOrder"):
            return ok(order_body("FAILURE", failCode="ORDER_CANCELLED"))
        return created()

    gateway = FakeGateway(*[gateway_never_paid] * 50)
    order = make_client(gateway).wait_for_final("M1", deadline_s=30)
    assert order.status == "FAILURE"
    assert order.fail_code == "ORDER_CANCELLED"
    assert gateway.paths[-1] == "acquire2/cancelOrder"
    assert set(gateway.paths[:-1]) == {"acquire2/getOrder"}
    assert len(gateway.paths) - 1 >= 5  # at 2-6 s, 30 s allow at least 5 polls
    assert clock.mono - start == pytest.approx(30)
    assert all(2 <= s <= 6 for s in clock.sleeps[:-1])


def test_cancel_is_retried_every_3_to_10_seconds(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(
        created(),
        httpx.ConnectError("down"),
        fail("500", "SYSTEM_ERROR"),
        ok(order_body("FAILURE")),
    )
    order = make_client(gateway).wait_for_final("M1", deadline_s=0)
    assert order.status == "FAILURE"
    assert gateway.paths == ["acquire2/getOrder"] + ["acquire2/cancelOrder"] * 3
    assert len(clock.sleeps) == 2
    assert all(3 <= s <= 10 for s in clock.sleeps)


def test_unresolved_when_every_cancel_fails(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), *(fail("504", "SERVICE_TIMEOUT") for _ in range(4)))
    with pytest.raises(UnresolvedOrderError) as info:
        make_client(gateway).wait_for_final("M1", deadline_s=0)
    error = info.value
    assert error.merchant_order_no == "M1"
    assert error.last_status == "CREATED"
    assert isinstance(error.__cause__, ApiError)
    assert gateway.paths.count("acquire2/cancelOrder") == 4
    assert len(clock.sleeps) == 3


@pytest.mark.parametrize(
    ("code", "msg", "status"),
    [("62001", "ORDER_PAID", "PAID_SUCCESS"), ("62003", "ORDER_SETTLED", "SETTLED"),
     ("62002", "ORDER_FAILURE", "FAILURE")],
)
def test_cancel_refused_because_already_final(
    make_client: MakeClient, code: str, msg: str, status: str
) -> None:
    gateway = FakeGateway(created(), fail(code, msg), ok(order_body(status)))
    order = make_client(gateway).wait_for_final("M1", deadline_s=0)
    assert order.status == status
    assert gateway.paths == ["acquire2/getOrder", "acquire2/cancelOrder", "acquire2/getOrder"]


def test_already_final_but_unreadable(make_client: MakeClient) -> None:
    gateway = FakeGateway(created(), fail("62001", "ORDER_PAID"),
                          *(httpx.ConnectError("x") for _ in range(3)))
    with pytest.raises(UnresolvedOrderError) as info:
        make_client(gateway).wait_for_final("M1", deadline_s=0)
    assert info.value.last_status == "PAID_SUCCESS"


def test_failed_polls_are_tolerated(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(fail("500", "SYSTEM_ERROR"), httpx.ReadTimeout("t"),
                          httpx.Response(502), ok(order_body("PAID_SUCCESS")))
    assert make_client(gateway).wait_for_final("M1", deadline_s=60).status == "PAID_SUCCESS"
    assert len(gateway.requests) == 4
    assert all(2 <= s <= 6 for s in clock.sleeps)


@pytest.mark.parametrize(
    ("reply", "error"),
    [(lambda: fail("62004", "MERCHANT_ORDER_NO_NOT_EXIST"), ApiError),
     (lambda: httpx.Response(200, content=b"{}", headers={"sign": "AAAA"}), SignatureError)],
)
def test_non_retryable_poll_errors_propagate(
    make_client: MakeClient,
    reply: Callable[[], httpx.Response],
    error: type[Exception],
) -> None:
    gateway = FakeGateway(reply())
    with pytest.raises(error):
        make_client(gateway).wait_for_final("M1", deadline_s=60)
    assert len(gateway.requests) == 1


def test_non_retryable_cancel_error_propagates(make_client: MakeClient) -> None:
    gateway = FakeGateway(created(), fail("62004", "MERCHANT_ORDER_NO_NOT_EXIST"))
    with pytest.raises(ApiError):
        make_client(gateway).wait_for_final("M1", deadline_s=0)


def test_custom_intervals(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), created(), ok(order_body("PAID_SUCCESS")))
    make_client(gateway).wait_for_final("M1", deadline_s=60, interval=(1, 1))
    assert clock.sleeps == [1, 1]


@pytest.mark.parametrize(
    "kwargs",
    [{"deadline_s": -1}, {"interval": (3, 2)}, {"interval": (-1, 2)},
     {"cancel_attempts": 0}, {"cancel_interval": (5, 1)}],
)
def test_bad_arguments(make_client: MakeClient, kwargs: dict[str, object]) -> None:
    gateway = FakeGateway()
    arguments: dict[str, object] = {"deadline_s": 10}
    arguments.update(kwargs)
    with pytest.raises(InvalidRequestError):
        make_client(gateway).wait_for_final("M1", **arguments)  # type: ignore[arg-type]
    assert gateway.requests == []


@pytest.mark.anyio
async def test_async_wait_for_final(
    make_async_client: Callable[..., AsyncClient], clock: FakeClock
) -> None:
    gateway = FakeGateway(created(), httpx.ConnectError("x"), created(),
                          fail("500", "SYSTEM_ERROR"), ok(order_body("FAILURE")))
    async with make_async_client(gateway) as client:
        order = await client.wait_for_final("M1", deadline_s=5, interval=(2, 2))
    assert order.status == "FAILURE"
    assert gateway.paths == ["acquire2/getOrder"] * 3 + ["acquire2/cancelOrder"] * 2
    assert clock.sleeps[:3] == [2, 2, 1]
    assert 3 <= clock.sleeps[3] <= 10
