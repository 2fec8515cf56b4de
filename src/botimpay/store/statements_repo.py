"""Reads for the day's statements: one merchant's ledger postings in a period, its
opening balances, and the orders and refunds those postings name. Read only.

A posting belongs to the period by its ledger transaction's created_at (business
time); the merchant's accounts are those it owns whose kind starts with MERCHANT_,
so account kinds added later are included without a change here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from botimpay.domain.statements import (
    FEE_INCOME,
    MERCHANT_ACCOUNT_PREFIX,
    LedgerLine,
    OrderFacts,
    RefundFacts,
)
from botimpay.store import jsonfield
from botimpay.store.connection import Connection
from botimpay.store.tables import (
    accounts,
    ledger_transactions,
    merchants,
    orders,
    postings,
    refunds,
)


def _merchant_accounts(partner_id: str) -> Any:
    return (accounts.c.owner_id == partner_id) & accounts.c.kind.startswith(
        MERCHANT_ACCOUNT_PREFIX, autoescape=True
    )


def _touching(partner_id: str, start: int, end: int) -> Select[Any]:
    """Ids of the ledger transactions in [start, end) that posted to the merchant."""
    return (
        select(ledger_transactions.c.id)
        .join(postings, postings.c.transaction_id == ledger_transactions.c.id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(
            _merchant_accounts(partner_id),
            ledger_transactions.c.created_at >= start,
            ledger_transactions.c.created_at < end,
        )
    )


def _lines(where: Any) -> Select[Any]:
    """One line per entry and logical account: a leg drawn from several sub-rows of a
    spread account (store/ledger_repo.py) is summed back into one."""
    first_posting = func.min(postings.c.id)
    return (
        select(
            ledger_transactions.c.id.label("transaction_id"),
            first_posting.label("posting_id"),
            ledger_transactions.c.kind.label("entry_kind"),
            ledger_transactions.c.created_at,
            ledger_transactions.c.order_no,
            ledger_transactions.c.memo,
            accounts.c.kind.label("account_kind"),
            accounts.c.owner_id,
            func.sum(postings.c.amount_fils).label("amount_fils"),
        )
        .select_from(
            postings.join(
                ledger_transactions, ledger_transactions.c.id == postings.c.transaction_id
            ).join(accounts, accounts.c.id == postings.c.account_id)
        )
        .where(where)
        .group_by(
            ledger_transactions.c.id,
            ledger_transactions.c.kind,
            ledger_transactions.c.created_at,
            ledger_transactions.c.order_no,
            ledger_transactions.c.memo,
            accounts.c.kind,
            accounts.c.owner_id,
        )
        .order_by(ledger_transactions.c.created_at, ledger_transactions.c.id, first_posting)
    )


def _line(row: Any) -> LedgerLine:
    return LedgerLine(
        transaction_id=int(row.transaction_id),
        posting_id=int(row.posting_id),
        entry_kind=row.entry_kind,
        created_at=int(row.created_at),
        order_no=row.order_no,
        memo=row.memo,
        account_kind=row.account_kind,
        owner_id=row.owner_id,
        amount_fils=int(row.amount_fils),
    )


async def merchant_since(conn: Connection, partner_id: str) -> tuple[str, int] | None:
    """The merchant's name and creation time (ms), or None if there is no such merchant."""
    row = (
        await conn.execute(
            select(merchants.c.name, merchants.c.created_at).where(
                merchants.c.partner_id == partner_id
            )
        )
    ).first()
    return None if row is None else (row.name, int(row.created_at))


async def period_lines(conn: Connection, partner_id: str, start: int, end: int) -> list[LedgerLine]:
    """Every posting (all accounts) of the period's transactions that moved the merchant's money."""
    touching = _touching(partner_id, start, end)
    rows = await conn.execute(_lines(ledger_transactions.c.id.in_(touching)))
    return [_line(row) for row in rows]


async def fees_before(conn: Connection, partner_id: str, start: int, end: int) -> list[LedgerLine]:
    """FEE_INCOME postings before `start` of the orders the merchant settled in the period."""
    settled = (
        select(ledger_transactions.c.order_no)
        .where(ledger_transactions.c.id.in_(_touching(partner_id, start, end)))
        .where(ledger_transactions.c.kind == "SETTLEMENT")
    )
    rows = await conn.execute(
        _lines(
            ledger_transactions.c.order_no.in_(settled)
            & (ledger_transactions.c.created_at < start)
            & (accounts.c.kind == FEE_INCOME)
        )
    )
    return [_line(row) for row in rows]


async def opening_balances(conn: Connection, partner_id: str, start: int) -> dict[str, int]:
    """The merchant's accounts' balances at `start`: their postings before it, by kind."""
    rows = await conn.execute(
        select(accounts.c.kind, func.coalesce(func.sum(postings.c.amount_fils), 0))
        .select_from(
            postings.join(
                ledger_transactions, ledger_transactions.c.id == postings.c.transaction_id
            ).join(accounts, accounts.c.id == postings.c.account_id)
        )
        .where(_merchant_accounts(partner_id), ledger_transactions.c.created_at < start)
        .group_by(accounts.c.kind)
    )
    return {kind: int(total) for kind, total in rows}


def _terminal(details: Any) -> dict[str, str]:
    """accessoryContent.terminalDetail's text fields (placeOrder keeps it in details)."""
    accessory = details.get("accessoryContent") if isinstance(details, dict) else None
    terminal = accessory.get("terminalDetail") if isinstance(accessory, dict) else None
    if not isinstance(terminal, dict):
        return {}
    return {str(k): v for k, v in terminal.items() if isinstance(v, str)}


def _orders_named(partner_id: str, start: int, end: int) -> Select[Any]:
    return select(ledger_transactions.c.order_no).where(
        ledger_transactions.c.id.in_(_touching(partner_id, start, end)),
        ledger_transactions.c.order_no.is_not(None),
    )


async def period_orders(
    conn: Connection, partner_id: str, start: int, end: int
) -> dict[str, OrderFacts]:
    """The orders the period's transactions name."""
    rows = await conn.execute(
        select(
            orders.c.order_no,
            orders.c.merchant_order_no,
            orders.c.payee_mid,
            orders.c.total_fils,
            orders.c.subject,
            orders.c.pay_scene_code,
            orders.c.pay_channel,
            orders.c.paid_time,
            orders.c.reserved,
            orders.c.details,
        ).where(orders.c.order_no.in_(_orders_named(partner_id, start, end)))
    )
    found: dict[str, OrderFacts] = {}
    for row in rows:
        terminal = _terminal(jsonfield.loads(row.details))
        found[row.order_no] = OrderFacts(
            order_no=row.order_no,
            merchant_order_no=row.merchant_order_no,
            payee_mid=row.payee_mid,
            total_fils=int(row.total_fils),
            subject=row.subject,
            scene_code=row.pay_scene_code,
            pay_channel=row.pay_channel,
            paid_time=None if row.paid_time is None else int(row.paid_time),
            reserved=row.reserved,
            terminal=terminal,
        )
    return found


async def period_refunds(
    conn: Connection, partner_id: str, start: int, end: int
) -> dict[str, RefundFacts]:
    """The merchant's refunds of the orders the period's transactions name."""
    rows = await conn.execute(
        select(
            refunds.c.refund_no,
            refunds.c.refund_merchant_order_no,
            refunds.c.origin_order_no,
            refunds.c.amount_fils,
            refunds.c.is_revoke,
            refunds.c.reserved,
        ).where(
            refunds.c.partner_id == partner_id,
            refunds.c.origin_order_no.in_(_orders_named(partner_id, start, end)),
        )
    )
    return {
        row.refund_no: RefundFacts(
            refund_no=row.refund_no,
            refund_merchant_order_no=row.refund_merchant_order_no,
            origin_order_no=row.origin_order_no,
            amount_fils=int(row.amount_fils),
            is_revoke=bool(row.is_revoke),
            reserved=row.reserved,
        )
        for row in rows
    }
