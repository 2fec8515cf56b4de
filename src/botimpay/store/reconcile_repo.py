"""The books read back for `botimpay ledger check`, all as SQL aggregates so they scale
with the data. Each query returns the offending rows only, at most `limit` of them:
the check reports a sample of what is wrong, never every row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Subquery, Table, and_, func, select, union_all

from botimpay.domain.ledger import AccountKind, EntryKind
from botimpay.domain.refund import RefundStatus
from botimpay.store.connection import Connection
from botimpay.store.tables import (
    accounts,
    chargebacks,
    ledger_transactions,
    orders,
    postings,
    refunds,
)


@dataclass(frozen=True, slots=True)
class Counts:
    transactions: int
    accounts: int
    orders: int


async def counts(conn: Connection) -> Counts:
    """How many ledger transactions, accounts and orders the check covers."""
    return Counts(
        transactions=await _count(conn, ledger_transactions),
        accounts=await _count_logical_accounts(conn),
        orders=await _count(conn, orders),
    )


async def _count_logical_accounts(conn: Connection) -> int:
    """Accounts as the ledger knows them: (kind, owner), however many sub-rows each has
    (every sub-row is still checked against its own postings below)."""
    logical = select(accounts.c.kind, accounts.c.owner_id).distinct().subquery()
    return int(await conn.scalar(select(func.count()).select_from(logical)) or 0)


async def _count(conn: Connection, table: Table) -> int:
    return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def unbalanced_transactions(conn: Connection, limit: int) -> list[tuple[int, int]]:
    """(transaction id, sum of its postings) where the sum is not zero."""
    rows = await conn.execute(
        select(postings.c.transaction_id, func.sum(postings.c.amount_fils))
        .group_by(postings.c.transaction_id)
        .having(func.sum(postings.c.amount_fils) != 0)
        .limit(limit)
    )
    return [(int(tx_id), int(total)) for tx_id, total in rows]


async def accounts_off_their_postings(
    conn: Connection, limit: int
) -> list[tuple[str, str, int, int]]:
    """(kind, owner, balance, sum of postings) where the balance is not that sum."""
    sums = (
        select(postings.c.account_id, func.sum(postings.c.amount_fils).label("total"))
        .group_by(postings.c.account_id)
        .subquery()
    )
    rows = await conn.execute(
        select(accounts.c.kind, accounts.c.owner_id, accounts.c.balance_fils, sums.c.total)
        .select_from(accounts.outerjoin(sums, sums.c.account_id == accounts.c.id))
        .where(accounts.c.balance_fils != func.coalesce(sums.c.total, 0))
        .limit(limit)
    )
    return [(kind, owner, int(balance), int(total or 0)) for kind, owner, balance, total in rows]


async def negative_accounts(conn: Connection) -> list[tuple[str, str, int]]:
    """(kind, owner, balance) of accounts below zero that may not go negative."""
    rows = await conn.execute(
        select(accounts.c.kind, accounts.c.owner_id, accounts.c.balance_fils).where(
            accounts.c.may_go_negative.is_(False), accounts.c.balance_fils < 0
        )
    )
    return [(kind, owner, int(balance)) for kind, owner, balance in rows]


async def sum_of_balances(conn: Connection) -> int:
    """All balances together: 0 in books that balance."""
    total = await conn.scalar(select(func.coalesce(func.sum(accounts.c.balance_fils), 0)))
    return int(total or 0)


async def orders_with_wrong_entries(
    conn: Connection, limit: int
) -> list[tuple[str, str, int, int]]:
    """(order no, status, payment entries, settlement entries) of orders that moved money
    unlike their state: a paid order needs exactly one payment entry, an unpaid one none,
    an unsettled one no settlement entry, and none more than one."""
    per_order = (
        select(
            ledger_transactions.c.order_no,
            ledger_transactions.c.kind,
            func.count().label("entries"),
        )
        .where(ledger_transactions.c.order_no.is_not(None))
        .group_by(ledger_transactions.c.order_no, ledger_transactions.c.kind)
        .subquery()
    )
    payments = per_order.alias("payments")
    settlements = per_order.alias("settlements")
    paid_entries = func.coalesce(payments.c.entries, 0)
    settle_entries = func.coalesce(settlements.c.entries, 0)
    rows = await conn.execute(
        select(orders.c.order_no, orders.c.status, paid_entries, settle_entries)
        .select_from(
            orders.outerjoin(
                payments,
                and_(
                    payments.c.order_no == orders.c.order_no,
                    payments.c.kind == EntryKind.PAYMENT.value,
                ),
            ).outerjoin(
                settlements,
                and_(
                    settlements.c.order_no == orders.c.order_no,
                    settlements.c.kind == EntryKind.SETTLEMENT.value,
                ),
            )
        )
        .where(
            (orders.c.paid_time.is_not(None) & (paid_entries != 1))
            | (orders.c.paid_time.is_(None) & (paid_entries != 0))
            | (orders.c.settled_time.is_(None) & (settle_entries != 0))
            | (settle_entries > 1)
        )
        .limit(limit)
    )
    return [(order_no, status, int(paid), int(settled)) for order_no, status, paid, settled in rows]


def _posted_per_order(
    entry_kind: EntryKind | tuple[EntryKind, ...],
    account_kinds: tuple[AccountKind, ...],
    label: str,
) -> Subquery:
    """Per order: the sum posted by `entry_kind` entries to accounts of `account_kinds`."""
    entry_kinds = entry_kind if isinstance(entry_kind, tuple) else (entry_kind,)
    return (
        select(ledger_transactions.c.order_no, func.sum(postings.c.amount_fils).label(label))
        .join(postings, postings.c.transaction_id == ledger_transactions.c.id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(
            ledger_transactions.c.kind.in_([kind.value for kind in entry_kinds]),
            accounts.c.kind.in_([kind.value for kind in account_kinds]),
        )
        .group_by(ledger_transactions.c.order_no)
        .subquery()
    )


async def payments_credited_wrongly(conn: Connection, limit: int) -> list[tuple[str, int, int]]:
    """(order no, total, credited) where a payment did not credit the merchant (amount less
    fee), the fee account (the fee) and sharing members (their shares) with the order's
    total between them."""
    credit = _posted_per_order(
        EntryKind.PAYMENT,
        (AccountKind.MERCHANT_PENDING, AccountKind.FEE_INCOME, AccountKind.SHARING_PENDING),
        "credited",
    )
    rows = await conn.execute(
        select(orders.c.order_no, orders.c.total_fils, credit.c.credited)
        .join(credit, credit.c.order_no == orders.c.order_no)
        .where(credit.c.credited != orders.c.total_fils)
        .limit(limit)
    )
    return [(order_no, int(total), int(credited)) for order_no, total, credited in rows]


async def refunds_out_of_step(conn: Connection, limit: int) -> list[tuple[str, int, int, int]]:
    """(order no, refunded, returned by the ledger, booked as refunds) where an order's
    refunded amount differs from its refund, chargeback and VOID entries or its
    successful refund, chargeback and VOID rows."""
    returned = _posted_per_order(
        (EntryKind.REFUND, EntryKind.CHARGEBACK, EntryKind.VOID),
        (AccountKind.MEMBER_WALLET, AccountKind.CARD_CLEARING),
        "returned",
    )
    rows_booked = union_all(
        select(refunds.c.origin_order_no.label("order_no"), refunds.c.amount_fils).where(
            refunds.c.status == RefundStatus.SUCCESS.value
        ),
        select(chargebacks.c.order_no, chargebacks.c.amount_fils).where(
            chargebacks.c.status == "SUCCESS"
        ),
    ).subquery()
    booked = (
        select(
            rows_booked.c.order_no.label("origin_order_no"),
            func.sum(rows_booked.c.amount_fils).label("booked"),
        )
        .group_by(rows_booked.c.order_no)
        .subquery()
    )
    returned_fils = func.coalesce(returned.c.returned, 0)
    booked_fils = func.coalesce(booked.c.booked, 0)
    rows = await conn.execute(
        select(orders.c.order_no, orders.c.refunded_fils, returned_fils, booked_fils)
        .select_from(
            orders.outerjoin(returned, returned.c.order_no == orders.c.order_no).outerjoin(
                booked, booked.c.origin_order_no == orders.c.order_no
            )
        )
        .where((orders.c.refunded_fils != returned_fils) | (orders.c.refunded_fils != booked_fils))
        .limit(limit)
    )
    return [(no, int(refunded), int(ret), int(book)) for no, refunded, ret, book in rows]
