"""Test-plan case runs: starting one (its faults armed for the merchant's next new order),
grading it live from the request log, and the passive best-practice lint of recent orders.

A run is graded when asked (`status`); once its report is final it is stored and
the run's faults are cleared, so later calls of the order behave normally again;
except a case that fails every call of its kind (006, 008): that order's calls keep
failing, as the case promises.
Sandbox only: a production gateway refuses with SandboxOnly.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from botimpay.clock import Clock
from botimpay.domain import testplan
from botimpay.domain.best_practice import Finding, lint
from botimpay.domain.faults import parse_fault_spec
from botimpay.domain.notification import NotificationKind
from botimpay.domain.order import Order
from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan import DeliveryAttempt, OrderFacts, Report
from botimpay.domain.testplan_cases import CASES, PLACE, Case, parse_case, parse_time_scale
from botimpay.errors import BotimpayError, InvalidParameter
from botimpay.services.faults import SandboxOnly
from botimpay.store import (
    faults_repo,
    merchants_repo,
    orders_repo,
    outbox_repo,
    request_log_repo,
    testplan_repo,
)
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.testplan_repo import RunRow

FEATURE = "the test plan"
_CALLS_LIMIT = 100_000  # calls of one order read for grading


class UnknownRun(BotimpayError):
    """Raised when no test-plan run has the id asked for."""

    def __init__(self, run_id: str) -> None:
        self.message = f"no test-plan run with id {run_id[:64]!r}"
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class RunView:
    """A run as GET /sandbox/api/testplan/{id} and `testplan status` show it."""

    run_id: str
    partner_id: str
    merchant_order_no: str | None
    report: Report

    def to_wire(self) -> dict[str, object]:
        report = self.report.to_wire()
        return {
            "id": self.run_id,
            "partnerId": self.partner_id,
            "case": report["case"],
            "status": report["status"],
            "timeScale": report["timeScale"],
            "merchantOrderNo": self.merchant_order_no,
            "rules": report["rules"],
        }


@dataclass(frozen=True, slots=True)
class OrderLint:
    """One recent order and the best-practice rules its calls broke."""

    merchant_order_no: str
    order_no: str | None
    placed_at: int  # wall-clock ms of its first logged placeOrder
    findings: tuple[Finding, ...]

    def to_wire(self) -> dict[str, object]:
        return {
            "merchantOrderNo": self.merchant_order_no,
            "orderNo": self.order_no,
            "placedAt": self.placed_at,
            "findings": [f.to_wire() for f in self.findings],
        }


def _partner_id(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 12:
        raise InvalidParameter("partnerId is required (1 to 12 characters)")
    return value


def _facts(order: Order) -> OrderFacts:
    return OrderFacts(
        order_no=order.order_no,
        amount=order.total.amount,
        status=order.status.value,
        has_notify_url=bool(order.notify_url),
        fail_code=order.fail_code,
    )


async def _order_calls(
    conn: Connection, partner_id: str, merchant_order_no: str, order: Order | None
) -> list[RequestRecord]:
    """Every logged call of the order: those naming its merchantOrderNo, and those
    naming only its orderNo."""
    calls = await request_log_repo.calls_for_order(conn, partner_id, merchant_order_no)
    if order is not None:
        by_order_no = await request_log_repo.search(
            conn,
            partner_id=partner_id,
            order_ref=order.order_no,
            limit=_CALLS_LIMIT,
            newest_first=False,
        )
        seen = {c.record_id for c in calls}
        calls += [c for c in by_order_no if c.record_id not in seen]
    return calls


async def _payment_attempts(conn: Connection, order: Order | None) -> list[DeliveryAttempt]:
    """The delivery attempts of the order's first payment notification."""
    if order is None:
        return []
    rows = await outbox_repo.list_for(conn, subject_no=order.order_no)
    payments = [
        r for r in rows if r.kind is NotificationKind.PAYMENT and r.partner_id == order.partner_id
    ]
    if not payments:
        return []
    first = min(payments, key=lambda r: r.id)
    return [
        DeliveryAttempt(
            at_ms=int(a["real_started_at"]),
            outcome=str(a["outcome"]),
            http_status=None if a["http_status"] is None else int(a["http_status"]),
            excerpt=a["response_excerpt"],
        )
        for a in await outbox_repo.attempts_of(conn, first.id)
    ]


class TestPlanService:
    __test__ = False  # not a pytest class

    def __init__(self, db: Database, clock: Clock, *, sandbox: bool) -> None:
        self.db = db
        self.clock = clock
        self.sandbox = sandbox

    def _require_sandbox(self) -> None:
        if not self.sandbox:
            raise SandboxOnly(FEATURE)

    async def start(self, partner_id: object, case: object, time_scale: object = 1) -> str:
        """Starts a run of `case` for the merchant's next new merchantOrderNo (replacing a
        run of the merchant still waiting) and arms the case's faults; the run's id."""
        self._require_sandbox()
        partner = _partner_id(partner_id)
        chosen = CASES[parse_case(case)]
        scale = parse_time_scale(time_scale)
        run_id = secrets.token_hex(12)  # 96 random bits; hex never reads as a CLI option
        now = self.clock.real_ms()
        async with self.db.write() as conn:
            if await merchants_repo.load(conn, partner) is None:
                raise InvalidParameter(f"partnerId: no merchant {partner}")
            await testplan_repo.create(conn, run_id, partner, chosen.number, scale, now)
            await _arm(conn, run_id, partner, chosen, scale, now)
        return run_id

    async def status(self, run_id: str) -> RunView:
        """The run graded now; a final report is stored (and the run's faults cleared)
        the first time it is reached, and returned as stored from then on."""
        self._require_sandbox()
        async with self.db.read() as conn:
            run = await testplan_repo.get(conn, run_id)
            if run is None:
                raise UnknownRun(run_id)
            if run.report is not None:
                return _view(run, Report.from_json(run.report))
            if run.merchant_order_no is None:
                return _view(run, testplan.waiting(run.case_no, run.time_scale))
            order = await orders_repo.find(
                conn, run.partner_id, merchant_order_no=run.merchant_order_no
            )
            attempts = await _payment_attempts(conn, order)
        async with self.db.request_log().read() as conn:
            calls = await _order_calls(conn, run.partner_id, run.merchant_order_no, order)
        now = self.clock.real_ms()
        facts = None if order is None else _facts(order)
        report = testplan.grade(run.case_no, run.time_scale, now, calls, facts, attempts)
        if report.final:
            async with self.db.write() as conn:
                finished = await testplan_repo.finish(
                    conn, run.run_id, report.status.value, report.to_json(), now
                )
                if finished and not _keeps_failing(run):
                    await faults_repo.clear(conn, run.partner_id, run_id=run.run_id)
                else:  # another caller stored its verdict first: that one stands
                    stored = await testplan_repo.get(conn, run.run_id)
                    if stored is not None and stored.report is not None:
                        report = Report.from_json(stored.report)
        return _view(run, report)

    async def lint(self, partner_id: str, limit: int = 100) -> list[OrderLint]:
        """The best-practice lint of the merchant's `limit` most recently placed orders
        (as the request log has them), newest first; every order, broken rules or not.
        An order of a test-plan run is held to that run's timeScale."""
        now = self.clock.real_ms()
        results: list[OrderLint] = []
        async with self.db.read() as conn, self.db.request_log().read() as log_conn:
            placed = await request_log_repo.search(
                log_conn, partner_id=partner_id, operation=PLACE, limit=limit * 20
            )
            runs = await testplan_repo.for_merchant(conn, partner_id, limit=1000)
            scales = {r.merchant_order_no: r.time_scale for r in runs if r.merchant_order_no}
            seen: set[str] = set()
            for call in placed:
                number = call.merchant_order_no
                if call.partner_id != partner_id or number is None or number in seen:
                    continue
                seen.add(number)
                order = await orders_repo.find(conn, partner_id, merchant_order_no=number)
                calls = await _order_calls(log_conn, partner_id, number, order)
                status = None if order is None else order.status.value
                fail_code = None if order is None else order.fail_code
                scale = scales.get(number, Decimal(1))
                findings = lint(number, calls, now, status, fail_code, scale)
                first = min(
                    (c.received_at for c in calls if c.operation == PLACE),
                    default=call.received_at,
                )
                results.append(
                    OrderLint(
                        number,
                        None if order is None else order.order_no,
                        first,
                        tuple(findings),
                    )
                )
                if len(results) >= limit:
                    break
        return results


def _keeps_failing(run: RunRow) -> bool:
    """A case whose faults fail every call (006 every cancel, 008 every query) keeps
    failing its order's calls after the verdict, as the case promises ("all requests
    return failed"): an integration that retries once more must not see it succeed.
    Its faults are bound to the run's order by then, so no other order is touched."""
    arms = CASES[run.case_no].arms
    return run.merchant_order_no is not None and bool(arms) and all(a.times is None for a in arms)


async def _arm(
    conn: Connection, run_id: str, partner_id: str, case: Case, scale: Decimal, now: int
) -> None:
    for arm in case.arms:
        raw: dict[str, object] = {
            "operation": arm.operation,
            "fault": arm.fault,
            "applied": arm.applied,
        }
        if arm.timeout:
            raw["holdMs"] = case.hold_ms(scale)
        await faults_repo.arm(
            conn,
            partner_id,
            parse_fault_spec(raw),
            merchant_order_no=None,
            times=arm.times,
            expires_at=None,
            now_ms=now,
            run_id=run_id,
        )


def _view(run: RunRow, report: Report) -> RunView:
    return RunView(run.run_id, run.partner_id, run.merchant_order_no, report)
