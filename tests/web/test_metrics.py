"""GET /metrics over HTTP against real `botimpay serve` processes: merchant API calls by
operation and code (summed over `--workers 2`), orders by status, notifications by
state and outcome, and the dispatcher backlog read from the database."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode
from botimpay.web.metrics import ApiMetrics
from tests.harness import ApiResponse, Gateway, Merchant, order_no
from tests.notify import receiver as rx_script
from tests.notify.helpers import advance, pay, place, wait_attempts
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
FAST = ("--dispatch-interval-ms", "100")
PLACE, GET, CANCEL = "acquire2/placeOrder", "acquire2/getOrder", "acquire2/cancelOrder"
MOCK = "Botimpay-Mock-Response"


def scrape(gateway: Gateway) -> Samples:
    """One scrape on a new connection (so, with several workers, any of them answers)."""
    response = httpx.get(gateway.base_url + "/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 if the scrape has no such series (nothing counted yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def api_counts(samples: Samples) -> dict[tuple[str, str], float]:
    """botimpay_api_requests_total by (operation, code)."""
    counted = {}
    for (name, labels), count in samples.items():
        if name == "botimpay_api_requests_total":
            tags = dict(labels)
            counted[tags["operation"], tags["code"]] = count
    return counted


def one_connection_per_call(merchant: Merchant) -> Merchant:
    """The merchant with a client that opens a connection per request, so its calls
    spread over the workers instead of following one keep-alive connection."""
    http = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
    return dataclasses.replace(merchant, http=http)


def test_api_calls_are_counted_by_operation_and_code_over_two_workers(fresh_gateway: Fresh) -> None:
    gateway = fresh_gateway("--workers", "2")
    merchant = one_connection_per_call(gateway.add_merchant())
    answers: list[tuple[str, ApiResponse]] = []
    for _ in range(6):
        answers.append((PLACE, merchant.place_order()))
    placed = answers[0][1].order["merchantOrderNo"]
    for _ in range(4):
        answers.append((GET, merchant.call(GET, {"merchantOrderNo": placed})))
    for _ in range(3):
        answers.append((GET, merchant.call(GET, {"merchantOrderNo": order_no()})))  # unknown
    for _ in range(2):
        fault = {MOCK: json.dumps({"fault": "SYSTEM_ERROR"})}
        answers.append((GET, merchant.call(GET, {"merchantOrderNo": placed}, headers=fault)))
    answers.append((PLACE, merchant.post_raw(PLACE, b"{}", sign="AAAA")))  # bad signature
    expected = Counter((operation, answer.code) for operation, answer in answers)
    # calls to no operation count under "other", whatever their path
    for path in ("nope", "acquire2/" + "x" * 300):
        assert merchant.post_raw(path, b"{}").code == "404"
    expected["other", "404"] += 2
    # a dropped connection (TIMEOUT fault) was answered with no code
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        merchant.call(
            GET, {"merchantOrderNo": placed}, headers={MOCK: '{"fault": "TIMEOUT", "holdMs": 200}'}
        )
    expected[GET, "none"] += 1
    assert {code for _, code in expected} >= {"0", "403", "500", "404", "none"}
    assert len({code for operation, code in expected if operation == GET}) >= 4

    # every scrape, whichever worker answers it, sums the calls of both
    for _ in range(8):
        samples = scrape(gateway)
        assert api_counts(samples) == expected
        for (operation, code), count in expected.items():
            labels = {"operation": operation, "code": code}
            histogram = "botimpay_api_request_duration_seconds"
            assert value(samples, histogram + "_count", **labels) == count
            assert value(samples, histogram + "_bucket", le="+Inf", **labels) == count
            assert value(samples, histogram + "_bucket", le="10.0", **labels) == count
            assert 0 < value(samples, histogram + "_sum", **labels) < count * 10


def test_the_workers_share_a_private_directory_that_goes_with_serve(fresh_gateway: Fresh) -> None:
    gateway = fresh_gateway("--workers", "2", start=False)
    gateway.start()
    assert gateway.process is not None
    pattern = f"botimpay-metrics-{gateway.process.pid}-*"
    [directory] = Path(tempfile.gettempdir()).glob(pattern)
    gateway.add_merchant().place_order().assert_ok()
    assert any(directory.glob("histogram_*.db"))
    gateway.stop()
    assert not directory.exists()


def test_a_single_worker_counts_in_memory(gateway: Gateway, merchant: Merchant) -> None:
    before = api_counts(scrape(gateway)).get((PLACE, "0"), 0)
    merchant.place_order().assert_ok()
    samples = scrape(gateway)
    assert api_counts(samples)[PLACE, "0"] == before + 1
    assert value(samples, "process_cpu_seconds_total") > 0  # this process's own metrics


@pytest.fixture
def rx() -> Iterator[Receiver]:
    """A notifyUrl whose first notification fails (HTTP 500) and the rest succeed."""
    receiver = Receiver(rx_script.SERVER_ERROR)
    yield receiver
    receiver.close()


def test_orders_and_notifications_follow_payments_and_deliveries(
    fresh_gateway: Fresh, rx: Receiver
) -> None:
    gateway = fresh_gateway(*FAST)
    merchant = gateway.add_merchant()
    samples = scrape(gateway)
    for status in ("CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE"):
        assert ("botimpay_orders", frozenset({("status", status)})) in samples
        assert value(samples, "botimpay_orders", status=status) == 0

    paid = place(merchant, rx.url)
    assert value(scrape(gateway), "botimpay_orders", status="CREATED") == 1
    pay(gateway, paid)
    wait_attempts(gateway, paid, 1)
    samples = scrape(gateway)
    assert value(samples, "botimpay_orders", status="CREATED") == 0
    assert value(samples, "botimpay_orders", status="PAID_SUCCESS") == 1
    assert value(samples, "botimpay_notifications", state="PENDING") == 1
    assert value(samples, "botimpay_notification_attempts_total", outcome="HTTP_ERROR") == 1
    assert value(samples, "botimpay_notification_attempts_total", outcome="SUCCESS") == 0
    assert value(samples, "botimpay_notification_backlog") == 0  # the retry is 2 min away

    unpaid = place(merchant, rx.url)
    cancelled = place(merchant, rx.url)
    merchant.call(CANCEL, {"orderNo": cancelled}).assert_ok()
    wait_attempts(gateway, cancelled, 1)
    advance(gateway, 120)  # the payment notification's retry is due
    wait_attempts(gateway, paid, 2)
    samples = scrape(gateway)
    assert [
        value(samples, "botimpay_orders", status=status)
        for status in ("CREATED", "PAID_SUCCESS", "SETTLED", "FAILURE")
    ] == [1, 1, 0, 1], unpaid
    assert value(samples, "botimpay_notifications", state="DELIVERED") == 2
    assert value(samples, "botimpay_notifications", state="PENDING") == 0
    assert value(samples, "botimpay_notification_attempts_total", outcome="SUCCESS") == 2
    assert value(samples, "botimpay_notification_attempts_total", outcome="HTTP_ERROR") == 1
    assert value(samples, "botimpay_notification_backlog") == 0


def test_the_backlog_is_what_is_due_and_not_delivered(fresh_gateway: Fresh) -> None:
    gateway = fresh_gateway("--no-dispatcher")  # nothing delivers: the outbox fills
    merchant = gateway.add_merchant()
    for _ in range(3):
        pay(gateway, place(merchant, "http://127.0.0.1:9/notify"))
    samples = scrape(gateway)
    assert value(samples, "botimpay_notification_backlog") == 3
    assert value(samples, "botimpay_notifications", state="PENDING") == 3
    assert value(samples, "botimpay_orders", status="PAID_SUCCESS") == 3
    assert value(samples, "botimpay_notification_backlog_oldest_seconds") < 60
    advance(gateway, 3600)
    deadline = time.monotonic() + 10  # the gateway picks up the clock within a second
    while value(scrape(gateway), "botimpay_notification_backlog_oldest_seconds") < 3600:
        assert time.monotonic() < deadline, "the backlog's age never followed the clock"
        time.sleep(0.2)
    assert value(scrape(gateway), "botimpay_notification_backlog") == 3


def test_label_values_stay_bounded() -> None:
    registry = CollectorRegistry()
    api = ApiMetrics.create(registry=registry)
    api.observe(PLACE, codes.SUCCESS, 900)
    api.observe(None, codes.SERVICE_NOT_AVAILABLE, 80)
    api.observe(GET, ResponseCode("99999", "MADE_UP", "not in the table"), 100)
    api.observe(GET, None, 300_000)
    seen = {
        (sample.labels["operation"], sample.labels["code"])
        for family in registry.collect()
        for sample in family.samples
        if sample.name.endswith("_count")
    }
    assert seen == {(PLACE, "0"), ("other", "404"), (GET, "other"), (GET, "none")}
    assert (GET, "99999") not in api._bound  # an unbounded key is never kept
