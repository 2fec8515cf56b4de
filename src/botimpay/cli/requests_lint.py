"""`botimpay requests lint`: the best-practice rules checked on a merchant's recent orders.

Passive: it reads the request log (any mode), grades nothing live, arms nothing.
The rules and what breaks them are in domain.best_practice.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from botimpay.cli.common import db_option, run_db
from botimpay.clock import Clock
from botimpay.services.testplan import OrderLint, TestPlanService
from botimpay.store.database import Database


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S") + "Z"


@click.command("lint")
@db_option
@click.option("--partner-id", required=True)
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="how many of the merchant's most recently placed orders to check",
)
@click.option(
    "--json", "as_json", is_flag=True, help="a JSON array of the orders that broke a rule"
)
def lint(db_url: str, partner_id: str, limit: int, as_json: bool) -> None:
    """The merchant's recent orders that broke a best-practice rule, and which: poll every
    2-6 s, cancel an unpaid order 20-120 s after placing it, retry a failed cancel every
    3-10 s, merchantOrderNo of letters, digits, - and _ only."""

    async def check(db: Database) -> list[OrderLint]:
        return await TestPlanService(db, Clock(), sandbox=False).lint(partner_id, limit)

    checked = run_db(db_url, check)
    broken = [order for order in checked if order.findings]
    if as_json:
        click.echo(json.dumps([o.to_wire() for o in broken], indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("merchantOrderNo", "placed (UTC)", "rule", "evidence", show_lines=True)
    for order in broken:
        for finding in order.findings:
            table.add_row(
                Text(order.merchant_order_no),
                _when(order.placed_at),
                finding.rule,
                Text(finding.evidence),
            )
    if broken:
        Console(width=max(160, Console().width)).print(table)
    click.echo(
        f"{len(broken)} of the {len(checked)} most recent orders of {partner_id} broke a rule"
    )
