"""Pacing: the reference's windows, scaled and validated; where in a window the SDK aims;
the cancel window counting from when this client first sent placeOrder."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    Client,
    ConfigError,
    Money,
    Pacing,
    PlaceOrderRequest,
    RetryPolicy,
    jsapi,
)
from botimpay_sdk._pacing import Placements, aim
from sdk_testkit import FakeClock, FakeGateway, fail, ok, order_body

MakeClient = Callable[..., Client]


def test_the_reference_windows_are_the_default() -> None:
    pacing = Pacing()
    assert pacing.query_interval == (2, 6)
    assert pacing.cancel_after == (20, 120)
    assert pacing.cancel_interval == (3, 10)
    assert (pacing.min_cancel_attempts, pacing.min_cancel_span) == (3, 10)


@pytest.mark.parametrize("factor", [0.1, Decimal("0.1"), 1, 2.5])
def test_scaled_multiplies_every_duration_but_not_the_attempts(factor: float | Decimal) -> None:
    scaled = Pacing().scaled(factor)
    f = float(factor)
    assert scaled.query_interval == pytest.approx((2 * f, 6 * f))
    assert scaled.cancel_after == pytest.approx((20 * f, 120 * f))
    assert scaled.cancel_interval == pytest.approx((3 * f, 10 * f))
    assert scaled.min_cancel_span == pytest.approx(10 * f)
    assert scaled.min_cancel_attempts == 3
    custom = Pacing(query_interval=(1, 1), min_cancel_attempts=5).scaled(factor)
    assert custom.query_interval == pytest.approx((f, f))
    assert custom.min_cancel_attempts == 5


@pytest.mark.parametrize("factor", [0, -1, float("nan"), float("inf"), True, "0.1", None])
def test_scaled_refuses_a_bad_factor(factor: object) -> None:
    with pytest.raises(ConfigError):
        Pacing().scaled(factor)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query_interval": (6, 2)},
        {"query_interval": (-1, 2)},
        {"query_interval": (1, 2, 3)},
        {"query_interval": 3},
        {"cancel_after": (float("nan"), 1)},
        {"cancel_interval": (1, float("inf"))},
        {"cancel_interval": ("3", "10")},
        {"min_cancel_attempts": 0},
        {"min_cancel_attempts": 2.5},
        {"min_cancel_attempts": True},
        {"min_cancel_span": -1},
    ],
)
def test_bad_pacing_is_refused_naming_the_field(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as info:
        Pacing(**kwargs)  # type: ignore[arg-type]
    assert next(iter(kwargs)) in str(info.value)


def test_windows_are_normalised_to_float_pairs() -> None:
    pacing = Pacing(query_interval=[1, 2])  # type: ignore[arg-type]
    assert pacing.query_interval == (1.0, 2.0)
    assert pacing == Pacing(query_interval=(1.0, 2.0))


def test_the_client_takes_a_pacing(make_client: MakeClient) -> None:
    assert make_client(FakeGateway()).pacing == Pacing()
    fast = Pacing().scaled(0.1)
    assert make_client(FakeGateway(), pacing=fast).pacing is fast
    with pytest.raises(ConfigError):
        make_client(FakeGateway(), pacing=(2, 6))


def test_aim_is_uniform_in_the_central_half() -> None:
    rng = random.Random(3)
    picks = [aim((2.0, 6.0), rng) for _ in range(2000)]
    assert min(picks) >= 3
    assert max(picks) <= 5
    assert min(picks) < 3.05
    assert max(picks) > 4.95
    assert aim((1.0, 1.0), rng) == 1.0


def test_placements_keep_the_first_send_and_are_bounded() -> None:
    placements = Placements(limit=2)
    placements.sending("A", 1.0)
    placements.sending("A", 5.0)  # a resend or a second place_order: the first counts
    assert placements.first_sent("A") == 1.0
    placements.sending("B", 2.0)
    placements.sending("C", 3.0)
    assert placements.first_sent("A") is None  # the oldest went
    assert placements.first_sent("C") == 3.0
    placements.forget("C")
    assert placements.first_sent("C") is None


def _tea(merchant_order_no: str) -> PlaceOrderRequest:
    return PlaceOrderRequest(
        merchant_order_no=merchant_order_no,
        subject="Tea",
        total_amount=Money.aed("10.50"),
        scene=jsapi(),
    )


def test_the_cancel_window_counts_from_the_first_place_order(
    make_client: MakeClient, clock: FakeClock
) -> None:
    placed_at = clock.mono

    def slow_place(request: httpx.Request) -> httpx.Response:
        clock.advance(30)  # the answer took 30 s
        return ok(order_body())

    gateway = FakeGateway(slow_place, *[ok(order_body())] * 30)
    client = make_client(gateway)
    client.place_order(_tea("M1"))
    cancelled: list[float] = []
    gateway.replies = [lambda r: _cancel_or_created(r, clock, cancelled)] * 40
    client.wait_for_final("M1", deadline_s=40)
    assert cancelled == [pytest.approx(placed_at + 40)]  # not 30 + 40 s


def test_the_first_poll_after_place_order_waits_a_query_interval(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(ok(order_body()), ok(order_body("PAID_SUCCESS")))
    client = make_client(gateway)
    client.place_order(_tea("M1"))
    assert client.wait_for_final("M1").status == "PAID_SUCCESS"
    assert len(clock.sleeps) == 1
    assert 3 <= clock.sleeps[0] <= 5


def test_an_order_brought_to_an_end_opens_a_new_window_when_placed_again(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(fail("500", "SYSTEM_ERROR"), *[fail("62004", "NOT_EXIST")] * 40)
    client = make_client(gateway, retry=RetryPolicy.never())
    with pytest.raises(ApiError):
        client.place_order(_tea("M1"))
    assert client.resolve_order("M1") is None
    clock.advance(500)
    placed_again = clock.mono
    cancelled: list[float] = []
    gateway.replies = [ok(order_body())]
    gateway.replies += [lambda r: _cancel_or_created(r, clock, cancelled)] * 40
    client.place_order(_tea("M1"))
    client.wait_for_final("M1", deadline_s=30)
    assert cancelled == [pytest.approx(placed_again + 30)]


def _cancel_or_created(
    request: httpx.Request, clock: FakeClock, cancelled: list[float]
) -> httpx.Response:
    if request.url.path.endswith("cancelOrder"):
        cancelled.append(clock.mono)
        return ok(order_body("FAILURE", failCode="ORDER_CANCELLED"))
    return ok(order_body())
