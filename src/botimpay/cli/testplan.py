"""`botimpay testplan start|status|run-all`: the go-live test cases, graded live.

Works on the database: the running gateway's front door binds a started run to the
merchant's next new merchantOrderNo and logs the calls this grades. Sandbox only:
on a production database every command stops with one line and exit status 2.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import click
import orjson

from botimpay.cli.common import db_option, run_db
from botimpay.clock import Clock
from botimpay.domain.testplan import Status
from botimpay.domain.testplan_cases import CASES, parse_case
from botimpay.errors import ConfigError, InvalidParameter
from botimpay.protocol.money import wire_default
from botimpay.services.setup import SANDBOX, database_mode
from botimpay.services.testplan import RunView, TestPlanService, UnknownRun
from botimpay.store.database import Database

T = TypeVar("T")
_POLL_S = 0.25  # how often run-all grades the running case


@click.group()
def testplan() -> None:
    """Run the reference's go-live test cases (Case-001 .. Case-009) against your
    integration and grade them live (sandbox only)."""


def _with_service(db_url: str, work: Callable[[TestPlanService], Awaitable[T]]) -> T:
    """Runs `work` on a TestPlanService in the database's mode; a refused field or an
    unknown run becomes a one-line error (exit status 2)."""

    async def run(db: Database) -> T:
        mode = await database_mode(db)
        if mode is None:
            raise ConfigError("this database has no gateway set up; run `botimpay init` first")
        try:
            return await work(TestPlanService(db, Clock(), sandbox=mode == SANDBOX))
        except (InvalidParameter, UnknownRun) as exc:
            raise ConfigError(exc.message) from exc

    return run_db(db_url, run)


time_scale_option = click.option(
    "--time-scale",
    default="1",
    show_default=True,
    help="multiplies every time bound (0.05: a 2-6 s poll becomes 0.1-0.3 s); 0 < X <= 10",
)


@testplan.command("start")
@db_option
@click.option("--partner-id", required=True)
@click.option("--case", "case_no", required=True, help="001 .. 009")
@time_scale_option
def testplan_start(db_url: str, partner_id: str, case_no: str, time_scale: str) -> None:
    """Start a case run for the merchant's next new merchantOrderNo; prints the run id."""
    run_id = _with_service(db_url, lambda s: s.start(partner_id, case_no, time_scale))
    click.echo(run_id)


def _print_view(view: RunView) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    report = view.report
    case = CASES[report.case]
    order = view.merchant_order_no or "(waiting for the next new merchantOrderNo)"
    click.echo(f"run {view.run_id}: Case-{report.case} {case.title}")
    click.echo(
        f"status {report.status.value}, timeScale {report.time_scale}, "
        f"partner {view.partner_id}, order {order}"
    )
    table = Table("rule", "status", "evidence", show_lines=True)
    for rule in report.rules:
        table.add_row(Text(rule.rule), rule.status.value, Text(rule.evidence))
    Console(width=max(140, Console().width)).print(table)


@testplan.command("status")
@db_option
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="the report as JSON (as the HTTP API)")
def testplan_status(db_url: str, run_id: str, as_json: bool) -> None:
    """A run graded now: every acceptance rule with its status and evidence."""
    view = _with_service(db_url, lambda s: s.status(run_id.strip()))
    if as_json:
        click.echo(orjson.dumps(view.to_wire(), default=wire_default, option=orjson.OPT_INDENT_2))
        return
    _print_view(view)


@dataclass(frozen=True, slots=True)
class _Outcome:
    case: str
    run_id: str
    status: str  # PASS, FAIL, TIMEOUT
    seconds: float
    failing: str  # the failing (or still pending) rule and its evidence


async def _run_case(
    service: TestPlanService, partner_id: str, case_no: str, scale: str, timeout: float
) -> _Outcome:
    run_id = await service.start(partner_id, case_no, scale)
    case = CASES[case_no]
    click.echo(f"case {case_no} started: run {run_id} ({case.title})")
    click.echo(f"  {case.setup}")
    started = time.monotonic()
    bound = False
    while True:
        view = await service.status(run_id)
        if view.merchant_order_no is not None and not bound:
            bound = True
            click.echo(f"  bound to merchantOrderNo {view.merchant_order_no}")
        report = view.report
        elapsed = time.monotonic() - started
        if report.final or elapsed > timeout:
            break
        await asyncio.sleep(_POLL_S)
    status = report.status.value if report.final else "TIMEOUT"
    failing = report.failing() or next(
        (r for r in report.rules if r.status is Status.PENDING), None
    )
    if status == "PASS" or failing is None:
        why = ""
    elif view.merchant_order_no is None:
        why = "never bound: no placeOrder with a new merchantOrderNo arrived"
    else:
        why = f"{failing.rule} — {failing.evidence}"
    click.echo(f"case {case_no} {status} in {elapsed:.1f} s" + (f": {why}" if why else ""))
    return _Outcome(case_no, run_id, status, elapsed, why)


@testplan.command("run-all")
@db_option
@click.option("--partner-id", required=True)
@time_scale_option
@click.option(
    "--timeout",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="seconds to wait for each case to be decided before counting it a TIMEOUT",
)
@click.option(
    "--cases",
    default=",".join(CASES),
    show_default=True,
    help="the cases to run, in this order (comma-separated)",
)
def testplan_run_all(
    db_url: str, partner_id: str, time_scale: str, timeout: float, cases: str
) -> None:
    """Run the nine cases in turn: start one, wait for your integration to drive it to a
    verdict, then the next. Prints a table; exits 1 on any FAIL or TIMEOUT."""
    try:
        chosen = [parse_case(part, "--cases") for part in cases.split(",") if part.strip()]
    except InvalidParameter as exc:
        raise ConfigError(exc.message) from exc
    if not chosen:
        raise ConfigError("--cases names no case")

    async def run_all(service: TestPlanService) -> list[_Outcome]:
        outcomes = []
        for case_no in chosen:
            outcomes.append(await _run_case(service, partner_id, case_no, time_scale, timeout))
        return outcomes

    outcomes = _with_service(db_url, run_all)
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("case", "title", "status", "seconds", "failing rule", "run")
    for outcome in outcomes:
        table.add_row(
            outcome.case,
            CASES[outcome.case].title,
            outcome.status,
            f"{outcome.seconds:.1f}",
            Text(outcome.failing),
            outcome.run_id,
        )
    Console(width=max(160, Console().width)).print(table)
    failed = [o.case for o in outcomes if o.status != "PASS"]
    if failed:
        click.echo(f"{len(failed)} of {len(outcomes)} cases did not pass: {', '.join(failed)}")
        raise SystemExit(1)
    click.echo(f"all {len(outcomes)} cases passed (timeScale {time_scale})")
