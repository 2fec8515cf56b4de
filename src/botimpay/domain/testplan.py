"""The go-live test plan's grader: one case run's calls, order and notification in,
a report out (every acceptance rule PASS, FAIL or PENDING, with the times it saw).

Pure: `grade` takes the run's order's calls from the request log (wall-clock
`received_at`), facts about the order, its payment notification's delivery
attempts and the current wall-clock time. The cases and their wording are in
domain.testplan_cases. All times are wall-clock, and every bound of the reference
is multiplied by the run's timeScale (2-6 s becomes 0.1-0.3 s at 0.05).

Time zero (+0.0s) is the run's order's first placeOrder call. A run is final as
soon as it is decided:

- FAIL as soon as one rule is definitively broken: an interval out of bounds, or
  a deadline passed without the call it expected. Deadlines get SLACK_MS (1 s,
  unscaled) more, so a call still on its way into the request log (written every
  200 ms) is not missed.
- PASS once every rule passed and the case's flow concluded. Calls after the
  conclusion are not graded.

When each flow concludes, and what "polling" means:

- Polling runs from the placeOrder's answer (for 004, the moment the held
  connection closed) until the flow moves on. Consecutive queries must be 2-6 s
  apart, exactly. The first query is due within 6 s of the placeOrder's answer,
  the next one within 6 s of the last, and polling goes on until the flow moves
  on (a cancel no later than 6 s after the last query): these are deadlines, with
  the slack, since the answer's time is the gateway's and not when the client got
  it. Queries after polling ended are not graded (a client may confirm once more).
- 001 concludes, and polling ends, at the first query that finds the order
  PAID_SUCCESS or SETTLED. It fails if the order ends FAILURE first.
- 002, 003, 004 conclude at the first cancelOrder (polling ends there too, and
  that cancel must come no later than 6 s after the last query).
- 005: polling ends at the first cancelOrder; it concludes at the first cancel
  answered SUCCESS. A failed cancel must be retried 3-10 s later.
- 006: polling ends at the first cancelOrder; it concludes at the third failed
  cancel. The page lets a merchant stop after more than 3 failures or 10 s of
  them and alert a person; what it does after the third is not graded.
- 007 concludes at the first query that makes three and follows an answered
  one (the case arms two failures, so normally the third query).
- 008 concludes at the third query (all of them fail: the case arms every one).
- 009 concludes at the first delivery attempt of the order's payment
  notification: it must be answered 2xx ("Receive and process") with the
  SUCCESS body.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan_cases import CANCEL, CASES, PLACE, QUERY, Bounds, Flow
from botimpay.domain.testplan_checks import CHECKS, SLACK_MS, Run, finds_paid, first
from botimpay.domain.testplan_report import (
    DeliveryAttempt,
    OrderFacts,
    Report,
    RuleResult,
    Status,
    waiting,
)

__all__ = [
    "SLACK_MS",
    "DeliveryAttempt",
    "OrderFacts",
    "Report",
    "RuleResult",
    "Status",
    "grade",
    "waiting",
]


def _conclusion(
    flow: Flow,
    queries: Sequence[RequestRecord],
    cancels: Sequence[RequestRecord],
    attempts: Sequence[DeliveryAttempt],
) -> tuple[int | None, RequestRecord | None]:
    """(when the flow concluded, the call that ended polling), either None while open."""
    first_cancel = cancels[0] if cancels else None
    if flow is Flow.PAID:
        paid = first(queries, finds_paid)
        return (paid.received_at if paid else None), paid
    if flow is Flow.CANCEL:
        return (first_cancel.received_at if first_cancel else None), first_cancel
    if flow is Flow.CANCEL_RETRIED:
        done = first(cancels, lambda c: c.succeeded)
        return (done.received_at if done else None), first_cancel
    if flow is Flow.CANCEL_FAILS:
        done = first(cancels, lambda c: c.succeeded)
        if done is None and len(cancels) >= 3:
            done = cancels[2]
        return (done.received_at if done else None), first_cancel
    if flow is Flow.QUERY_RECOVERS:
        for index in range(2, len(queries)):
            if any(q.succeeded for q in queries[: index + 1]):
                return queries[index].received_at, queries[index]
        return None, None
    if flow is Flow.QUERY_FAILS:
        third = queries[2] if len(queries) >= 3 else None
        return (third.received_at if third else None), third
    return (attempts[0].at_ms if attempts else None), None


def grade(
    case_no: str,
    time_scale: Decimal,
    now_ms: int,
    calls: Sequence[RequestRecord],
    order: OrderFacts | None,
    attempts: Sequence[DeliveryAttempt] = (),
) -> Report:
    """Grades a run bound to an order: `calls` are the order's calls (any order),
    `attempts` its payment notification's delivery attempts (oldest first)."""
    case = CASES[case_no]
    ordered = sorted(calls, key=lambda c: (c.received_at, c.record_id or 0))
    place = first(ordered, lambda c: c.operation == PLACE)
    if place is None:
        return waiting(case_no, time_scale)
    after = [c for c in ordered if c.received_at >= place.received_at]
    queries = [c for c in after if c.operation == QUERY]
    cancels = [c for c in after if c.operation == CANCEL]
    end, poll_end = _conclusion(case.flow, queries, cancels, attempts)
    if end is not None:
        cancels = [c for c in cancels if c.received_at <= end]
    polled_until = poll_end.received_at if poll_end is not None else end
    if polled_until is not None:  # queries after polling ended are not graded
        queries = [c for c in queries if c.received_at <= polled_until]
    run = Run(
        case=case,
        bounds=Bounds.scaled(time_scale),
        now=now_ms,
        digits=1 if time_scale >= 1 else 2 if time_scale >= Decimal("0.1") else 3,
        place=place,
        queries=tuple(queries),
        cancels=tuple(cancels),
        end=end,
        poll_end=poll_end,
        order=order,
        attempts=tuple(attempts),
    )
    results = tuple(
        RuleResult(rule.text, verdict.status, verdict.evidence)
        for rule in case.rules
        for verdict in (CHECKS[rule.check](run),)
    )
    if any(r.status is Status.FAIL for r in results):
        status = Status.FAIL
    elif end is not None and all(r.status is Status.PASS for r in results):
        status = Status.PASS
    else:
        status = Status.PENDING
    return Report(case.number, status, results, time_scale)
