"""The passive best-practice lint (domain.best_practice) on hand-made call logs."""

from __future__ import annotations

from decimal import Decimal

from botimpay.domain import best_practice
from botimpay.domain.best_practice import lint
from botimpay.domain.request_log import RequestRecord
from tests.testplan.calls import at, cancels, place, queries


def rules(
    number: str,
    calls: list[RequestRecord],
    now_s: float,
    status: str | None = "CREATED",
    fail_code: str | None = None,
    scale: str = "1",
) -> dict[str, str]:
    """The lint's findings for the order, rule → evidence."""
    found = lint(number, calls, at(now_s), status, fail_code, Decimal(scale))
    return {f.rule: f.evidence for f in found}


def test_a_well_paced_order_breaks_nothing() -> None:
    calls = [place(), *queries(4, 8, 12), *cancels((30, "500"), (36, "500"), (42, "0"))]
    assert rules("M-1_ok", calls, 300, "FAILURE", "ORDER_CANCELLED") == {}


def test_polling_too_fast_or_too_slow_while_waiting() -> None:
    fast = rules("M-1", [place(), *queries(4, 5, 9)], 10, "PAID_SUCCESS")
    assert fast == {best_practice.POLL: "1 of 2 query intervals: 1.0s after the query at +4.0s"}
    slow = rules("M-1", [place(), *queries(4, 14)], 15, "PAID_SUCCESS")
    assert best_practice.POLL in slow
    # a query long after the order was found paid is not polling
    later = [place(), *queries(4), *queries(8, 600, status="PAID_SUCCESS")]
    assert rules("M-1", later, 700, "PAID_SUCCESS") == {}


def test_an_unpaid_order_is_cancelled_20_to_120_s_after_placing() -> None:
    early = rules("M-1", [place(), *queries(4), *cancels((10, "0"))], 300, "FAILURE")
    assert early == {
        best_practice.CANCEL_AT: "the first cancelOrder came 10.0s after the placeOrder"
    }
    never = rules("M-1", [place(), *queries(4)], 200, "CREATED")
    assert "never cancelled" in never[best_practice.CANCEL_AT]
    expired = rules("M-1", [place()], 9000, "FAILURE", "ORDER_EXPIRED")
    assert "expired" in expired[best_practice.CANCEL_AT]
    assert best_practice.CANCEL_AT not in rules("M-1", [place()], 200, "PAID_SUCCESS")


def test_a_failed_cancel_is_retried_3_to_10_s_later_until_three_failures() -> None:
    once = rules("M-1", [place(), *cancels((30, "500"))], 60)
    assert once[best_practice.CANCEL_RETRY].startswith("gave up after 1 failed cancel(s)")
    fast = rules("M-1", [place(), *cancels((30, "500"), (31, "0"))], 60)
    assert fast[best_practice.CANCEL_RETRY].startswith("retried 1.0s after the failed cancel")
    three = [place(), *cancels((30, "500"), (35, "500"), (40, "500"))]
    assert best_practice.CANCEL_RETRY not in rules("M-1", three, 100)
    refused = [place(), *cancels((30, "62001"))]  # ORDER_PAID: no retry cures it
    assert best_practice.CANCEL_RETRY not in rules("M-1", refused, 100, "PAID_SUCCESS")


def test_merchant_order_numbers_use_letters_digits_dash_and_underscore() -> None:
    assert best_practice.ORDER_NO not in rules("Ab-9_z", [place()], 1, "PAID_SUCCESS")
    found = rules("A B#1", [place()], 1, "PAID_SUCCESS")
    assert found[best_practice.ORDER_NO] == "'A B#1' has ' ' '#'"


def test_an_order_of_a_test_plan_run_is_held_to_its_time_scale() -> None:
    calls = [place(), *queries(0.4, 0.8, 1.2), *cancels((3.0, "500"), (3.65, "0"))]
    assert rules("M-1", calls, 60, "FAILURE", "ORDER_CANCELLED", scale="0.1") == {}
    assert set(rules("M-1", calls, 60, "FAILURE", "ORDER_CANCELLED")) == {
        best_practice.POLL,
        best_practice.CANCEL_AT,
        best_practice.CANCEL_RETRY,
    }
