"""What GET /metrics serves: merchant API calls by operation and code (latency
histograms kept by the process), and database gauges read at scrape time.

Several worker processes (`serve --workers N`) each count the calls they answer,
and a scrape reaches one of them. So `serve` gives a multi-worker gateway a fresh
private directory in PROMETHEUS_MULTIPROC_DIR before the workers start
(`worker_metrics_dir`): prometheus-client then keeps each process's histograms in
a small memory-mapped file there, and a scrape sums all of them
(MultiProcessCollector), including the files of workers that have died, so no
count goes back. A single process counts in memory. The call counter is the
histogram's `_count`, written as `botimpay_api_requests_total` at scrape time, so a
call is counted once. The database gauges (orders by status, notifications by
state and outcome, the dispatcher backlog) are read from the database by whichever
worker answers, so every worker answers the same.

Label values are bounded: `operation` is one of the API's paths or "other", `code`
one of the documented response codes, or "none" for a call answered without one
(a connection dropped by a TIMEOUT fault).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from botimpay.domain.notification import NotificationStatus
from botimpay.domain.order import OrderStatus
from botimpay.notify.delivery import Outcome
from botimpay.protocol.codes import ALL_CODES, ResponseCode
from botimpay.store.metrics_repo import DatabaseCounts

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own switch
_DIR_PREFIX = "botimpay-metrics-"
OTHER = "other"
NO_CODE = "none"
DOCUMENTED_CODES = frozenset(code.code for code in ALL_CODES)
# Merchant API latencies: a cached getOrder takes ~100 µs, a slow database seconds.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


LATENCY = "botimpay_api_request_duration_seconds"
REQUESTS = "botimpay_api_requests"


@dataclass(slots=True)
class ApiMetrics:
    """Calls answered by the merchant API, by operation and head.code.

    `observe` is on every call's path: it looks up the histogram child bound to
    (operation, code) once, then only observes. The call counter is not counted a
    second time: a scrape writes it from the histogram's `_count` (`_with_requests`)."""

    latency: Histogram
    _bound: dict[tuple[str, str], Histogram] = field(default_factory=dict)

    @classmethod
    def create(cls, registry: CollectorRegistry | None) -> ApiMetrics:
        return cls(
            Histogram(
                LATENCY,
                "Merchant API call latency (received to answered), by operation and head.code",
                ("operation", "code"),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            )
        )

    def observe(self, operation: str | None, code: ResponseCode | None, latency_us: int) -> None:
        """One answered call: `operation` the path of one of the API's operations
        (merchant_api.OPERATIONS, never a path the client made up) or None for any
        other, `code` None if the connection was dropped without an answer."""
        key = (operation or OTHER, NO_CODE if code is None else code.code)
        bound = self._bound.get(key)
        if bound is None:
            bound = self._bind(key)
        bound.observe(latency_us / 1_000_000)

    def _bind(self, key: tuple[str, str]) -> Histogram:
        operation, code = key
        labels = (operation, code if code in DOCUMENTED_CODES or code == NO_CODE else OTHER)
        bound = self.latency.labels(*labels)
        if labels == key:  # only bounded keys are kept
            self._bound[key] = bound
        return bound


def _with_requests(families: Iterable[Metric]) -> Iterator[Metric]:
    """The families as collected, and after the latency histogram the call counter
    `botimpay_api_requests_total`: its `_count` samples, by the same labels."""
    for family in families:
        yield family
        if family.name == LATENCY:
            requests = CounterMetricFamily(
                REQUESTS,
                "Merchant API calls answered, by operation and head.code",
                labels=["operation", "code"],
            )
            for sample in family.samples:
                if sample.name == LATENCY + "_count":
                    labels = sample.labels
                    requests.add_metric([labels["operation"], labels["code"]], sample.value)
            yield requests


def database_families(counts: DatabaseCounts, business_now: int) -> list[Metric]:
    """The database gauges of one scrape; every known status and outcome appears, at 0
    when none has it."""
    orders = GaugeMetricFamily("botimpay_orders", "Payment orders by status", labels=["status"])
    for status in OrderStatus:
        orders.add_metric([status.value], counts.orders_by_status.get(status.value, 0))
    outbox = GaugeMetricFamily(
        "botimpay_notifications",
        "Notification outbox rows by state (PENDING: still to deliver; FAILED: gave up)",
        labels=["state"],
    )
    for state in NotificationStatus:
        outbox.add_metric([state.value], counts.notifications_by_status.get(state.value, 0))
    attempts = CounterMetricFamily(
        "botimpay_notification_attempts",
        "Notification delivery attempts by outcome",
        labels=["outcome"],
    )
    known = {outcome.value for outcome in Outcome}
    for outcome in Outcome:
        attempts.add_metric([outcome.value], counts.attempts_by_outcome.get(outcome.value, 0))
    other = sum(n for name, n in counts.attempts_by_outcome.items() if name not in known)
    if other:
        attempts.add_metric([OTHER], other)
    backlog = GaugeMetricFamily(
        "botimpay_notification_backlog",
        "Notifications due now (business time) and not yet delivered",
        value=counts.backlog,
    )
    waited = 0 if counts.oldest_due_at is None else max(0, business_now - counts.oldest_due_at)
    oldest = GaugeMetricFamily(
        "botimpay_notification_backlog_oldest_seconds",
        "How long the longest-waiting due notification has been due (business time)",
        value=waited / 1000,
    )
    return [orders, outbox, attempts, backlog, oldest]


class _Scrape:
    """One scrape: the process's registry, then the database's families."""

    def __init__(self, registry: CollectorRegistry, families: list[Metric]) -> None:
        self.registry = registry
        self.families = families

    def collect(self) -> Iterable[Metric]:
        yield from _with_requests(self.registry.collect())
        yield from self.families


@dataclass(frozen=True, slots=True)
class Metrics:
    """A process's metrics: the API's histogram and the registry a scrape reads."""

    api: ApiMetrics
    registry: CollectorRegistry
    multiprocess_dir: str | None

    @classmethod
    def build(cls) -> Metrics:
        """Multi-process when `serve` named a directory (see the module docstring),
        else in memory with this process's own metrics."""
        directory = os.environ.get(MULTIPROC_ENV) or None
        registry = CollectorRegistry()
        if directory is not None:
            multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
            api = ApiMetrics.create(registry=None)  # kept in the files
        else:
            ProcessCollector(registry=registry)
            GCCollector(registry=registry)
            api = ApiMetrics.create(registry=registry)
        PlatformCollector(registry=registry)
        return cls(api, registry, directory)

    def exposition(self, counts: DatabaseCounts, business_now: int) -> bytes:
        """The Prometheus text of a scrape, with the database's counts just read."""
        scrape: Collector = _Scrape(self.registry, database_families(counts, business_now))
        return generate_latest(scrape)

    def process_stopped(self) -> None:
        """Bookkeeping for a worker that stops: its live gauges (if any) leave the sums."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), self.multiprocess_dir)  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def worker_metrics_dir(workers: int) -> Iterator[str | None]:
    """For `serve`: with several workers, a fresh private PROMETHEUS_MULTIPROC_DIR for
    them (set before they start, removed at stop, and any left by a serve that was
    killed removed at start); with one, none (counts stay in memory)."""
    os.environ.pop(MULTIPROC_ENV, None)  # never someone else's directory
    if workers == 1:
        yield None
        return
    _remove_orphans(Path(tempfile.gettempdir()))
    directory = tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def _remove_orphans(tmp: Path) -> None:
    """Removes the metrics directories of serve processes that no longer run."""
    for path in tmp.glob(f"{_DIR_PREFIX}*-*"):
        pid = path.name.removeprefix(_DIR_PREFIX).split("-", 1)[0]
        with contextlib.suppress(OSError):
            ours = path.is_dir() and path.stat().st_uid == os.getuid()
            if ours and pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
