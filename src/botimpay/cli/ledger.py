"""`botimpay ledger check|balances`: prove and show the double-entry ledger."""

from __future__ import annotations

import json
import sys

import click

from botimpay.cli.common import db_option, run_db
from botimpay.store.database import Database


@click.group()
def ledger() -> None:
    """Inspect the double-entry ledger."""


@ledger.command("check")
@db_option
def ledger_check(db_url: str) -> None:
    """Prove the ledger balances and matches every order; exit 1 if it does not."""
    from botimpay.services.reconcile import check_ledger

    report = run_db(db_url, check_ledger)
    click.echo(
        f"{report.transactions} ledger transactions, {report.accounts} accounts,"
        f" {report.orders} orders checked"
    )
    if report.ok:
        click.echo("ledger OK: every transaction balances and matches its order")
        return
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    sys.exit(1)


@ledger.command("balances")
@db_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (amounts as text)")
def ledger_balances(db_url: str, as_json: bool) -> None:
    """Every account's balance, as a table with bars."""
    from rich.console import Console
    from rich.table import Table

    from botimpay.store import ledger_repo

    async def load(db: Database) -> list[ledger_repo.AccountBalance]:
        async with db.read() as conn:
            return await ledger_repo.all_balances(conn)

    balances = run_db(db_url, load)
    if as_json:
        rows = [
            {
                "kind": item.account.kind.value,
                "owner": item.account.owner_id,
                "balance": str(item.balance.amount),
            }
            for item in balances
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    largest = max((abs(b.balance.fils) for b in balances), default=0) or 1
    table = Table("account", "owner", "balance (AED)", "")
    for item in balances:
        bar = "█" * max(0, round(abs(item.balance.fils) * 30 / largest))
        table.add_row(
            item.account.kind.value,
            item.account.owner_id,
            str(item.balance.amount),
            ("-" if item.balance.fils < 0 else "") + bar,
        )
    Console().print(table)
