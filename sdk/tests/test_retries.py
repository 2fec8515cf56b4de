"""Which failures are retried, for which calls, how often and how far apart: getOrder and
cancelOrder at the reference's intervals (the central half of 2-6 s and 3-10 s, measured
from send to send), the other safe calls with the RetryPolicy's exponential backoff."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import httpx
import pytest

from botimpay_sdk import (
    ApiError,
    Client,
    ConfigError,
    HttpStatusError,
    Money,
    Pacing,
    PlaceOrderRequest,
    ProtocolError,
    RefundRequest,
    RetryPolicy,
    SignatureError,
    TransportError,
    jsapi,
)
from sdk_testkit import FakeClock, FakeGateway, envelope, fail, ok, order_body, signed

MakeClient = Callable[..., Client]

REFUND_BODY: dict[str, object] = {
    "refundOrder": {"refundMerchantOrderNo": "R1", "orderNo": "19", "status": "SUCCESS"}
}
RETRYABLE_FAILURES: dict[str, Callable[[], httpx.Response | Exception]] = {
    "connect-error": lambda: httpx.ConnectError("refused"),
    "read-timeout": lambda: httpx.ReadTimeout("slow"),
    "http-500": lambda: httpx.Response(500),
    "http-503": lambda: httpx.Response(503, content=b"maintenance"),
    "system-error": lambda: fail("500", "SYSTEM_ERROR"),
    "service-timeout": lambda: fail("504", "SERVICE_TIMEOUT"),
    "unsigned-system-error": lambda: fail("500", "SYSTEM_ERROR", with_sign=False),
}
NOT_RETRYABLE_FAILURES: dict[str, tuple[Callable[[], httpx.Response], type[Exception]]] = {
    "order-paid": (lambda: fail("62001", "ORDER_PAID"), ApiError),
    "invalid-parameter": (lambda: fail("400", "INVALID_PARAMETER"), ApiError),
    "rate-limit": (lambda: fail("402", "RATE_LIMIT_REJECT"), ApiError),
    "risk-fail": (lambda: fail("601", "RISK_FAIL"), ApiError),
    "bad-sign": (
        lambda: httpx.Response(200, content=envelope(body=order_body()), headers={"sign": "AAAA"}),
        SignatureError,
    ),
    "http-404": (lambda: httpx.Response(404), HttpStatusError),
    "malformed": (lambda: signed(b"{}"), ProtocolError),
}


def _order() -> PlaceOrderRequest:
    return PlaceOrderRequest(
        merchant_order_no="M1", subject="Tea", total_amount=Money.aed("10.50"), scene=jsapi()
    )


def _refund() -> RefundRequest:
    return RefundRequest(
        refund_merchant_order_no="R1", origin_merchant_order_no="M1", amount=Money.aed("1.00")
    )


SAFE_CALLS: dict[str, tuple[Callable[[Client], object], dict[str, object]]] = {
    "get_order": (lambda c: c.get_order("M1"), order_body()),
    "cancel_order": (lambda c: c.cancel_order("M1"), order_body("FAILURE")),
    "get_refund": (lambda c: c.get_refund("R1"), REFUND_BODY),
    "place_order": (lambda c: c.place_order(_order()), order_body()),
    "refund": (lambda c: c.refund(_refund()), REFUND_BODY),
}
GAP = {"get_order": (3.0, 5.0), "cancel_order": (4.75, 8.25)}
"""Where a resend is aimed: the central half of the query and cancel windows."""
BACKOFF_GAP = (0.25, 0.5)  # the first retry of RetryPolicy(backoff=0.5), jittered
UNSAFE_CALLS: dict[str, Callable[[Client], object]] = {
    "update_expired_time": lambda c: c.update_expired_time("M1", expired_time=1_800_000_000_000),
    "revoke_order": lambda c: c.revoke_order("M1"),
}


@pytest.mark.parametrize("failure", sorted(RETRYABLE_FAILURES))
@pytest.mark.parametrize("call", sorted(SAFE_CALLS))
def test_safe_calls_retry_retryable_failures(
    make_client: MakeClient, clock: FakeClock, call: str, failure: str
) -> None:
    invoke, body = SAFE_CALLS[call]
    gateway = FakeGateway(RETRYABLE_FAILURES[failure](), ok(body))
    assert invoke(make_client(gateway)) is not None
    assert len(gateway.requests) == 2
    assert len(clock.sleeps) == 1
    low, high = GAP.get(call, BACKOFF_GAP)
    assert low <= clock.sleeps[0] <= high


@pytest.mark.parametrize("call", sorted(SAFE_CALLS))
def test_retries_resend_identical_signed_bytes(
    make_client: MakeClient, clock: FakeClock, call: str
) -> None:
    invoke, body = SAFE_CALLS[call]
    gateway = FakeGateway(httpx.ReadTimeout("lost"), fail("500", "SYSTEM_ERROR"), ok(body))
    invoke(make_client(gateway))
    first, *rest = gateway.requests
    assert len(rest) == 2
    for again in rest:
        assert again.content == first.content
        assert again.headers["sign"] == first.headers["sign"]


@pytest.mark.parametrize("failure", sorted(RETRYABLE_FAILURES))
@pytest.mark.parametrize("call", sorted(UNSAFE_CALLS))
def test_unsafe_calls_are_never_retried(
    make_client: MakeClient, clock: FakeClock, call: str, failure: str
) -> None:
    gateway = FakeGateway(RETRYABLE_FAILURES[failure]())
    with pytest.raises((TransportError, ApiError)) as info:
        UNSAFE_CALLS[call](make_client(gateway))
    assert info.value.retryable
    assert len(gateway.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("failure", sorted(NOT_RETRYABLE_FAILURES))
def test_non_retryable_failures_are_raised_at_once(
    make_client: MakeClient, clock: FakeClock, failure: str
) -> None:
    response, error = NOT_RETRYABLE_FAILURES[failure]
    gateway = FakeGateway(response())
    with pytest.raises(error) as info:
        make_client(gateway).place_order(_order())
    assert not getattr(info.value, "retryable", False)
    assert len(gateway.requests) == 1


def test_attempts_are_bounded_and_the_last_error_raised(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(
        httpx.ConnectError("a"),
        fail("504", "SERVICE_TIMEOUT"),
        fail("500", "SYSTEM_ERROR", trace_code="LAST"),
    )
    with pytest.raises(ApiError) as info:
        make_client(gateway).get_refund("R1")
    assert info.value.trace_code == "LAST"
    assert len(gateway.requests) == 3
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5
    assert 0.5 <= clock.sleeps[1] <= 1.0


def test_get_order_resends_at_the_query_interval_up_to_the_policy_attempts(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(*(fail("500", "SYSTEM_ERROR") for _ in range(3)))
    with pytest.raises(ApiError):
        make_client(gateway).get_order("M1")
    assert len(gateway.requests) == 3  # RetryPolicy(attempts=3)
    assert len(clock.sleeps) == 2
    assert all(3 <= s <= 5 for s in clock.sleeps)


def test_paced_resends_count_from_the_send_not_the_answer(
    make_client: MakeClient, clock: FakeClock
) -> None:
    def slow_failure(request: httpx.Request) -> httpx.Response:
        clock.advance(2.5)  # the answer takes 2.5 s
        return fail("500", "SYSTEM_ERROR")

    gateway = FakeGateway(slow_failure, slow_failure, ok(order_body()))
    sent: list[float] = []
    gateway.replies = [_noting(sent, clock, reply) for reply in gateway.replies]
    make_client(gateway).get_order("M1")
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert len(gaps) == 2
    assert all(3 <= gap <= 5 for gap in gaps)  # not 2.5 s + 3-5 s
    assert all(0.5 <= s <= 2.5 for s in clock.sleeps)


def test_a_failing_cancel_is_resent_until_three_attempts_over_ten_seconds(
    make_client: MakeClient, clock: FakeClock
) -> None:
    gateway = FakeGateway(*(fail("500", "SYSTEM_ERROR") for _ in range(10)))
    sent: list[float] = []
    gateway.replies = [_noting(sent, clock, reply) for reply in gateway.replies]
    with pytest.raises(ApiError) as info:
        make_client(gateway).cancel_order("M1")
    assert info.value.retryable
    assert len(sent) >= 3
    assert sent[-1] - sent[0] >= 10
    assert sent[-2] - sent[0] < 10.5 or len(sent) == 3  # no attempt more than needed
    assert all(4.75 <= b - a <= 8.25 for a, b in itertools.pairwise(sent))


def test_never_means_one_cancel(make_client: MakeClient) -> None:
    gateway = FakeGateway(fail("500", "SYSTEM_ERROR"))
    with pytest.raises(ApiError):
        make_client(gateway, retry=RetryPolicy.never()).cancel_order("M1")
    assert len(gateway.requests) == 1


def _noting(
    sent: list[float],
    clock: FakeClock,
    reply: Callable[[httpx.Request], httpx.Response] | httpx.Response | Exception,
) -> Callable[[httpx.Request], httpx.Response]:
    """`reply`, noting the (fake) monotonic time each request is sent at."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(clock.mono)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx.Response) else reply(request)

    return answer


def test_transport_error_chains_the_httpx_error(make_client: MakeClient) -> None:
    gateway = FakeGateway(*(httpx.ConnectError("refused") for _ in range(3)))
    with pytest.raises(TransportError) as info:
        make_client(gateway).get_order("M1")
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_policy_is_configurable(make_client: MakeClient, clock: FakeClock) -> None:
    gateway = FakeGateway(*(httpx.ConnectError("x") for _ in range(5)), ok(REFUND_BODY))
    make_client(gateway, retry=RetryPolicy(attempts=6, backoff=1, max_backoff=3)).get_refund("R1")
    assert len(gateway.requests) == 6
    assert all(
        0.5 * cap <= slept <= cap for slept, cap in zip(clock.sleeps, [1, 2, 3, 3, 3], strict=True)
    )


def test_never_means_one_attempt(make_client: MakeClient) -> None:
    gateway = FakeGateway(httpx.ConnectError("x"))
    with pytest.raises(TransportError):
        make_client(gateway, retry=RetryPolicy.never()).get_order("M1")
    assert len(gateway.requests) == 1


def test_delay_is_jittered_within_bounds() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=4.0, jitter=0.5)
    rng = random.Random(1)
    delays = [policy.delay(3, rng) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 100
    assert RetryPolicy(jitter=0).delay(1, rng) == 0.5


@pytest.mark.parametrize(
    "kwargs", [{"attempts": 0}, {"backoff": -1}, {"jitter": 1.5}, {"max_backoff": -0.1}]
)
def test_bad_policy(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_place_order_resends_fit_the_query_interval_of_a_scaled_pacing(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """The first query is due within 6 s (scaled) of placeOrder's answer: a resend of
    placeOrder waits at most a quarter of the lowest query interval."""
    gateway = FakeGateway(fail("500", "SYSTEM_ERROR"), httpx.ReadTimeout("t"), ok(order_body()))
    make_client(gateway, pacing=Pacing().scaled(0.01)).place_order(_order())
    assert len(clock.sleeps) == 2
    assert all(s <= 0.005 for s in clock.sleeps)
