"""`botimpay notify list|resend`: the notification outbox."""

from __future__ import annotations

import json

import click

from botimpay.cli.common import db_option, run_db


@click.group()
def notify() -> None:
    """Inspect and resend merchant notifications."""


@notify.command("list")
@db_option
@click.option("--order", "subject_no", default=None, help="only this orderNo (or refund orderNo)")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def notify_list(db_url: str, subject_no: str | None, limit: int, as_json: bool) -> None:
    """Notifications, newest first, with their delivery attempts (and, in the sandbox,
    the notification fault each attempt was made under)."""
    from botimpay.notify.admin import list_notifications

    views = run_db(db_url, lambda db: list_notifications(db, subject_no=subject_no, limit=limit))
    if as_json:
        click.echo(json.dumps(views, indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    from botimpay.notify.admin import as_table

    Console(width=max(160, Console().width)).print(as_table(views))


@notify.command("resend")
@db_option
@click.argument("notify_id")
def notify_resend(db_url: str, notify_id: str) -> None:
    """Deliver a notification again (same notify_id), even a DELIVERED or FAILED one."""
    from botimpay.notify.admin import resend

    run_db(db_url, lambda db: resend(db, notify_id))
    click.echo(f"notification {notify_id} is due now; a dispatcher will deliver it")
