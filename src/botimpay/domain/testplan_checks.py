"""The test plan's checks: one function per kind of acceptance rule, each a verdict with
the evidence it saw (times from the run's first placeOrder, scaled bounds).

Pure; domain.testplan cuts a run's calls at its conclusion and calls these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeVar

from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan_cases import QUERY, Bounds, Case, Check, Window
from botimpay.domain.testplan_report import DeliveryAttempt, OrderFacts, Status

SLACK_MS = 1_000  # more time a deadline allows, for calls still on their way into the log
PAID_STATUSES = frozenset({"PAID_SUCCESS", "SETTLED"})
_LISTED = 8  # times listed in evidence before "… N more"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    evidence: str


def _pass(evidence: str) -> Verdict:
    return Verdict(Status.PASS, evidence)


def _fail(evidence: str) -> Verdict:
    return Verdict(Status.FAIL, evidence)


def _pending(evidence: str) -> Verdict:
    return Verdict(Status.PENDING, evidence)


@dataclass(frozen=True, slots=True)
class Run:
    """One run's calls, cut at the conclusion, and what the checks share."""

    case: Case
    bounds: Bounds
    now: int
    digits: int  # decimals of seconds in evidence
    place: RequestRecord
    queries: tuple[RequestRecord, ...]  # while polling ran
    cancels: tuple[RequestRecord, ...]  # up to the conclusion
    end: int | None  # when the flow concluded (wall-clock ms)
    poll_end: RequestRecord | None  # the call that ended polling
    order: OrderFacts | None
    attempts: tuple[DeliveryAttempt, ...]

    @property
    def t0(self) -> int:
        return self.place.received_at

    @property
    def answered_at(self) -> int:
        """When the placeOrder was answered (or its held connection closed)."""
        return self.place.received_at + self.place.latency_us // 1000

    def s(self, ms: int) -> str:
        return f"{ms / 1000:.{self.digits}f}s"

    def at(self, ms: int) -> str:
        return f"+{(ms - self.t0) / 1000:.{self.digits}f}s"

    def window(self, window: Window) -> str:
        low, high = window.low_ms / 1000, window.high_ms / 1000
        return f"{low:.{self.digits}f}–{high:.{self.digits}f}s"

    def overdue(self, since: int, window: Window) -> bool:
        return self.now > since + window.high_ms + SLACK_MS

    def times(self, calls: Sequence[RequestRecord], *, answers: bool = False) -> str:
        shown = [
            self.at(c.received_at) + (f" ({_answer(c)})" if answers else "")
            for c in calls[:_LISTED]
        ]
        more = f", … {len(calls) - _LISTED} more" if len(calls) > _LISTED else ""
        return ", ".join(shown) + more


def _answer(call: RequestRecord) -> str:
    if call.code is None:
        return "no answer"
    if call.succeeded:
        return f"SUCCESS status={call.order_status}" if call.order_status else "SUCCESS"
    return f"{call.code} {call.msg or ''}".strip()


def _intervals(run: Run, calls: Sequence[RequestRecord]) -> str:
    gaps = [b.received_at - a.received_at for a, b in pairwise(calls)]
    shown = ", ".join(run.s(g) for g in gaps[:_LISTED])
    return shown + (f", … {len(gaps) - _LISTED} more" if len(gaps) > _LISTED else "")


def _series(run: Run, calls: Sequence[RequestRecord], noun: str, *, answers: bool = False) -> str:
    text = f"{noun} at {run.times(calls, answers=answers)}"
    if len(calls) > 1:
        text += f"; intervals {_intervals(run, calls)}"
    return text


# --- the checks -------------------------------------------------------------------


def _ids(run: Run) -> Verdict:
    place = run.place
    if place.partner_id and place.merchant_order_no:
        return _pass(
            f"placeOrder at {run.at(place.received_at)} with Partner-Id {place.partner_id} "
            f"and merchantOrderNo {place.merchant_order_no}"
        )
    return _fail("the placeOrder named no merchantOrderNo")


def _amount(run: Run) -> Verdict:
    if run.order is None:
        if run.place.code not in (None, "0"):
            return _fail(f"placeOrder was refused ({_answer(run.place)}); no order")
        return _pending("the order is not in the database yet")
    amount = f"AED {run.order.amount:.2f}"
    if run.order.amount >= 500:
        return _pass(f"{amount} (≥ AED 500: the checkout asks for the payment password)")
    return _fail(f"{amount} is less than AED 500")


def _created(run: Run) -> Verdict:
    place = run.place
    said = f"placeOrder at {run.at(place.received_at)} answered {_answer(place)}"
    if place.succeeded and place.order_status == "CREATED":
        return _pass(said)
    return _fail(said + "; status=CREATED expected")


def _place_system_error(run: Run) -> Verdict:
    place = run.place
    said = f"placeOrder at {run.at(place.received_at)} answered {_answer(place)}"
    if place.code == "500":
        return _pass(said + " (the order was created behind it)")
    return _fail(said + "; the case's SYSTEM_ERROR did not apply")


def _place_timed_out(run: Run) -> Verdict:
    place = run.place
    if place.code is None:
        return _pass(
            f"placeOrder at {run.at(place.received_at)} got no answer: the connection closed "
            f"after {run.s(run.answered_at - place.received_at)} (TIMEOUT), a failure to the "
            "client; the order was created behind it"
        )
    return _fail(
        f"placeOrder at {run.at(place.received_at)} answered {_answer(place)}; "
        "the case's TIMEOUT did not apply"
    )


def _polling_overdue(run: Run) -> int | None:
    """While polling runs: when the last query (or the placeOrder's answer) was, if the
    next query is overdue."""
    if run.poll_end is not None:
        return None
    last = run.queries[-1].received_at if run.queries else run.answered_at
    return last if run.overdue(last, run.bounds.query) else None


def _query_count(run: Run, wanted: int) -> Verdict:
    count = len(run.queries)
    if count >= wanted:
        return _pass(f"{count} queries, at {run.times(run.queries, answers=True)}")
    seen = f"{count} queries" + (f" (at {run.times(run.queries)})" if count else "")
    if run.poll_end is not None:
        return _fail(
            f"{seen} before the {_name(run.poll_end)} at {run.at(run.poll_end.received_at)}"
        )
    late = _polling_overdue(run)
    if late is not None:
        return _fail(f"{seen}; none since {run.at(late)}, {run.s(run.now - late)} ago")
    return _pending(f"{seen} so far")


def _name(call: RequestRecord) -> str:
    return call.operation.removeprefix("acquire2/")


def _query_frequency(run: Run) -> Verdict:
    window = run.bounds.query
    allowed = f"allowed {run.window(window)}"
    queries = run.queries
    series = _series(run, queries, "queries") if queries else "no query yet"
    previous = run.answered_at
    for index, query in enumerate(queries):
        gap = query.received_at - previous
        shown = _series(run, queries[: index + 1], "queries")
        if index == 0 and gap > window.high_ms + SLACK_MS:  # a deadline: slack applies
            return _fail(
                f"the first query came {run.s(gap)} after the placeOrder's answer at "
                f"{run.at(previous)}; due within {run.s(window.high_ms)}; {shown}"
            )
        if index and not window.holds(gap):
            return _fail(
                f"interval {run.s(gap)} ({run.at(previous)} → {run.at(query.received_at)}) is "
                f"outside the {allowed}; {shown}"
            )
        previous = query.received_at
    end = run.poll_end
    if end is not None:
        if end.operation != QUERY and end.received_at - previous > window.high_ms + SLACK_MS:
            return _fail(
                f"no query in the {run.s(end.received_at - previous)} from {run.at(previous)} "
                f"to the {_name(end)} at {run.at(end.received_at)}; {allowed}; {series}"
            )
        if not queries:
            return _pending(f"no query before the {_name(end)} at {run.at(end.received_at)}")
        return _pass(f"{series}; {allowed}")
    late = _polling_overdue(run)
    if late is not None:
        return _fail(
            f"no query since {run.at(late)} ({run.s(run.now - late)} ago); {allowed}; {series}"
        )
    return _pending(f"{series}; {allowed}")


def _last_query_paid(run: Run) -> Verdict:
    found = first(run.queries, finds_paid)
    if found is not None:
        return _pass(f"the query at {run.at(found.received_at)} found {found.order_status}")
    last = f"last query found {_answer(run.queries[-1])}" if run.queries else "no query yet"
    order = run.order
    if order is not None and order.status == "FAILURE":
        why = f" ({order.fail_code})" if order.fail_code else ""
        return _fail(f"the order ended FAILURE{why} before a query found it paid; {last}")
    late = _polling_overdue(run)
    if order is not None and order.status in PAID_STATUSES and late is not None:
        return _fail(f"the order is {order.status} but no query since {run.at(late)} found it")
    return _pending(last)


def _cancel_window(run: Run) -> Verdict:
    window = run.bounds.cancel_at
    if run.cancels:
        first = run.cancels[0].received_at
        said = (
            f"first cancelOrder at {run.at(first)}, {run.s(first - run.t0)} after the placeOrder; "
            f"allowed {run.window(window)}"
        )
        return _pass(said) if window.holds(first - run.t0) else _fail(said)
    if run.overdue(run.t0, window):
        return _fail(f"no cancelOrder by +{run.s(window.high_ms)}; allowed {run.window(window)}")
    return _pending(
        f"no cancelOrder yet; due at +{run.s(window.low_ms)} to +{run.s(window.high_ms)}"
    )


def _retry_overdue(run: Run) -> RequestRecord | None:
    """The last cancel, if it failed and its retry is overdue (before the conclusion)."""
    if run.end is not None or not run.cancels:
        return None
    last = run.cancels[-1]
    if last.succeeded or not run.overdue(last.received_at, run.bounds.cancel_retry):
        return None
    return last


def _cancel_frequency(run: Run) -> Verdict:
    window = run.bounds.cancel_retry
    allowed = f"allowed {run.window(window)}"
    cancels = run.cancels
    for index in range(1, len(cancels)):
        before, after = cancels[index - 1].received_at, cancels[index].received_at
        if not window.holds(after - before):
            shown = _series(run, cancels[: index + 1], "cancels", answers=True)
            return _fail(
                f"interval {run.s(after - before)} ({run.at(before)} → {run.at(after)}) is "
                f"outside the {allowed}; {shown}"
            )
    if not cancels:
        return _pending("no cancelOrder yet")
    series = _series(run, cancels, "cancels", answers=True)
    late = _retry_overdue(run)
    if late is not None:
        return _fail(
            f"the cancelOrder at {run.at(late.received_at)} failed ({_answer(late)}) and no "
            f"retry came within {run.s(window.high_ms)}; {series}"
        )
    if run.end is not None:
        return _pass(f"{series}; {allowed}" if len(cancels) > 1 else f"{series}; no retry needed")
    return _pending(f"{series}; {allowed}")


def _cancels_last_succeed(run: Run) -> Verdict:
    cancels = run.cancels
    for index, cancel in enumerate(cancels):
        if cancel.succeeded:
            said = f"cancels at {run.times(cancels[: index + 1], answers=True)}"
            if index >= 2:
                return _pass(said)
            return _fail(f"{said}: cancel #{index + 1} succeeded; at least three were required")
    return _cancels_unfinished(run)


def _cancels_all_fail(run: Run) -> Verdict:
    cancels = run.cancels
    succeeded = first(cancels, lambda c: c.succeeded)
    said = f"cancels at {run.times(cancels, answers=True)}"
    if succeeded is not None:
        return _fail(f"{said}: the one at {run.at(succeeded.received_at)} succeeded")
    if len(cancels) >= 3:
        return _pass(f"{len(cancels)} cancels, all failed: {said}")
    return _cancels_unfinished(run)


def _cancels_unfinished(run: Run) -> Verdict:
    cancels = run.cancels
    if not cancels:
        if run.overdue(run.t0, run.bounds.cancel_at):
            return _fail(f"no cancelOrder by +{run.s(run.bounds.cancel_at.high_ms)}")
        return _pending("no cancelOrder yet")
    said = f"{len(cancels)} cancel(s), at {run.times(cancels, answers=True)}"
    late = _retry_overdue(run)
    if late is not None:
        return _fail(f"{said}; no retry within {run.s(run.bounds.cancel_retry.high_ms)}")
    return _pending(said)


def _notification(run: Run) -> Verdict | DeliveryAttempt:
    """The first delivery attempt, or the verdict while there is none to grade."""
    order = run.order
    if order is None:
        return _pending("the order is not in the database yet")
    if not order.has_notify_url:
        return _fail("the placeOrder gave no notifyUrl: there is nowhere to deliver")
    if not run.attempts:
        return _pending(f"no payment notification delivered yet (the order is {order.status})")
    return run.attempts[0]


def _attempt(run: Run, attempt: DeliveryAttempt) -> str:
    status = f" HTTP {attempt.http_status}" if attempt.http_status is not None else ""
    excerpt = f" {attempt.excerpt!r}" if attempt.excerpt else ""
    return f"the first delivery at {run.at(attempt.at_ms)}: {attempt.outcome}{status}{excerpt}"


def _notify_received(run: Run) -> Verdict:
    attempt = _notification(run)
    if isinstance(attempt, Verdict):
        return attempt
    received = attempt.outcome in ("SUCCESS", "BAD_RESPONSE")  # answered 2xx
    return (_pass if received else _fail)(_attempt(run, attempt))


def _notify_success(run: Run) -> Verdict:
    attempt = _notification(run)
    if isinstance(attempt, Verdict):
        return attempt
    said = _attempt(run, attempt)
    if attempt.outcome == "SUCCESS":
        return _pass(said)
    return _fail(said + '; {"response":"SUCCESS"} was required')


CHECKS: dict[Check, Callable[[Run], Verdict]] = {
    Check.IDS: _ids,
    Check.AMOUNT: _amount,
    Check.CREATED: _created,
    Check.PLACE_SYSTEM_ERROR: _place_system_error,
    Check.PLACE_TIMED_OUT: _place_timed_out,
    Check.QUERY_ONE: lambda run: _query_count(run, 1),
    Check.QUERY_THREE: lambda run: _query_count(run, 3),
    Check.QUERY_FREQUENCY: _query_frequency,
    Check.LAST_QUERY_PAID: _last_query_paid,
    Check.CANCEL_WINDOW: _cancel_window,
    Check.CANCEL_FREQUENCY: _cancel_frequency,
    Check.CANCELS_LAST_SUCCEEDS: _cancels_last_succeed,
    Check.CANCELS_ALL_FAIL: _cancels_all_fail,
    Check.NOTIFY_RECEIVED: _notify_received,
    Check.NOTIFY_SUCCESS: _notify_success,
}


def first(items: Sequence[_T], test: Callable[[_T], bool]) -> _T | None:
    return next((item for item in items if test(item)), None)


def finds_paid(call: RequestRecord) -> bool:
    return call.succeeded and call.order_status in PAID_STATUSES
