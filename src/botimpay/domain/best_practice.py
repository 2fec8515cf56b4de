"""The passive best-practice lint: the reference's pacing and naming rules, checked on any
one order's calls from the request log (not only in a test-plan run).

Pure. Wall-clock seconds; an order of a test-plan run is held to its run's timeScale
(so a run at 0.1 polls every 0.2-0.6 s, and is linted so). What breaks each rule:

- "poll every 2-6 s": two consecutive getOrder calls less than 2 s apart; or more
  than 6 s apart while the earlier one had not found the order final (it failed, or
  found it CREATED), so the merchant was still waiting for a result.
- "cancel an unpaid order 20-120 s after placing it": the first cancelOrder sooner
  than 20 s or later than 120 s after the first placeOrder; or none at all while the
  order is still CREATED more than 120 s after placing, or ended expired.
- "retry a failed cancel every 3-10 s": a cancelOrder that failed for a reason a
  retry can cure (SYSTEM_ERROR, SERVICE_TIMEOUT, RATE_LIMIT_REJECT, or no answer) not
  followed 3-10 s later by the next one. Stopping after three such failures in a row,
  or after failures for more than 10 s, is allowed (the page then asks for a person).
- "merchantOrderNo uses only letters, digits, - and _".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan_cases import CANCEL, PLACE, QUERY, Bounds

POLL = "poll every 2-6 s"
CANCEL_AT = "cancel an unpaid order 20-120 s after placing it"
CANCEL_RETRY = "retry a failed cancel every 3-10 s"
ORDER_NO = "merchantOrderNo uses only letters, digits, - and _"
RULES = (POLL, CANCEL_AT, CANCEL_RETRY, ORDER_NO)

SLACK_MS = 1_000
_ORDER_NO = re.compile(r"[A-Za-z0-9_-]+")
_RETRYABLE = frozenset({"500", "504", "402"})
_FINAL_STATUSES = frozenset({"PAID_SUCCESS", "SETTLED", "FAILURE"})


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    evidence: str

    def to_wire(self) -> dict[str, str]:
        return {"rule": self.rule, "evidence": self.evidence}


def _s(ms: int) -> str:
    return f"{ms / 1000:.1f}s"


def _retryable(call: RequestRecord) -> bool:
    return call.code is None or call.code in _RETRYABLE


def _order_no(merchant_order_no: str) -> Finding | None:
    if _ORDER_NO.fullmatch(merchant_order_no):
        return None
    bad = sorted({ch for ch in merchant_order_no if not _ORDER_NO.fullmatch(ch)})
    shown = " ".join(repr(ch) for ch in bad[:8])
    return Finding(ORDER_NO, f"{merchant_order_no!r} has {shown}")


def _poll(queries: Sequence[RequestRecord], at: int, bounds: Bounds) -> Finding | None:
    window = bounds.query
    broken: list[str] = []
    for earlier, later in pairwise(queries):
        gap = later.received_at - earlier.received_at
        waiting = not earlier.succeeded or earlier.order_status not in _FINAL_STATUSES
        if gap < window.low_ms or (waiting and gap > window.high_ms):
            broken.append(f"{_s(gap)} after the query at +{_s(earlier.received_at - at)}")
    if not broken:
        return None
    count = len(queries) - 1
    more = f" (and {len(broken) - 3} more)" if len(broken) > 3 else ""
    return Finding(
        POLL, f"{len(broken)} of {count} query intervals: " + "; ".join(broken[:3]) + more
    )


def _cancel_at(
    place: RequestRecord,
    cancels: Sequence[RequestRecord],
    now_ms: int,
    order: tuple[str | None, str | None],
    bounds: Bounds,
) -> Finding | None:
    order_status, fail_code = order
    window = bounds.cancel_at
    if cancels:
        after = cancels[0].received_at - place.received_at
        if window.holds(after):
            return None
        return Finding(CANCEL_AT, f"the first cancelOrder came {_s(after)} after the placeOrder")
    age = now_ms - place.received_at
    if order_status == "CREATED" and age > window.high_ms + SLACK_MS:
        return Finding(CANCEL_AT, f"still unpaid {_s(age)} after the placeOrder, never cancelled")
    if order_status == "FAILURE" and fail_code == "ORDER_EXPIRED":
        return Finding(CANCEL_AT, "left unpaid until it expired, never cancelled")
    return None


def _cancel_retry(
    cancels: Sequence[RequestRecord], now_ms: int, at: int, bounds: Bounds
) -> Finding | None:
    window = bounds.cancel_retry
    broken: list[str] = []
    for earlier, later in pairwise(cancels):
        gap = later.received_at - earlier.received_at
        if _retryable(earlier) and not window.holds(gap):
            broken.append(
                f"retried {_s(gap)} after the failed cancel at +{_s(earlier.received_at - at)}"
            )
    last = cancels[-1] if cancels else None
    if (
        last is not None
        and _retryable(last)
        and now_ms > last.received_at + window.high_ms + SLACK_MS
    ):
        streak = 0
        for cancel in reversed(cancels):
            if not _retryable(cancel):
                break
            streak += 1
        first_failure = cancels[-streak].received_at
        span = cancels[-1].received_at - first_failure
        if streak < 3 and span <= window.high_ms:
            broken.append(
                f"gave up after {streak} failed cancel(s), the last at "
                f"+{_s(cancels[-1].received_at - at)}"
            )
    if not broken:
        return None
    return Finding(CANCEL_RETRY, "; ".join(broken[:3]))


def lint(
    merchant_order_no: str,
    calls: Sequence[RequestRecord],
    now_ms: int,
    order_status: str | None = None,
    fail_code: str | None = None,
    time_scale: Decimal = Decimal(1),
) -> list[Finding]:
    """The rules one order's calls broke (times are from its first placeOrder, or its
    first logged call when the placeOrder was pruned); `order_status` and `fail_code` as
    the order has them now, if it exists; `time_scale` that of its test-plan run, if any."""
    bounds = Bounds.scaled(time_scale)
    ordered = sorted(calls, key=lambda c: (c.received_at, c.record_id or 0))
    findings: list[Finding | None] = [_order_no(merchant_order_no)]
    place = next((c for c in ordered if c.operation == PLACE), None)
    at = place.received_at if place is not None else ordered[0].received_at if ordered else 0
    queries = [c for c in ordered if c.operation == QUERY]
    cancels = [c for c in ordered if c.operation == CANCEL]
    findings.append(_poll(queries, at, bounds))
    if place is not None:
        findings.append(_cancel_at(place, cancels, now_ms, (order_status, fail_code), bounds))
    findings.append(_cancel_retry(cancels, now_ms, at, bounds))
    return [f for f in findings if f is not None]
