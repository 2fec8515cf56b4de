"""A merchant integration that follows the reference's rules, to grade test-plan runs with.

`Integration` drives one order the way a conforming merchant server does: place it;
poll getOrder every 2-6 s; cancel it, if still unpaid, 20-120 s after placing;
retry a failed cancel every 3-10 s; give up (and alert a person) after more than
three failures in a row. A failed or unanswered placeOrder is not the end: the
order is polled and cancelled by its merchantOrderNo (Case-003/004). `Pace` holds
those times in the reference's seconds, aimed at the middle of each window, times
the run's time scale; change one knob to make the integration misbehave on purpose.
`Customer` pays as a test wallet through /sandbox/api/pay while the order is polled.

`drive(gateway, merchant, case, pace, ...)` starts a case run over HTTP, runs the
integration against it in a thread and returns the final grade and what it did;
`drive_all` does that for several runs of one merchant at once; `conforming(case, ...)`
is the plan of a merchant that follows the rules; `follow_run_all` drives the cases
of a `botimpay testplan run-all` as it announces them. To drive the cases with
another client (the SDK), give `drive_all`/`follow_run_all` an object with the same
`run()` and `stop` as Integration.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import httpx

from tests.harness import Gateway, Merchant, dumps, jsapi_order, now_ms, order_no

WALLET = "+971 56 000 0005"
PASSWORD = "132580"
PLACE = "acquire2/placeOrder"
QUERY = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"
PAID = ("PAID_SUCCESS", "SETTLED")


@dataclass(frozen=True)
class Pace:
    """When the integration calls, in the reference's seconds (before `scale`)."""

    scale: Decimal = Decimal(1)
    query_every: float = 4.0  # middle of 2-6 s
    cancel_after: float | None = 70.0  # middle of 20-120 s; None: never cancel
    cancel_every: float = 6.5  # middle of 3-10 s
    give_up_after: int = 4  # failures in a row ("more than 3") before alerting a person
    cancel_give_up_after: int | None = None  # cancels that may fail; default give_up_after

    def seconds(self, reference_seconds: float) -> float:
        return reference_seconds * float(self.scale)

    def but(self, **changes: Any) -> Pace:
        return replace(self, **changes)


@dataclass
class Customer:
    """A test wallet that pays the order once, when the integration first sees it: on
    its own thread, as a person on a phone would, so the merchant keeps its pace."""

    gateway_url: str
    phone: str = WALLET
    password: str = PASSWORD
    answers: list[dict[str, Any]] = field(default_factory=list)
    _started: set[str] = field(default_factory=set)

    def __call__(self, order_no: str) -> None:
        if order_no not in self._started:
            self._started.add(order_no)
            threading.Thread(target=self._pay, args=(order_no,), daemon=True).start()

    def _pay(self, order_no: str) -> None:
        response = httpx.post(
            self.gateway_url + "/sandbox/api/pay",
            json={"orderNo": order_no, "phone": self.phone, "paymentPassword": self.password},
            timeout=30,
        )
        self.answers.append(response.json())


@dataclass
class Call:
    operation: str
    at: float  # time.monotonic() when sent
    code: str | None  # None: no answer (the connection dropped)
    status: str | None  # acquireOrder.status when answered


@dataclass
class Outcome:
    """What the integration did: how it ended and every call it made."""

    merchant_order_no: str
    order_no: str | None = None
    end: str = "RUNNING"  # PAID, CLOSED, CANCELLED, CANCEL_GAVE_UP, QUERY_GAVE_UP, STOPPED
    calls: list[Call] = field(default_factory=list)


class Integration:
    """One order driven by a merchant server that follows `pace`."""

    def __init__(
        self,
        merchant: Merchant,
        pace: Pace,
        *,
        amount: Decimal = Decimal("10.00"),
        notify_url: str | None = None,
        customer: Customer | None = None,
        merchant_order_no: str | None = None,
    ) -> None:
        self.merchant = merchant
        self.pace = pace
        self.amount = amount
        self.notify_url = notify_url or "http://127.0.0.1:9/notify"
        self.customer = customer
        self.stop = threading.Event()
        self.outcome = Outcome(merchant_order_no or order_no())

    def _call(self, operation: str, biz: dict[str, Any]) -> dict[str, Any] | None:
        """The acquireOrder of a successful answer; None on any failure (recorded)."""
        body = dumps({"requestTime": now_ms(), "bizContent": biz})
        sent = time.monotonic()
        try:
            response = self.merchant.post_raw(operation, body)
        except httpx.HTTPError:  # a TIMEOUT fault closes the connection without an answer
            self.outcome.calls.append(Call(operation, sent, None, None))
            return None
        assert response.signature_valid is True, response.raw
        order = (response.body or {}).get("acquireOrder") if response.code == "0" else None
        status = order.get("status") if order else None
        self.outcome.calls.append(Call(operation, sent, response.code, status))
        if order is not None:
            self.outcome.order_no = order.get("orderNo")
        return order

    def _wait_until(self, moment: float) -> bool:
        """Sleeps until `moment`; False when told to stop first."""
        return not self.stop.wait(max(0.0, moment - time.monotonic()))

    def run(self) -> Outcome:
        pace, outcome = self.pace, self.outcome
        number = outcome.merchant_order_no
        started = time.monotonic()
        self._call(
            PLACE,
            jsapi_order(
                merchantOrderNo=number,
                totalAmount={"amount": self.amount, "currency": "AED"},
                notifyUrl=self.notify_url,
            ),
        )
        outcome.end = self._poll(started)
        if outcome.end == "CANCEL":
            outcome.end = self._cancel(started + pace.seconds(pace.cancel_after or 0))
        return outcome

    def _poll(self, started: float) -> str:
        pace, number = self.pace, self.outcome.merchant_order_no
        cancel_at = None if pace.cancel_after is None else started + pace.seconds(pace.cancel_after)
        next_query = time.monotonic() + pace.seconds(pace.query_every)
        failures = 0
        while True:
            if cancel_at is not None and next_query >= cancel_at:
                return "CANCEL"
            if not self._wait_until(next_query):
                return "STOPPED"
            next_query = time.monotonic() + pace.seconds(pace.query_every)
            order = self._call(QUERY, {"merchantOrderNo": number})
            if order is None:
                failures += 1
                if failures >= pace.give_up_after:
                    return "QUERY_GAVE_UP"
                continue
            failures = 0
            if order["status"] in PAID:
                return "PAID"
            if order["status"] == "FAILURE":
                return "CLOSED"
            if self.customer is not None:
                self.customer(order["orderNo"])

    def _cancel(self, cancel_at: float) -> str:
        pace, number = self.pace, self.outcome.merchant_order_no
        allowed = pace.cancel_give_up_after or pace.give_up_after
        if not self._wait_until(cancel_at):
            return "STOPPED"
        failures = 0
        while True:
            sent = time.monotonic()
            if self._call(CANCEL, {"merchantOrderNo": number}) is not None:
                return "CANCELLED"
            failures += 1
            if failures >= allowed:
                return "CANCEL_GAVE_UP"
            if not self._wait_until(sent + pace.seconds(pace.cancel_every)):
                return "STOPPED"


def start_run(gateway: Gateway, partner_id: str, case: str, scale: Decimal) -> str:
    """POST /sandbox/api/testplan; the run's id."""
    response = httpx.post(
        gateway.base_url + "/sandbox/api/testplan",
        content=dumps({"partnerId": partner_id, "case": case, "timeScale": scale}),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def run_status(gateway: Gateway, run_id: str) -> dict[str, Any]:
    response = httpx.get(gateway.base_url + f"/sandbox/api/testplan/{run_id}", timeout=30)
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def wait_verdict(gateway: Gateway, run_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Polls the run until it is PASS or FAIL; fails the test with the last report."""
    deadline = time.monotonic() + timeout
    while True:
        view = run_status(gateway, run_id)
        if view["status"] != "PENDING":
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still PENDING after {timeout} s: {view}")
        time.sleep(0.25)


@dataclass
class Driven:
    """A case run and the integration that drove it."""

    run_id: str
    verdict: dict[str, Any]
    outcome: Outcome
    seconds: float  # from the run's start to its verdict

    def rule(self, words: str) -> dict[str, Any]:
        """The verdict's rule whose text contains `words`."""
        found = [r for r in self.verdict["rules"] if words in r["rule"]]
        assert len(found) == 1, (words, self.verdict)
        return found[0]

    def explain(self) -> str:
        """The verdict and every rule, one a line (for assertion messages)."""
        lines = [
            f"run {self.run_id} case {self.verdict['case']}: {self.verdict['status']} "
            f"in {self.seconds:.1f} s"
        ]
        lines += [f"  {r['status']} {r['rule']} | {r['evidence']}" for r in self.verdict["rules"]]
        lines += [f"  integration: {self.outcome.end}"]
        lines += [f"  {c.operation} {c.at:.3f} {c.code} {c.status}" for c in self.outcome.calls]
        return "\n".join(lines)

    def failing(self) -> list[str]:
        return [r["rule"] for r in self.verdict["rules"] if r["status"] == "FAIL"]


@dataclass(frozen=True)
class Plan:
    """One case run to drive: the case, the integration's pace and its other options."""

    case: str
    pace: Pace
    options: dict[str, Any] = field(default_factory=dict)


def conforming(case: str, pace: Pace, gateway: Gateway, notify_url: str) -> Plan:
    """The case as a conforming merchant drives it, with a customer who pays in the
    cases that need a payment: 001 at AED 500 or more (the checkout asks for the payment
    password), 009 with `notify_url` (a receiver that must answer SUCCESS)."""
    options: dict[str, Any] = {}
    if case in ("001", "009"):
        options["customer"] = Customer(gateway.base_url)
    if case == "001":
        options["amount"] = Decimal("600.00")
    if case == "009":
        options["notify_url"] = notify_url
    return Plan(case, pace, options)


def _wait_bound(gateway: Gateway, run_id: str, timeout: float = 15.0) -> None:
    """Waits until the run is bound to the integration's order (its placeOrder arrived)."""
    deadline = time.monotonic() + timeout
    while run_status(gateway, run_id)["merchantOrderNo"] is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} was not bound to an order in {timeout} s")
        time.sleep(0.02)


def drive_all(
    gateway: Gateway,
    merchant: Merchant,
    plans: list[Plan],
    *,
    timeout: float = 60.0,
    make: Callable[[Plan], Any] | None = None,
) -> list[Driven]:
    """Drives every plan for `merchant` at once: each run is started and bound to its
    integration's order before the next starts (a merchant has one run waiting at a
    time), then all go on in parallel; each integration is stopped at its verdict.
    `make(plan)` builds another integration (one with `run()`, `stop`, `outcome`)."""
    running = []
    for plan in plans:
        started = time.monotonic()
        run_id = start_run(gateway, merchant.partner_id, plan.case, plan.pace.scale)
        client = (
            make(plan) if make is not None else Integration(merchant, plan.pace, **plan.options)
        )
        thread = threading.Thread(target=client.run, name=f"case-{plan.case}", daemon=True)
        thread.start()
        _wait_bound(gateway, run_id)
        running.append((started, run_id, client, thread))
    verdicts: dict[str, Driven] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(verdicts) < len(running):
            for started, run_id, client, _ in running:
                if run_id in verdicts:
                    continue
                view = run_status(gateway, run_id)
                if view["status"] != "PENDING":
                    client.stop.set()
                    elapsed = time.monotonic() - started
                    verdicts[run_id] = Driven(run_id, view, client.outcome, elapsed)
                elif time.monotonic() > deadline:
                    raise AssertionError(f"run {run_id} still PENDING after {timeout} s: {view}")
            time.sleep(0.25)
    finally:
        for _, _, client, thread in running:
            client.stop.set()
            thread.join(30)
    return [verdicts[run_id] for _, run_id, _, _ in running]


def drive(gateway: Gateway, merchant: Merchant, case: str, pace: Pace, **options: Any) -> Driven:
    """Starts `case` for `merchant`, drives it with an Integration at `pace` in a thread,
    waits for the verdict, then stops the integration."""
    (driven,) = drive_all(gateway, merchant, [Plan(case, pace, options)])
    return driven


_STARTED = re.compile(r"^case (\d{3}) started: run (\S+)")
_DECIDED = re.compile(r"^case (\d{3}) (PASS|FAIL|TIMEOUT) in ")


def follow_run_all(
    process: subprocess.Popen[str], integration_for: Callable[[str], Integration | None]
) -> list[str]:
    """Reads `botimpay testplan run-all` output as it comes: when a case starts, runs
    `integration_for(case)` (None: leave it undriven) in a thread, and stops it when
    the case is decided. Returns every line the command printed."""
    assert process.stdout is not None
    lines: list[str] = []
    running: dict[str, tuple[Integration, threading.Thread]] = {}
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        started, decided = _STARTED.match(line), _DECIDED.match(line)
        if started is not None:
            client = integration_for(started.group(1))
            if client is not None:
                thread = threading.Thread(target=client.run, daemon=True)
                thread.start()
                running[started.group(1)] = (client, thread)
        elif decided is not None and decided.group(1) in running:
            client, thread = running.pop(decided.group(1))
            client.stop.set()
            thread.join(30)
    for client, thread in running.values():
        client.stop.set()
        thread.join(30)
    return lines
