"""`botimpay orders list|show`: payment orders from the database, and everything recorded
about one (payment attempts, refunds, ledger entries, notifications).

Read-only. ORDER is an orderNo or a merchantOrderNo; `--partner-id` picks the merchant
when several used the same merchantOrderNo. `--json` prints the reference's
`acquireOrder` / `refundOrder` objects, amounts as exact JSON numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
import orjson

from botimpay.cli.common import db_option, print_wide, run_db
from botimpay.domain.order import Order, OrderStatus
from botimpay.protocol.money import wire_default
from botimpay.services.operator import (
    OrderHistory,
    business_clock,
    find_order,
    order_history,
    search_orders,
)
from botimpay.services.views import acquire_order, refund_order
from botimpay.store.database import Database


def when(ms: int | None) -> str:
    """A business timestamp (ms) as UTC text, or '-'."""
    if ms is None:
        return "-"
    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S") + "Z"


def echo_json(value: Any) -> None:
    """JSON with exact amounts (Money fragments and Decimals as written)."""
    click.echo(orjson.dumps(value, default=wire_default, option=orjson.OPT_INDENT_2).decode())


def order_wire(order: Order) -> dict[str, Any]:
    """`acquireOrder` plus what an operator needs beside it."""
    return {
        "partnerId": order.partner_id,
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
        "refundedAmount": order.refunded.to_wire(),
        "acquireOrder": acquire_order(order),
    }


@click.group()
def orders() -> None:
    """Look up payment orders: list with filters, or one order's whole story."""


@orders.command("list")
@db_option
@click.option("--partner-id", default=None, help="only this merchant's orders")
@click.option("--status", default=None, help="/".join(s.value for s in OrderStatus) + " (any case)")
@click.option("--scene", default=None, help="only JSAPI or DYNQR orders")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="a JSON array, one object per order")
def orders_list(
    db_url: str,
    partner_id: str | None,
    status: str | None,
    scene: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Orders, newest first."""
    found = run_db(
        db_url,
        lambda db: search_orders(
            db,
            partner_id=partner_id,
            status=status,
            scene_code=scene,
            limit=limit,
        ),
    )
    if as_json:
        echo_json([order_wire(order) for order in found])
        return
    from rich.table import Table

    table = Table(
        "created (UTC)",
        "partner",
        "merchantOrderNo",
        "orderNo",
        "scene",
        "amount (AED)",
        "status",
        "refunded",
        "subject",
    )
    for order in found:
        table.add_row(
            when(order.created_at),
            order.partner_id,
            order.merchant_order_no,
            order.order_no,
            order.scene_code,
            str(order.total.amount),
            order.status.value + (" (revoked)" if order.revoked else ""),
            str(order.refunded.amount) if order.refunded.fils else "",
            order.subject,
        )
    print_wide(table)
    if not found:
        click.echo("no orders match")


@orders.command("show")
@db_option
@click.argument("ref", metavar="ORDER")
@click.option("--partner-id", default=None, help="the merchant, when several used ORDER")
@click.option("--json", "as_json", is_flag=True, help="every part as JSON")
def orders_show(db_url: str, ref: str, partner_id: str | None, as_json: bool) -> None:
    """One order by orderNo or merchantOrderNo: its fields, payment attempts, refunds,
    ledger entries and notifications."""
    from botimpay.notify.admin import list_notifications

    async def load(db: Database) -> tuple[OrderHistory, list[dict[str, Any]], int]:
        now = (await business_clock(db)).now_ms()
        order = await find_order(db, ref, partner_id=partner_id)
        history = await order_history(db, order.order_no)
        notes: list[dict[str, Any]] = []
        for subject in [order.order_no, *(r.refund_no for r in history.refunds)]:
            notes.extend(await list_notifications(db, subject_no=subject, limit=1000))
        notes.sort(key=lambda note: (note["createdAt"], note["notifyId"]))
        return history, notes, now

    history, notes, now = run_db(db_url, load)
    if as_json:
        echo_json(_history_wire(history, notes))
        return
    _print_history(history, notes, now)


def _history_wire(history: OrderHistory, notes: list[dict[str, Any]]) -> dict[str, Any]:
    order = history.order
    return {
        **order_wire(order),
        "paymentAttempts": [
            {
                "attemptId": a.attempt_id,
                "memberId": a.member_id,
                "method": a.method.value,
                "status": a.status.value,
                "reason": a.reason,
                "amount": a.amount.to_wire(),
                "createdAt": a.created_at,
                "resolvedAt": a.resolved_at,
            }
            for a in history.attempts
        ],
        "refunds": [
            {**refund_order(r, order), "isRevoke": r.is_revoke, "createdAt": r.created_at}
            for r in history.refunds
        ],
        "ledgerEntries": [
            {
                "transactionId": e.transaction_id,
                "kind": e.kind,
                "memo": e.memo,
                "createdAt": e.created_at,
                "postings": [
                    {
                        "account": ref.kind.value,
                        "owner": ref.owner_id,
                        "amount": amount.to_wire(),
                    }
                    for ref, amount in e.postings
                ],
            }
            for e in history.entries
        ],
        "notifications": notes,
    }


def _print_history(history: OrderHistory, notes: list[dict[str, Any]], now_ms: int) -> None:
    order = history.order
    status = order.status.value
    if order.is_expired_at(now_ms):  # getOrder or the sweeper will mark it FAILURE
        status += " (expired, not yet swept)"
    fields: dict[str, object] = {
        "orderNo": order.order_no,
        "merchantOrderNo": order.merchant_order_no,
        "partnerId": order.partner_id,
        "payeeMid": order.payee_mid,
        "status": status,
        "revoked": "true" if order.revoked else "false",
        "amount": order.total,
        "refunded": order.refunded,
        "subject": order.subject,
        "scene": order.scene_code,
        "notifyUrl": order.notify_url,
        "created": when(order.created_at),
        "expires": when(order.expired_time),
        "paid": when(order.paid_time),
        "payerMid": order.payer_mid,
        "payChannel": order.pay_channel,
        "payeeFee": order.payee_fee,
        "settled": when(order.settled_time),
        "failure": f"{order.fail_code}: {order.fail_des}" if order.fail_code else None,
    }
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        click.echo(f"{name:<{width}}  {'-' if value is None else value}")

    click.echo(f"\npayment attempts ({len(history.attempts)}):")
    for a in history.attempts:
        payer = f"wallet {a.member_id}" if a.member_id else "card, no wallet"
        reason = f" {a.reason}" if a.reason else ""
        click.echo(
            f"  {when(a.created_at)}  {a.method.value:<7} {a.status.value:<8} "
            f"{a.amount}  {payer}{reason}"
        )

    click.echo(f"\nrefunds ({len(history.refunds)}):")
    for r in history.refunds:
        kind = "revoke" if r.is_revoke else "refund"
        click.echo(
            f"  {when(r.created_at)}  {kind} {r.refund_no} ({r.refund_merchant_order_no})"
            f"  {r.amount}, fee back {r.fee_refunded}  {r.status.value}"
            + (f"  reason: {r.reason}" if r.reason else "")
        )

    click.echo(f"\nledger entries ({len(history.entries)}):")
    for e in history.entries:
        click.echo(f"  {when(e.created_at)}  #{e.transaction_id} {e.kind}: {e.memo}")
        for ref, amount in e.postings:
            account = f"{ref.kind.value} {ref.owner_id}"
            click.echo(f"      {account:<36} {amount.amount:>14}")

    click.echo(f"\nnotifications ({len(notes)}):")
    for note in notes:
        click.echo(
            f"  {note['notifyId']} {note['kind']} of {note['subjectNo']} -> {note['url']}"
            f"  {note['status']}, {note['attempts']} attempt(s)"
        )
        for attempt in note["history"]:
            status = f" HTTP {attempt['httpStatus']}" if attempt["httpStatus"] is not None else ""
            click.echo(
                f"      #{attempt['attempt']} {when(attempt['startedAt'])} "
                f"{attempt['outcome']}{status} {attempt['latencyMs']} ms"
            )
