"""`botimpay faults add|list|clear`: sandbox fault injection from the command line.

The same mapping as POST /sandbox/api/faults goes through the same parser and
service; the gateway's mode is the one `init` recorded in the database, so every
command refuses a production database (SandboxOnly, exit status 2).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import click

from botimpay.cli.common import db_option, run_db
from botimpay.clock import Clock
from botimpay.domain.faults import ArmedFault
from botimpay.errors import ConfigError, InvalidParameter
from botimpay.services.faults import FaultRequest, FaultService
from botimpay.services.setup import SANDBOX, database_mode
from botimpay.store.database import Database

T = TypeVar("T")


@click.group()
def faults() -> None:
    """Make the merchant API fail on purpose for one merchant (sandbox only)."""


def _with_faults(db_url: str, work: Callable[[FaultService], Awaitable[T]]) -> T:
    """Runs `work` on a FaultService in the mode the database was initialised in;
    a refused field becomes a one-line error naming it."""

    async def run(db: Database) -> T:
        mode = await database_mode(db)
        if mode is None:
            raise ConfigError("this database has no gateway set up; run `botimpay init` first")
        try:
            return await work(FaultService(db, Clock(), sandbox=mode == SANDBOX))
        except InvalidParameter as exc:
            raise ConfigError(exc.message) from exc

    return run_db(db_url, run)


def _describe(fault: ArmedFault) -> str:
    spec = fault.spec
    scope = f"order {fault.merchant_order_no}" if fault.merchant_order_no else "every order"
    uses = []
    if fault.remaining is not None:
        uses.append(f"{fault.remaining} call(s) left")
    if fault.expires_at is not None:
        until = datetime.fromtimestamp(fault.expires_at / 1000, tz=UTC)
        uses.append(f"until {until:%Y-%m-%d %H:%M:%S}Z")
    run = f", test-plan run {fault.run_id}" if fault.run_id else ""
    return f"#{fault.fault_id} {spec.operation} {spec.label} ({scope}; {', '.join(uses)}{run})"


@faults.command("add")
@db_option
@click.option("--partner-id", required=True)
@click.option("--operation", required=True, help="e.g. acquire2/cancelOrder, or notify")
@click.option(
    "--fault",
    required=True,
    help="SYSTEM_ERROR, SERVICE_TIMEOUT, RISK_FAIL, a documented code of the operation "
    "(ORDER_PAID or 62001), TIMEOUT or DELAY; for notify: DUPLICATE, LATE, REFUND_FIRST",
)
@click.option("--times", type=int, default=None, help="the next N matching calls [default: 1]")
@click.option("--duration-ms", type=int, default=None, help="every matching call for this long")
@click.option("--merchant-order-no", default=None, help="only calls naming this order")
@click.option("--applied", is_flag=True, help="the change still happens behind the fault")
@click.option("--hold-ms", type=int, default=None, help="how long TIMEOUT holds / DELAY waits")
@click.option("--json", "as_json", is_flag=True, help="print the armed fault as JSON")
def faults_add(
    db_url: str,
    partner_id: str,
    operation: str,
    fault: str,
    times: int | None,
    duration_ms: int | None,
    merchant_order_no: str | None,
    applied: bool,
    hold_ms: int | None,
    as_json: bool,
) -> None:
    """Arm a fault for a merchant's next matching calls."""
    raw: dict[str, object] = {"partnerId": partner_id, "operation": operation, "fault": fault}
    optional = {
        "times": times,
        "durationMs": duration_ms,
        "merchantOrderNo": merchant_order_no,
        "holdMs": hold_ms,
    }
    raw.update({name: value for name, value in optional.items() if value is not None})
    if applied:
        raw["applied"] = True

    async def arm(service: FaultService) -> ArmedFault:
        return await service.arm(FaultRequest.parse(raw))

    armed = _with_faults(db_url, arm)
    if as_json:
        click.echo(json.dumps(armed.to_wire(), indent=2, ensure_ascii=False))
        return
    click.echo(f"armed for {armed.partner_id}: {_describe(armed)}")


@faults.command("list")
@db_option
@click.option("--partner-id", required=True)
@click.option("--json", "as_json", is_flag=True, help="a JSON array of the armed faults")
def faults_list(db_url: str, partner_id: str, as_json: bool) -> None:
    """The merchant's faults still armed (not used up, not expired), oldest first."""
    armed = _with_faults(db_url, lambda service: service.list(partner_id))
    if as_json:
        click.echo(json.dumps([f.to_wire() for f in armed], indent=2, ensure_ascii=False))
        return
    for fault in armed:
        click.echo(_describe(fault))
    if not armed:
        click.echo(f"no faults armed for {partner_id}")


@faults.command("clear")
@db_option
@click.option("--partner-id", required=True)
def faults_clear(db_url: str, partner_id: str) -> None:
    """Remove every fault armed for the merchant (test-plan runs' included)."""
    cleared = _with_faults(db_url, lambda service: service.clear(partner_id))
    click.echo(f"cleared {cleared} fault(s) for {partner_id}")
