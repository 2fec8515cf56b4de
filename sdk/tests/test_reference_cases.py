"""The reference's test cases 001-008 through the SDK, graded as the gateway's test plan
grades them: on a fake gateway holding one order (faults armed per operation, answers a
little late) and a fake clock, at several time scales.

The merchant side is the reference integration the README shows: place_order, then
wait_for_final; resolve_order when placeOrder failed with an unknown outcome.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from botimpay_sdk import (
    AcquireOrder,
    AsyncClient,
    Client,
    Money,
    Pacing,
    PlaceOrderRequest,
    RetryPolicy,
    SdkError,
    UnresolvedOrderError,
    jsapi,
)
from sdk_testkit import FakeClock, fail, ok, order_body

SCALES = [1.0, 0.1, 0.01]
PLACE, QUERY, CANCEL = "placeOrder", "getOrder", "cancelOrder"


@dataclass(frozen=True)
class Arrival:
    operation: str
    at: float  # fake monotonic time the request reached the gateway
    code: str  # "0", an error code, or "TIMEOUT"


@dataclass
class OneOrderGateway:
    """A gateway with one order and a test-plan run's faults: `faults[operation]` lists
    what the next calls get ("SYSTEM_ERROR", "TIMEOUT", with " applied" when the change
    happens behind the fault); `always` faults every call of an operation."""

    clock: FakeClock
    scale: float
    status: str | None = None  # None: the order does not exist
    faults: dict[str, list[str]] = field(default_factory=dict)
    always: dict[str, str] = field(default_factory=dict)
    pay_on_query: int | None = None  # paid just before the n-th getOrder is answered
    arrivals: list[Arrival] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(5))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self._travel()  # on the way in
        operation = request.url.path.rsplit("/", 1)[-1]
        queued = self.faults.get(operation)
        fault = self.always.get(operation) or (queued.pop(0) if queued else None)
        at = self.clock.mono
        if operation == QUERY and self.pay_on_query == 1 + len(self.times(QUERY)):
            self.status = "PAID_SUCCESS"
        if fault and fault.startswith("TIMEOUT"):
            self.arrivals.append(Arrival(operation, at, "TIMEOUT"))
            if fault.endswith("applied"):
                self._act(operation)
            self.clock.advance(3 * self.scale)  # holds the connection, then drops it
            raise httpx.ReadTimeout("held, then dropped")
        if fault:
            if fault.endswith("applied"):
                self._act(operation)
            answer = fail("500", "SYSTEM_ERROR")
            code = "500"
        else:
            code, answer = self._act(operation)
        self.arrivals.append(Arrival(operation, at, code))
        self._travel()  # on the way back
        return answer

    def _travel(self) -> None:
        """Up to 2% of the scale each way: an interval seen at the gateway differs from the
        one the SDK chose by up to 4% of the scale, far less than the window's margin."""
        self.clock.advance(self.rng.uniform(0, 0.02) * self.scale)

    def _act(self, operation: str) -> tuple[str, httpx.Response]:
        if operation == PLACE:
            self.status = self.status or "CREATED"
            return "0", ok(order_body(self.status))
        if self.status is None:
            return "62004", fail("62004", "MERCHANT_ORDER_NO_NOT_EXIST")
        if operation == QUERY:
            return "0", ok(order_body(self.status))
        if self.status == "CREATED":
            self.status = "FAILURE"
            return "0", ok(order_body("FAILURE", failCode="ORDER_CANCELLED"))
        refusal = {"PAID_SUCCESS": ("62001", "ORDER_PAID"), "FAILURE": ("62002", "ORDER_FAILURE")}
        code, msg = refusal[self.status]
        return code, fail(code, msg)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def calls(self, operation: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.operation == operation]

    def times(self, operation: str) -> list[float]:
        return [a.at for a in self.calls(operation)]

    # --- the rules, as the test-case page words them, scaled ----------------------------

    def query_rule(self, at_least: int = 1) -> None:
        """Send at least `at_least` queries; the query request frequency is 2-6 s."""
        times = self.times(QUERY)
        assert len(times) >= at_least
        self._gaps_within(times, 2, 6)

    def cancel_rule(self) -> None:
        """cancelOrder 20 to 120 s after the transaction is initiated; again every 3-10 s."""
        first_place, first_cancel = self.times(PLACE)[0], self.times(CANCEL)[0]
        assert 20 * self.scale <= first_cancel - first_place <= 120 * self.scale
        self._gaps_within(self.times(CANCEL), 3, 10)

    def _gaps_within(self, times: list[float], low: float, high: float) -> None:
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(low * self.scale <= g <= high * self.scale for g in gaps), (gaps, self.scale)


def merchant(client: Client, merchant_order_no: str) -> AcquireOrder | None:
    """The reference integration: place, then wait; resolve when the outcome is unknown."""
    try:
        client.place_order(
            PlaceOrderRequest(
                merchant_order_no=merchant_order_no,
                subject="Oud candle",
                total_amount=Money.aed("500.00"),
                scene=jsapi(),
            )
        )
    except SdkError as exc:
        if not exc.retryable:
            raise
        return client.resolve_order(merchant_order_no)
    return client.wait_for_final(merchant_order_no)


@pytest.fixture(params=SCALES, ids=lambda s: f"scale-{s}")
def scale(request: pytest.FixtureRequest) -> float:
    value: float = request.param
    return value


@pytest.fixture
def sim(clock: FakeClock, scale: float) -> OneOrderGateway:
    return OneOrderGateway(clock, scale)


@pytest.fixture
def shop(make_client: Callable[..., Client], sim: OneOrderGateway, scale: float) -> Client:
    return make_client(sim, pacing=Pacing().scaled(scale), **scaled_retry(scale))


def scaled_retry(scale: float) -> dict[str, Any]:
    """placeOrder's resends back off in scaled time too, so they fit a scaled window."""
    return {"retry": RetryPolicy(attempts=3, backoff=0.5 * scale, max_backoff=8 * scale)}


def test_case_001_paid_with_password(shop: Client, sim: OneOrderGateway) -> None:
    sim.pay_on_query = 4
    final = merchant(shop, "M1")
    assert final is not None
    assert final.status == "PAID_SUCCESS"
    sim.query_rule()
    assert sim.calls(QUERY)[-1].code == "0"  # the last query found the payment
    assert sim.status == "PAID_SUCCESS"
    assert sim.calls(CANCEL) == []


def test_case_002_payment_expires(shop: Client, sim: OneOrderGateway) -> None:
    final = merchant(shop, "M1")
    assert final is not None
    assert final.status == "FAILURE"
    sim.query_rule()
    sim.cancel_rule()
    assert [a.code for a in sim.calls(CANCEL)] == ["0"]


@pytest.mark.parametrize("fault", ["SYSTEM_ERROR", "TIMEOUT"], ids=["003", "004"])
@pytest.mark.parametrize(
    ("applied", "times", "exists"),
    [(True, 3, True), (False, 3, False), (True, 1, True), (False, 1, True)],
    ids=["applied-always", "not-applied-always", "applied-once", "not-applied-once"],
)
def test_case_003_004_place_order_fails(
    shop: Client, sim: OneOrderGateway, fault: str, applied: bool, times: int, exists: bool
) -> None:
    sim.faults[PLACE] = [fault + (" applied" if applied else "")] * times
    final = merchant(shop, "M1")
    assert sim.calls(PLACE)[0].code == ("500" if fault == "SYSTEM_ERROR" else "TIMEOUT")
    sim.query_rule()
    sim.cancel_rule()
    if exists:
        assert final is not None
        assert final.status == "FAILURE"
        assert sim.status == "FAILURE"
    else:
        assert final is None  # the order never existed: clear, and not an error
        assert [a.code for a in sim.calls(QUERY)] == ["62004"] * len(sim.calls(QUERY))
        assert [a.code for a in sim.calls(CANCEL)] == ["62004"]


def test_case_005_cancel_succeeds_after_multiple_attempts(
    shop: Client, sim: OneOrderGateway
) -> None:
    sim.faults[CANCEL] = ["SYSTEM_ERROR", "SYSTEM_ERROR"]
    final = merchant(shop, "M1")
    assert final is not None
    assert final.status == "FAILURE"
    sim.query_rule()
    sim.cancel_rule()
    assert [a.code for a in sim.calls(CANCEL)] == ["500", "500", "0"]  # only the last succeeds


def test_case_006_cancel_keeps_failing(shop: Client, sim: OneOrderGateway, scale: float) -> None:
    sim.always[CANCEL] = "SYSTEM_ERROR"
    with pytest.raises(UnresolvedOrderError) as info:
        merchant(shop, "M1")
    assert info.value.last_status == "CREATED"
    sim.query_rule()
    sim.cancel_rule()
    cancels = sim.times(CANCEL)
    assert len(cancels) >= 3
    assert cancels[-1] - cancels[0] > 10 * scale  # failing for more than 10 s
    assert {a.code for a in sim.calls(CANCEL)} == {"500"}


def test_case_007_queries_succeed_after_failing(shop: Client, sim: OneOrderGateway) -> None:
    sim.faults[QUERY] = ["SYSTEM_ERROR"] * 3
    sim.pay_on_query = 5
    final = merchant(shop, "M1")
    assert final is not None
    assert final.status == "PAID_SUCCESS"
    sim.query_rule(at_least=3)
    assert [a.code for a in sim.calls(QUERY)] == ["500"] * 3 + ["0"] * 2


def test_case_008_queries_keep_failing(shop: Client, sim: OneOrderGateway) -> None:
    sim.always[QUERY] = "SYSTEM_ERROR"
    final = merchant(shop, "M1")
    sim.query_rule(at_least=3)
    assert {a.code for a in sim.calls(QUERY)} == {"500"}
    # Polled on until the deadline, then cancelled, as an unpaid order is.
    sim.cancel_rule()
    assert final is not None
    assert final.status == "FAILURE"


@pytest.mark.anyio
@pytest.mark.parametrize("scale", [0.1])
async def test_the_async_client_follows_the_same_pacing(
    make_async_client: Callable[..., AsyncClient], sim: OneOrderGateway, scale: float
) -> None:
    sim.faults[PLACE] = ["SYSTEM_ERROR"] * 3
    sim.faults[CANCEL] = ["SYSTEM_ERROR", "SYSTEM_ERROR"]
    async with make_async_client(
        sim, pacing=Pacing().scaled(scale), **scaled_retry(scale)
    ) as client:
        with pytest.raises(SdkError):
            await client.place_order(
                PlaceOrderRequest(
                    merchant_order_no="M1",
                    subject="Tea",
                    total_amount=Money.aed("10"),
                    scene=jsapi(),
                )
            )
        assert await client.resolve_order("M1") is None
    sim.query_rule()
    sim.cancel_rule()
    assert [a.code for a in sim.calls(CANCEL)] == ["500", "500", "62004"]
