"""`botimpay requests list|show`: the merchant API's request log, from the database.

Read-only; the gateway writes the log in batches, so a call shows up within a flush
interval (`serve --request-log-flush-ms`, 200 ms by default) of its answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from botimpay.cli.common import db_option, print_wide, run_db
from botimpay.domain.faults import api_operations
from botimpay.domain.request_log import RequestRecord, pretty_body
from botimpay.errors import ConfigError
from botimpay.store import request_log_repo
from botimpay.store.database import Database


@click.group()
def requests() -> None:
    """Look up merchant API calls in the request log (by traceCode, order, partner)."""


def _operation(name: str | None) -> str | None:
    """`cancelOrder`, `acquire2/cancelOrder` and `/sgs/api/acquire2/cancelOrder` alike."""
    if name is None:
        return None
    op = name.strip().strip("/").removeprefix("sgs/api/")
    known = api_operations()
    if op not in known and f"acquire2/{op}" in known:
        return f"acquire2/{op}"
    return op  # anything else (a path that named no API) is matched as given


def _when(ms: int) -> str:
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z"


def _partner(record: RequestRecord) -> str:
    if record.partner_id is not None:
        return record.partner_id
    return f"unknown:{record.claimed_partner_id or '-'}"


def _answer(record: RequestRecord) -> str:
    return "no answer" if record.code is None else f"{record.code} {record.msg or ''}".strip()


@requests.command("list")
@db_option
@click.option("--partner-id", default=None, help="only this merchant (or claimed Partner-Id)")
@click.option("--order", "order_ref", default=None, help="merchantOrderNo, orderNo or refund no.")
@click.option("--code", default=None, help="head.code (62001) or its msg (ORDER_PAID)")
@click.option("--operation", default=None, help="e.g. cancelOrder or acquire2/refund/placeOrder")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="a JSON array, one object per call")
def requests_list(
    db_url: str,
    partner_id: str | None,
    order_ref: str | None,
    code: str | None,
    operation: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Logged calls, newest first."""

    async def load(db: Database) -> list[RequestRecord]:
        async with db.request_log().read() as conn:
            return await request_log_repo.search(
                conn,
                partner_id=partner_id,
                order_ref=order_ref,
                code=code,
                operation=_operation(operation),
                limit=limit,
            )

    records = run_db(db_url, load)
    if as_json:
        click.echo(json.dumps([r.to_wire() for r in records], indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("time (UTC)", "operation", "partner", "order", "code", "ms", "fault", "traceCode")
    for record in records:
        table.add_row(
            _when(record.received_at),
            record.operation,
            _partner(record),
            record.order_ref(),
            _answer(record),
            f"{record.latency_us / 1000:.1f}",
            record.fault or "",
            record.trace_code,
        )
    print_wide(table)
    if not records:
        click.echo("no logged calls match")


@requests.command("show")
@db_option
@click.argument("trace_code")
@click.option("--json", "as_json", is_flag=True, help="every field and both bodies as JSON")
def requests_show(db_url: str, trace_code: str, as_json: bool) -> None:
    """One call by its traceCode: every field, and both bodies pretty-printed."""

    async def load(db: Database) -> RequestRecord | None:
        async with db.request_log().read() as conn:
            return await request_log_repo.by_trace_code(conn, trace_code.strip())

    record = run_db(db_url, load)
    if record is None:
        raise ConfigError(
            f"no logged call with traceCode {trace_code!r} (pruned, not yet written, "
            "or on another database)"
        )
    wire = record.to_wire()
    if as_json:
        wire.update(requestBody=record.request_body, responseBody=record.response_body)
        click.echo(json.dumps(wire, indent=2, ensure_ascii=False))
        return
    wire.update(
        receivedAt=f"{_when(record.received_at)} ({record.received_at})",
        businessAt=f"{_when(record.business_at)} ({record.business_at})",
    )
    width = max(len(name) for name in wire)
    for name, value in wire.items():
        click.echo(f"{name:<{width}}  {'-' if value is None else value}")
    click.echo("\nrequest body:")
    click.echo(pretty_body(record.request_body))
    click.echo("\nresponse body:")
    click.echo(pretty_body(record.response_body))
