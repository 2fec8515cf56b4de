"""What the console's Test plan page shows: for one merchant, each go-live case with its
latest run graded now (TestPlanService.status, the same grading as
GET /sandbox/api/testplan/{id} and `botimpay testplan status`).

Arming goes through TestPlanService.start, like POST /sandbox/api/testplan. Sandbox
only: TestPlanService refuses with SandboxOnly on a production gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from botimpay.domain.testplan_cases import CASES, Case
from botimpay.domain.testplan_report import Report, RuleResult, Status
from botimpay.services.testplan import RunView, TestPlanService, UnknownRun
from botimpay.store import merchants_repo, testplan_repo
from botimpay.store.database import Database
from botimpay.store.testplan_repo import RunRow

RUNS_READ = 200  # a merchant's most recent runs searched for each case's latest


@dataclass(frozen=True, slots=True)
class CaseBoard:
    """One case on the page: its latest run for the merchant (None: never armed) and
    the report shown (a never-armed case shows its rules, each PENDING)."""

    case: Case
    run: RunRow | None
    report: Report
    merchant_order_no: str | None

    @property
    def verdict(self) -> str:
        """NOT RUN, WAITING (armed, no order yet), PENDING, PASS or FAIL."""
        if self.run is None:
            return "NOT RUN"
        if self.merchant_order_no is None and self.report.status is Status.PENDING:
            return "WAITING"
        return self.report.status.value

    def to_wire(self) -> dict[str, object]:
        return {
            "case": self.case.number,
            "verdict": self.verdict,
            "runId": None if self.run is None else self.run.run_id,
            "merchantOrderNo": self.merchant_order_no,
            "timeScale": None if self.run is None else str(self.run.time_scale),
            "rules": [
                {**r.to_wire(), "status": "NOT RUN"} if self.run is None else r.to_wire()
                for r in self.report.rules
            ],
        }


class ConsoleTestPlan:
    def __init__(self, db: Database, plans: TestPlanService) -> None:
        self.db = db
        self.plans = plans

    async def merchant_exists(self, partner_id: str) -> bool:
        async with self.db.read() as conn:
            return await merchants_repo.exists(conn, partner_id)

    async def board(self, partner_id: str) -> list[CaseBoard]:
        """Every case, in order, with the merchant's latest run of it graded now."""
        async with self.db.read() as conn:
            runs = await testplan_repo.for_merchant(conn, partner_id, limit=RUNS_READ)
        latest: dict[str, RunRow] = {}
        for run in runs:  # newest first
            latest.setdefault(run.case_no, run)
        boards = []
        for number, case in CASES.items():
            latest_run = latest.get(number)
            if latest_run is None:
                boards.append(CaseBoard(case, None, _never_run(case), None))
                continue
            view = await self._graded(latest_run)
            boards.append(CaseBoard(case, latest_run, view.report, view.merchant_order_no))
        return boards

    async def _graded(self, run: RunRow) -> RunView:
        try:
            return await self.plans.status(run.run_id)
        except UnknownRun:  # replaced by a newer arming between the two reads
            return RunView(run.run_id, run.partner_id, None, _never_run(CASES[run.case_no]))


def _never_run(case: Case) -> Report:
    rules = tuple(RuleResult(r.text, Status.PENDING, "") for r in case.rules)
    return Report(case.number, Status.PENDING, rules, Decimal(1))
