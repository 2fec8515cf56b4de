"""wait_for_final: poll every 2-6 s until final, then cancel (retrying), on a fake clock.

The reference's cases, one by one and at a scaled pacing, are in test_reference_cases.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    AsyncClient,
    Client,
    InvalidRequestError,
    Money,
    Pacing,
    PlaceOrderRequest,
    SignatureError,
    UnresolvedOrderError,
    jsapi,
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
    assert all(3 <= s <= 5 for s in clock.sleeps)  # the central half of 2-6 s


def test_each_poll_is_a_fresh_request(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), ok(order_body("SETTLED")))
    make_client(gateway).wait_for_final("M1", deadline_s=60)
    first, second = (loads(r.content)["requestTime"] for r in gateway.requests)
    assert abs(second - first - clock.sleeps[0] * 1000) <= 1  # requestTime is whole ms


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
    assert all(3 <= s <= 5 for s in clock.sleeps[:-1])


def test_the_default_deadline_is_in_the_middle_of_20_to_120_seconds(
    make_client: MakeClient, clock: FakeClock
) -> None:
    start = clock.mono
    cancelled_at: list[float] = []

    def gateway_never_paid(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("cancelOrder"):
            cancelled_at.append(clock.mono)
            return ok(order_body("FAILURE", failCode="ORDER_CANCELLED"))
        return created()

    make_client(FakeGateway(*[gateway_never_paid] * 50)).wait_for_final("M1")
    (moment,) = cancelled_at
    assert 45 <= moment - start <= 95


def test_cancel_is_retried_every_3_to_10_seconds(make_client: MakeClient, clock: FakeClock) -> None:
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
    assert all(4.75 <= s <= 8.25 for s in clock.sleeps)  # the central half of 3-10 s


def test_unresolved_when_every_cancel_fails(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), *(fail("504", "SERVICE_TIMEOUT") for _ in range(9)))
    with pytest.raises(UnresolvedOrderError) as info:
        make_client(gateway).wait_for_final("M1", deadline_s=0)
    error = info.value
    assert error.merchant_order_no == "M1"
    assert error.last_status == "CREATED"
    assert isinstance(error.__cause__, ApiError)
    cancels = gateway.paths.count("acquire2/cancelOrder")
    assert cancels >= 3
    assert len(clock.sleeps) == cancels - 1
    assert sum(clock.sleeps) >= 10  # failing for more than 10 s
    assert all(4.75 <= s <= 8.25 for s in clock.sleeps)


@pytest.mark.parametrize(
    ("code", "msg", "status"),
    [
        ("62001", "ORDER_PAID", "PAID_SUCCESS"),
        ("62003", "ORDER_SETTLED", "SETTLED"),
        ("62002", "ORDER_FAILURE", "FAILURE"),
    ],
)
def test_cancel_refused_because_already_final(
    make_client: MakeClient, code: str, msg: str, status: str
) -> None:
    gateway = FakeGateway(created(), fail(code, msg), ok(order_body(status)))
    order = make_client(gateway).wait_for_final("M1", deadline_s=0)
    assert order.status == status
    assert gateway.paths == ["acquire2/getOrder", "acquire2/cancelOrder", "acquire2/getOrder"]


def test_already_final_but_unreadable(make_client: MakeClient) -> None:
    gateway = FakeGateway(
        created(), fail("62001", "ORDER_PAID"), *(httpx.ConnectError("x") for _ in range(3))
    )
    with pytest.raises(UnresolvedOrderError) as info:
        make_client(gateway).wait_for_final("M1", deadline_s=0)
    assert info.value.last_status == "PAID_SUCCESS"


def test_failed_polls_are_tolerated(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(
        fail("500", "SYSTEM_ERROR"),
        httpx.ReadTimeout("t"),
        httpx.Response(502),
        ok(order_body("PAID_SUCCESS")),
    )
    assert make_client(gateway).wait_for_final("M1", deadline_s=60).status == "PAID_SUCCESS"
    assert len(gateway.requests) == 4
    assert all(3 <= s <= 5 for s in clock.sleeps)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (lambda: fail("62004", "MERCHANT_ORDER_NO_NOT_EXIST"), ApiError),
        (lambda: httpx.Response(200, content=b"{}", headers={"sign": "AAAA"}), SignatureError),
    ],
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


def test_the_client_pacing_sets_the_intervals(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(created(), created(), ok(order_body("PAID_SUCCESS")))
    make_client(gateway, pacing=Pacing(query_interval=(1, 1))).wait_for_final("M1", 60)
    assert clock.sleeps == [1, 1]


@pytest.mark.parametrize("deadline_s", [-1, float("nan"), float("inf"), "10", True])
def test_bad_deadlines(make_client: MakeClient, deadline_s: object) -> None:
    gateway = FakeGateway()
    with pytest.raises(InvalidRequestError):
        make_client(gateway).wait_for_final("M1", deadline_s)  # type: ignore[arg-type]
    assert gateway.requests == []


@pytest.mark.anyio
async def test_async_wait_for_final(
    make_async_client: Callable[..., AsyncClient], clock: FakeClock
) -> None:
    gateway = FakeGateway(
        created(),
        httpx.ConnectError("x"),
        created(),
        fail("500", "SYSTEM_ERROR"),
        ok(order_body("FAILURE")),
    )
    async with make_async_client(gateway, pacing=Pacing(query_interval=(2, 2))) as client:
        order = await client.wait_for_final("M1", deadline_s=5)
    assert order.status == "FAILURE"
    assert gateway.paths == ["acquire2/getOrder"] * 3 + ["acquire2/cancelOrder"] * 2
    assert clock.sleeps[:3] == [2, 2, 1]
    assert 3 <= clock.sleeps[3] <= 10


def test_polls_count_from_the_send_so_slow_answers_do_not_stretch_them(
    make_client: MakeClient, clock: FakeClock
) -> None:
    sent: list[float] = []

    def slow_created(request: httpx.Request) -> httpx.Response:
        sent.append(clock.mono)
        clock.advance(2.5)  # each answer takes 2.5 s
        return created() if len(sent) < 4 else ok(order_body("PAID_SUCCESS"))

    make_client(FakeGateway(*[slow_created] * 4)).wait_for_final("M1", deadline_s=60)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(gaps) == 3
    assert all(3 <= gap <= 5 for gap in gaps)  # sleeping 3-5 s after each answer would be 5.5-7.5


@pytest.mark.parametrize(("attempts", "span", "expected"), [(3, 0, 3), (5, 0, 5), (1, 0, 1)])
def test_a_failing_cancel_is_sent_min_cancel_attempts_times(
    make_client: MakeClient, attempts: int, span: float, expected: int
) -> None:
    gateway = FakeGateway(created(), *(fail("500", "SYSTEM_ERROR") for _ in range(9)))
    pacing = Pacing(min_cancel_attempts=attempts, min_cancel_span=span)
    with pytest.raises(UnresolvedOrderError) as info:
        make_client(gateway, pacing=pacing).wait_for_final("M1", deadline_s=0)
    assert gateway.paths.count("acquire2/cancelOrder") == expected
    assert f"{expected} cancel attempts failed" in str(info.value)


def test_a_failing_cancel_goes_on_until_it_has_failed_for_min_cancel_span(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(created(), *(fail("500", "SYSTEM_ERROR") for _ in range(20)))
    pacing = Pacing(cancel_interval=(3, 3), min_cancel_attempts=1, min_cancel_span=20)
    with pytest.raises(UnresolvedOrderError):
        make_client(gateway, pacing=pacing).wait_for_final("M1", deadline_s=0)
    assert clock.sleeps == [3] * 7  # 21 s >= 20 s and 5% more
    assert gateway.paths.count("acquire2/cancelOrder") == 8


def test_a_poll_waits_for_its_answer_only_to_the_end_of_the_windows_central_half(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """An answer later than 5 s is given up (ReadTimeout at 5 s), so the next query still
    goes within 2-6 s of the last; a late answer within 5 s makes the next go at once."""
    sent: list[float] = []
    answer_takes = iter([1.0, 4.5, 30.0, 30.0, 0.1, 0.1])

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append(clock.mono)
        limit = request.extensions["timeout"]["read"]
        takes = next(answer_takes)
        if takes > limit:
            clock.advance(limit)
            raise httpx.ReadTimeout("no answer in time")
        clock.advance(takes)
        return created() if len(sent) < 6 else ok(order_body("PAID_SUCCESS"))

    order = make_client(FakeGateway(*[slow] * 6)).wait_for_final("M1", deadline_s=90)
    assert order.status == "PAID_SUCCESS"
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(3 <= gap <= 5 for gap in gaps), gaps
    assert gaps[2] == gaps[3] == 5  # the two unanswered queries were given up at 5 s


@pytest.mark.parametrize(
    ("client_timeout", "pacing", "query_read", "cancel_read"),
    [
        (30.0, Pacing(), 5.0, 8.25),
        (4.0, Pacing(), 4.0, 4.0),  # the client's own timeout when that is shorter
        (30.0, Pacing().scaled(0.1), 0.5, 0.825),
    ],
)
def test_paced_requests_carry_the_timeout(
    make_client: MakeClient,
    client_timeout: float,
    pacing: Pacing,
    query_read: float,
    cancel_read: float,
) -> None:
    gateway = FakeGateway(created(), ok(order_body("FAILURE")), created())
    client = make_client(gateway, pacing=pacing, timeout=client_timeout)
    client.wait_for_final("M1", deadline_s=0)
    client.place_order(_tea())
    query, cancel, place = (r.extensions["timeout"] for r in gateway.requests)
    assert query["read"] == pytest.approx(query_read)
    assert query["connect"] == query["write"] == query["pool"] == query["read"]
    assert cancel["read"] == pytest.approx(cancel_read)
    assert place["read"] == client_timeout  # placeOrder waits as long as the client allows


def _tea() -> PlaceOrderRequest:
    return PlaceOrderRequest(
        merchant_order_no="M2", subject="Tea", total_amount=Money.aed("10.50"), scene=jsapi()
    )
