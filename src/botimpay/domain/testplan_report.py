"""A test-plan run's report: each acceptance rule PASS, FAIL or PENDING with its evidence,
the facts of the order it is graded on, and the stored (JSON) form of a final report.

Pure; domain.testplan makes reports, services.testplan stores and shows them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from botimpay.domain.testplan_cases import CASES


class Status(StrEnum):
    PENDING = "PENDING"
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the grader needs of the run's order (as the orders table has it now)."""

    order_no: str
    amount: Decimal  # AED
    status: str
    has_notify_url: bool
    fail_code: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One delivery attempt of the order's payment notification."""

    at_ms: int  # wall-clock
    outcome: str  # notify.delivery.Outcome: SUCCESS, BAD_RESPONSE, HTTP_ERROR, TIMEOUT, ...
    http_status: int | None
    excerpt: str | None


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    status: Status
    evidence: str

    def to_wire(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status.value, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Report:
    case: str
    status: Status
    rules: tuple[RuleResult, ...]
    time_scale: Decimal

    @property
    def final(self) -> bool:
        return self.status is not Status.PENDING

    def failing(self) -> RuleResult | None:
        return next((r for r in self.rules if r.status is Status.FAIL), None)

    def to_wire(self) -> dict[str, object]:
        return {
            "case": self.case,
            "status": self.status.value,
            "timeScale": self.time_scale,
            "rules": [r.to_wire() for r in self.rules],
        }

    def to_json(self) -> str:
        wire = self.to_wire()
        wire["timeScale"] = str(self.time_scale)
        return json.dumps(wire, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Report:
        raw = json.loads(text)
        rules = tuple(
            RuleResult(r["rule"], Status(r["status"]), r["evidence"]) for r in raw["rules"]
        )
        return cls(raw["case"], Status(raw["status"]), rules, Decimal(raw["timeScale"]))


def waiting(case_no: str, time_scale: Decimal) -> Report:
    """The report of a run not yet bound to an order."""
    case = CASES[case_no]
    note = "waiting for the merchant's next placeOrder with a new merchantOrderNo"
    rules = tuple(RuleResult(r.text, Status.PENDING, note) for r in case.rules)
    return Report(case.number, Status.PENDING, rules, time_scale)
