"""The nine go-live cases graded live against a real `botimpay serve` at a small timeScale
(0.2: a 2-6 s poll is 0.4-1.2 s): a conforming integration passes every one, and an
integration that breaks one rule fails on that rule, with the times as evidence.

The runs of a test go in parallel for one merchant. The scale leaves the gateway's
and the client's scheduling jitter on this shared machine well inside each window;
the conforming integration cancels 35 s (scaled) after placing, inside 20-120 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.harness import Gateway, Merchant
from tests.notify.receiver import SUCCESS, WRONG_BODY, Receiver
from tests.testplan.client import Customer, Pace, Plan, conforming, drive_all

SCALE = Decimal("0.2")
PACE = Pace(SCALE, cancel_after=35)
CASES = [f"{n:03d}" for n in range(1, 10)]


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(*script: str, **options: Any) -> Receiver:
        made.append(Receiver(*script, **options))
        return made[-1]

    yield make
    for rx in made:
        rx.close()


def test_a_conforming_integration_passes_all_nine_cases(
    gateway: Gateway, shop: Merchant, receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(default=SUCCESS)
    plans = [conforming(case, PACE, gateway, receiver.url) for case in CASES]
    driven = dict(zip(CASES, drive_all(gateway, shop, plans), strict=True))
    failed = [run.explain() for run in driven.values() if run.verdict["status"] != "PASS"]
    assert not failed, "\n".join(failed)
    for case, run in driven.items():
        assert run.verdict["case"] == case
        assert Decimal(str(run.verdict["timeScale"])) == SCALE
        assert run.verdict["merchantOrderNo"] == run.outcome.merchant_order_no
        assert all(rule["status"] == "PASS" for rule in run.verdict["rules"])
    # what each case made happen, as the integration saw it
    calls = {case: run.outcome.calls for case, run in driven.items()}
    assert driven["001"].outcome.end == "PAID"
    assert calls["003"][0].code == "500"
    assert calls["004"][0].code is None  # the connection was dropped
    assert [c.code for c in calls["005"] if c.operation.endswith("cancelOrder")] == [
        "500",
        "500",
        "0",
    ]
    assert [c.code for c in calls["006"] if c.operation.endswith("cancelOrder")][:3] == ["500"] * 3
    assert [c.code for c in calls["007"] if c.operation.endswith("getOrder")][:3] == [
        "500",
        "500",
        "0",
    ]
    assert [c.code for c in calls["008"] if c.operation.endswith("getOrder")][:3] == ["500"] * 3
    print({case: round(run.seconds, 1) for case, run in driven.items()})
    assert receiver.count() >= 1
    # the evidence states the times it saw, scaled
    freq = driven["002"].rule("2-6s")
    assert "allowed 0.40–1.20s" in freq["evidence"], freq
    assert "intervals" in freq["evidence"]
    window = driven["003"].rule("20 to 120 seconds")
    assert "allowed 4.00–24.00s" in window["evidence"], window
    assert "SUCCESS" in driven["009"].rule("[SUCCESS]")["evidence"]


MISBEHAVING = Pace(Decimal("0.1"), cancel_after=35)


@dataclass(frozen=True)
class Misbehaviour:
    """An integration that breaks one rule of a case, and what the grade must say."""

    name: str
    case: str
    pace: Pace
    breaks: frozenset[str]  # words of each rule that must FAIL (and no other)
    evidence: str  # words the first broken rule's evidence must hold
    options: dict[str, Any] | None = None


BAD = (
    Misbehaviour(
        "polls every 1 s",
        "002",
        MISBEHAVING.but(query_every=1.0),
        frozenset({"2-6s"}),
        "is outside the allowed 0.20–0.60s",
    ),
    Misbehaviour(
        "never cancels",
        "003",
        MISBEHAVING.but(cancel_after=None),
        frozenset({"20 to 120 seconds"}),
        "no cancelOrder by +12.00s; allowed 2.00–12.00s",
    ),
    Misbehaviour(
        "cancels too early",
        "002",
        MISBEHAVING.but(cancel_after=12),
        frozenset({"20 to 120 seconds"}),
        "after the placeOrder; allowed 2.00–12.00s",
    ),
    Misbehaviour(
        "cancels only once",
        "005",
        MISBEHAVING.but(cancel_give_up_after=1),
        frozenset({"CANCEL request frequency", "only the last request returns SUCCESS"}),
        "failed (500 SYSTEM_ERROR) and no retry came within 1.00s",
    ),
    Misbehaviour(
        "stops cancelling after two failures",
        "006",
        MISBEHAVING.but(cancel_give_up_after=2),
        frozenset({"CANCEL request frequency", "All requests returns failed"}),
        "no retry came within 1.00s",
    ),
    Misbehaviour(
        "gives up on the first failed query",
        "008",
        MISBEHAVING.but(give_up_after=1),
        frozenset({"at least three query requests", "2-6 seconds"}),
        "1 queries (at +",
    ),
    Misbehaviour(
        "charges less than AED 500 in Case-001",
        "001",
        MISBEHAVING,
        frozenset({"AED 500"}),
        "AED 12.34 is less than AED 500",
        {"amount": Decimal("12.34")},
    ),
)


def test_a_misbehaving_integration_fails_on_the_rule_it_breaks(
    gateway: Gateway, shop: Merchant, receivers: Callable[..., Receiver]
) -> None:
    receiver = receivers(default=WRONG_BODY)
    answers_wrong = Plan(
        "009",
        MISBEHAVING,
        {"customer": Customer(gateway.base_url), "notify_url": receiver.url},
    )
    plans = [Plan(bad.case, bad.pace, bad.options or {}) for bad in BAD]
    *driven, notified = drive_all(gateway, shop, [*plans, answers_wrong])
    problems = []
    for bad, result in zip(BAD, driven, strict=True):
        rules = result.verdict["rules"]
        expected = {r["rule"] for r in rules if any(words in r["rule"] for words in bad.breaks)}
        first = next((r for r in rules if r["status"] == "FAIL"), None)
        if (
            result.verdict["status"] != "FAIL"
            or set(result.failing()) != expected
            or first is None
            or bad.evidence not in first["evidence"]
        ):
            problems.append(f"{bad.name}:\n{result.explain()}")
    assert not problems, "\n".join(problems)
    assert notified.failing() == ["[SUCCESS] is required in the return response."], (
        notified.explain()
    )
    evidence = notified.rule("[SUCCESS]")["evidence"]
    assert "BAD_RESPONSE HTTP 200" in evidence
    assert '{"response":"FAIL"}' in evidence
    assert notified.rule("Receive and process")["status"] == "PASS"
