"""The test-plan grader (domain.testplan) on hand-made call logs: every case's verdicts,
when a run is decided, and the rules worded exactly as the reference's test-case page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan import (
    SLACK_MS,
    DeliveryAttempt,
    OrderFacts,
    Report,
    Status,
    grade,
    waiting,
)
from botimpay.domain.testplan_cases import CASES, Bounds, parse_case, parse_time_scale
from botimpay.errors import InvalidParameter
from tests.testplan.calls import T0, S, at, cancels, order, place, queries

MDX = Path(__file__).parents[1] / "data" / "reference" / "test-case.mdx"


def run(
    case: str,
    calls: list[RequestRecord],
    now_s: float,
    facts: OrderFacts | None = None,
    attempts: list[DeliveryAttempt] | None = None,
    scale: str = "1",
) -> Report:
    return grade(case, Decimal(scale), at(now_s), calls, facts or order(), attempts or [])


def rule(report: Report, words: str) -> tuple[Status, str]:
    (found,) = [r for r in report.rules if words in r.rule]
    return found.status, found.evidence


def polling(until: float, every: float = 4.0, start: float = 4.0) -> list[float]:
    times, t = [], start
    while t <= until:
        times.append(round(t, 3))
        t += every
    return times


# --- the wording ----------------------------------------------------------------------


def _reference_rules() -> dict[str, list[str]]:
    text = MDX.read_text()
    found: dict[str, list[str]] = {}
    for block in re.split(r"<summary>Case-", text)[1:]:
        number = block[:3]
        rules = re.findall(r"<p><a>- (.*?)\s*</a></p>", block)
        found[number] = [" ".join(r.split()) for r in rules]
    return found


def test_every_rule_is_worded_as_the_reference_words_it() -> None:
    reference = _reference_rules()
    assert sorted(reference) == sorted(CASES)
    for number, case in CASES.items():
        assert [r.text for r in case.rules] == reference[number], number


def test_a_run_not_bound_yet_is_pending_on_every_rule() -> None:
    report = grade("005", Decimal(1), T0, [], None)
    assert report == waiting("005", Decimal(1))
    assert report.status is Status.PENDING
    assert {r.status for r in report.rules} == {Status.PENDING}
    assert "next placeOrder with a new merchantOrderNo" in report.rules[0].evidence


def test_bounds_scale_with_the_time_scale() -> None:
    bounds = Bounds.scaled(Decimal("0.05"))
    assert (bounds.query.low_ms, bounds.query.high_ms) == (100, 300)
    assert (bounds.cancel_at.low_ms, bounds.cancel_at.high_ms) == (1000, 6000)
    assert (bounds.cancel_retry.low_ms, bounds.cancel_retry.high_ms) == (150, 500)
    assert CASES["004"].hold_ms(Decimal("0.05")) == 750
    assert CASES["004"].hold_ms(Decimal("0.001")) == 100


@pytest.mark.parametrize(
    ("given", "parsed"), [("3", "003"), (9, "009"), ("Case-001", "001"), ("007", "007")]
)
def test_case_numbers(given: object, parsed: str) -> None:
    assert parse_case(given) == parsed


@pytest.mark.parametrize("given", ["010", "0", 10, True, None, "abc", "1.0"])
def test_bad_case_numbers_name_the_field(given: object) -> None:
    with pytest.raises(InvalidParameter, match="case must be one of"):
        parse_case(given)


@pytest.mark.parametrize("given", [0, "0", -1, "10.5", 11, True, 1.5, "x", None, "0.0000001"])
def test_bad_time_scales_name_the_field(given: object) -> None:
    with pytest.raises(InvalidParameter, match="timeScale"):
        parse_time_scale(given)


def test_time_scales_are_exact_decimals() -> None:
    assert parse_time_scale("0.05") == Decimal("0.05")
    assert str(parse_time_scale(Decimal("10"))) == "10"
    assert str(parse_time_scale("1.50")) == "1.5"


# --- 001, 002: paid, unpaid ------------------------------------------------------------


def test_001_passes_once_a_query_finds_it_paid_and_later_calls_are_not_graded() -> None:
    calls = [place(), *queries(4, 8), *queries(12, 12.5, status="PAID_SUCCESS")]
    report = run("001", calls, 12.1, order("600.00", "PAID_SUCCESS"))
    assert report.status is Status.PASS, report
    assert rule(report, "last query")[1] == "the query at +12.0s found PAID_SUCCESS"
    status, evidence = rule(report, "frequency")
    assert status is Status.PASS
    assert evidence == "queries at +4.0s, +8.0s, +12.0s; intervals 4.0s, 4.0s; allowed 2.0–6.0s"
    assert rule(report, "at least one")[1] == (
        "3 queries, at +4.0s (SUCCESS status=CREATED), +8.0s (SUCCESS status=CREATED), "
        "+12.0s (SUCCESS status=PAID_SUCCESS)"
    )


def test_001_fails_below_aed_500_and_when_the_order_ends_unpaid() -> None:
    calls = [place(), *queries(4, 8)]
    small = run("001", calls, 9, order("499.99"))
    assert small.status is Status.FAIL
    assert rule(small, "AED 500") == (Status.FAIL, "AED 499.99 is less than AED 500")
    closed = run("001", calls, 9, order("600.00", "FAILURE"))
    assert rule(closed, "last query")[0] is Status.FAIL
    assert "ended FAILURE" in rule(closed, "last query")[1]


def test_002_passes_at_a_cancel_in_the_window_while_polling() -> None:
    calls = [place(), *queries(*polling(68)), *cancels((70, "0"))]
    report = run("002", calls, 70.1)
    assert report.status is Status.PASS, report
    assert rule(report, "20 to 120")[1] == (
        "first cancelOrder at +70.0s, 70.0s after the placeOrder; allowed 20.0–120.0s"
    )


def test_002_polling_every_second_fails_at_once_with_the_interval() -> None:
    calls = [place(), *queries(1, 2, 3)]
    report = run("002", calls, 3.1)
    assert report.status is Status.FAIL
    status, evidence = rule(report, "2-6s")
    assert status is Status.FAIL
    assert evidence.startswith("interval 1.0s (+1.0s → +2.0s) is outside the allowed 2.0–6.0s")


def test_002_a_pause_in_polling_fails_at_the_deadline_plus_slack() -> None:
    calls = [place(), *queries(4, 8)]
    assert run("002", calls, 8 + 6 + SLACK_MS / S - 0.01).status is Status.PENDING
    late = run("002", calls, 8 + 6 + SLACK_MS / S + 0.01)
    assert late.status is Status.FAIL
    assert rule(late, "2-6s")[1].startswith("no query since +8.0s (7.0s ago)")


def test_002_never_cancelling_fails_after_120_s() -> None:
    calls = [place(), *queries(*polling(125))]
    assert run("002", calls, 120.5).status is Status.PENDING
    report = run("002", calls, 121.1)
    assert report.status is Status.FAIL
    assert rule(report, "20 to 120") == (
        Status.FAIL,
        "no cancelOrder by +120.0s; allowed 20.0–120.0s",
    )


def test_002_cancelling_too_early_fails() -> None:
    calls = [place(), *queries(4, 8), *cancels((10, "0"))]
    report = run("002", calls, 10.5)
    assert rule(report, "20 to 120")[0] is Status.FAIL
    assert "10.0s after the placeOrder" in rule(report, "20 to 120")[1]


def test_002_a_cancel_long_after_the_last_query_breaks_the_polling() -> None:
    calls = [place(), *queries(4, 8), *cancels((30, "0"))]
    report = run("002", calls, 31)
    status, evidence = rule(report, "2-6s")
    assert status is Status.FAIL
    assert evidence.startswith("no query in the 22.0s from +8.0s to the cancelOrder at +30.0s")


# --- 003, 004: placeOrder fails ---------------------------------------------------------


def test_003_needs_the_system_error_and_004_the_dropped_connection() -> None:
    tail = [*queries(*polling(40)), *cancels((42, "0"))]
    assert run("003", [place("500"), *tail], 43).status is Status.PASS
    wrong = run("003", [place("0"), *tail], 43)
    assert rule(wrong, "SYSTEM_ERROR")[0] is Status.FAIL
    dropped = run("004", [place(None), *tail], 43)
    assert dropped.status is Status.PASS, dropped
    assert "got no answer" in rule(dropped, "SYSTEM_ERROR")[1]
    assert rule(run("004", [place("0"), *tail], 43), "SYSTEM_ERROR")[0] is Status.FAIL


# --- 005, 006: cancels ---------------------------------------------------------------------


def test_005_passes_when_the_third_cancel_succeeds() -> None:
    calls = [place(), *queries(*polling(40)), *cancels((42, "500"), (48.5, "500"), (55, "0"))]
    report = run("005", calls, 55.1)
    assert report.status is Status.PASS, report
    assert rule(report, "CANCEL request frequency")[1].endswith(
        "intervals 6.5s, 6.5s; allowed 3.0–10.0s"
    )


def test_005_cancelling_once_fails_when_the_retry_is_overdue() -> None:
    calls = [place(), *queries(*polling(40)), *cancels((42, "500"))]
    assert run("005", calls, 52.9).status is Status.PENDING
    report = run("005", calls, 53.1)
    assert report.status is Status.FAIL
    status, evidence = rule(report, "CANCEL request frequency")
    assert status is Status.FAIL
    assert evidence.startswith("the cancelOrder at +42.0s failed (500 SYSTEM_ERROR) and no retry")
    assert rule(report, "only the last")[0] is Status.FAIL


def test_005_a_first_cancel_that_succeeds_fails_the_case() -> None:
    calls = [place(), *queries(*polling(40)), *cancels((42, "0"))]
    report = run("005", calls, 42.5)
    assert report.status is Status.FAIL
    assert "cancel #1 succeeded" in rule(report, "only the last")[1]


def test_005_cancels_retried_too_fast_fail() -> None:
    calls = [place(), *queries(*polling(40)), *cancels((42, "500"), (43, "500"))]
    report = run("005", calls, 43.5)
    assert rule(report, "CANCEL request frequency")[1].startswith(
        "interval 1.0s (+42.0s → +43.0s) is outside the allowed 3.0–10.0s"
    )


def test_006_passes_at_the_third_failed_cancel_and_fails_if_it_stops_at_two() -> None:
    three = cancels((42, "500"), (48, "500"), (54, "500"))
    calls = [place(), *queries(*polling(40)), *three]
    assert run("006", calls, 54.1).status is Status.PASS
    report = run("006", calls[:-1], 60)
    assert report.status is Status.FAIL
    assert rule(report, "All requests returns failed")[0] is Status.FAIL


# --- 007, 008: queries ---------------------------------------------------------------------


def test_007_passes_at_the_third_query_once_one_succeeded() -> None:
    calls = [place(), *queries(4, 8, code="500"), *queries(12)]
    assert run("007", calls, 12.1).status is Status.PASS


def test_008_passes_at_the_third_failed_query_and_fails_if_polling_stops() -> None:
    assert run("008", [place(), *queries(4, 8, 12, code="500")], 12.1).status is Status.PASS
    report = run("008", [place(), *queries(4, code="500")], 11.1)
    assert report.status is Status.FAIL
    assert rule(report, "at least three")[1].startswith("1 queries (at +4.0s); none since +4.0s")


# --- 009: the notification -----------------------------------------------------------------


def _attempt(outcome: str, status: int | None, excerpt: str | None) -> DeliveryAttempt:
    return DeliveryAttempt(at(5), outcome, status, excerpt)


def test_009_grades_the_first_delivery_attempt() -> None:
    calls = [place()]
    paid = order(status="PAID_SUCCESS")
    assert run("009", calls, 2, paid).status is Status.PENDING
    ok = run("009", calls, 6, paid, [_attempt("SUCCESS", 200, '{"response":"SUCCESS"}')])
    assert ok.status is Status.PASS
    wrong = run("009", calls, 6, paid, [_attempt("BAD_RESPONSE", 200, '{"response":"FAIL"}')])
    assert rule(wrong, "Receive and process")[0] is Status.PASS
    assert rule(wrong, "[SUCCESS]") == (
        Status.FAIL,
        'the first delivery at +5.0s: BAD_RESPONSE HTTP 200 \'{"response":"FAIL"}\'; '
        '{"response":"SUCCESS"} was required',
    )
    broken = run("009", calls, 6, paid, [_attempt("HTTP_ERROR", 500, "oops")])
    assert {r.status for r in broken.rules} == {Status.FAIL}
    nowhere = run("009", calls, 6, order(status="PAID_SUCCESS", notify=False))
    assert nowhere.status is Status.FAIL


def test_a_report_survives_its_stored_form() -> None:
    calls = [place(), *queries(1, 2)]
    report = run("002", calls, 3, scale="0.05")
    assert Report.from_json(report.to_json()) == report
    assert report.time_scale == Decimal("0.05")
