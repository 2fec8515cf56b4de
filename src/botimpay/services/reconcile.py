"""`botimpay ledger check`: proves the ledger balances and matches every order.

Checks, all in SQL aggregates so they scale with the data:
1. every ledger transaction's postings sum to zero;
2. every account's balance equals the sum of its postings;
3. no account that may not go negative is negative;
4. every paid order has exactly one payment for its amount and fee, at most
   one settlement once settled, and no unpaid order moved money;
5. each order's refunded amount equals its refund rows and its refund entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Subquery, and_, func, select

from botimpay.domain.ledger import AccountKind, EntryKind
from botimpay.store.connection import Connection
from botimpay.store.database import Database
from botimpay.store.tables import accounts, ledger_transactions, orders, postings, refunds


@dataclass
class LedgerReport:
    transactions: int = 0
    accounts: int = 0
    orders: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def check_ledger(db: Database) -> LedgerReport:
    report = LedgerReport()
    async with db.read() as conn:
        report.transactions = int(
            await conn.scalar(select(func.count()).select_from(ledger_transactions)) or 0
        )
        report.accounts = int(await conn.scalar(select(func.count()).select_from(accounts)) or 0)
        report.orders = int(await conn.scalar(select(func.count()).select_from(orders)) or 0)

        unbalanced = await conn.execute(
            select(postings.c.transaction_id, func.sum(postings.c.amount_fils))
            .group_by(postings.c.transaction_id)
            .having(func.sum(postings.c.amount_fils) != 0)
            .limit(20)
        )
        for tx_id, total in unbalanced:
            report.problems.append(f"transaction {tx_id} does not balance: {total} fils")

        sums = (
            select(postings.c.account_id, func.sum(postings.c.amount_fils).label("total"))
            .group_by(postings.c.account_id)
            .subquery()
        )
        mismatched = await conn.execute(
            select(accounts.c.kind, accounts.c.owner_id, accounts.c.balance_fils, sums.c.total)
            .select_from(accounts.outerjoin(sums, sums.c.account_id == accounts.c.id))
            .where(accounts.c.balance_fils != func.coalesce(sums.c.total, 0))
            .limit(20)
        )
        for kind, owner, balance, total in mismatched:
            report.problems.append(
                f"account {kind} {owner}: balance {balance} but postings sum to {total or 0}"
            )

        negative = await conn.execute(
            select(accounts.c.kind, accounts.c.owner_id, accounts.c.balance_fils).where(
                accounts.c.may_go_negative.is_(False), accounts.c.balance_fils < 0
            )
        )
        for kind, owner, balance in negative:
            report.problems.append(f"account {kind} {owner} is negative: {balance} fils")

        grand_total = await conn.scalar(select(func.coalesce(func.sum(accounts.c.balance_fils), 0)))
        if int(grand_total or 0) != 0:
            report.problems.append(f"all balances together are {grand_total} fils, not 0")

        report.problems.extend(await _order_problems(conn))
    return report


async def _order_problems(conn: Connection) -> list[str]:
    problems: list[str] = []
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
    rows = await conn.execute(
        select(
            orders.c.order_no,
            orders.c.status,
            func.coalesce(payments.c.entries, 0),
            func.coalesce(settlements.c.entries, 0),
        )
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
            (orders.c.paid_time.is_not(None) & (func.coalesce(payments.c.entries, 0) != 1))
            | (orders.c.paid_time.is_(None) & (func.coalesce(payments.c.entries, 0) != 0))
            | (orders.c.settled_time.is_(None) & (func.coalesce(settlements.c.entries, 0) != 0))
            | (func.coalesce(settlements.c.entries, 0) > 1)
        )
        .limit(20)
    )
    for order_no, status, paid_entries, settle_entries in rows:
        problems.append(
            f"order {order_no} is {status} but has {paid_entries} payment and "
            f"{settle_entries} settlement entries"
        )
    # A payment credits the merchant with amount - fee and the fee account with the fee.
    merchant_credit = _posted_per_order(
        EntryKind.PAYMENT, (AccountKind.MERCHANT_PENDING, AccountKind.FEE_INCOME), "credited"
    )
    wrong = await conn.execute(
        select(orders.c.order_no, orders.c.total_fils, merchant_credit.c.credited)
        .join(merchant_credit, merchant_credit.c.order_no == orders.c.order_no)
        .where(merchant_credit.c.credited != orders.c.total_fils)
        .limit(20)
    )
    for order_no, total, credited in wrong:
        problems.append(f"order {order_no}: paid {total} fils but merchant and fee got {credited}")
    problems.extend(await _refund_problems(conn))
    return problems


def _posted_per_order(
    entry_kind: EntryKind, account_kinds: tuple[AccountKind, ...], label: str
) -> Subquery:
    """Per order: the sum posted by `entry_kind` entries to accounts of `account_kinds`."""
    return (
        select(ledger_transactions.c.order_no, func.sum(postings.c.amount_fils).label(label))
        .join(postings, postings.c.transaction_id == ledger_transactions.c.id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(
            ledger_transactions.c.kind == entry_kind.value,
            accounts.c.kind.in_([kind.value for kind in account_kinds]),
        )
        .group_by(ledger_transactions.c.order_no)
        .subquery()
    )


async def _refund_problems(conn: Connection) -> list[str]:
    """Refund entries, refund rows and each order's refunded amount must agree."""
    problems: list[str] = []
    returned = _posted_per_order(
        EntryKind.REFUND, (AccountKind.MEMBER_WALLET, AccountKind.CARD_CLEARING), "returned"
    )
    booked = (
        select(refunds.c.origin_order_no, func.sum(refunds.c.amount_fils).label("booked"))
        .where(refunds.c.status == "SUCCESS")
        .group_by(refunds.c.origin_order_no)
        .subquery()
    )
    rows = await conn.execute(
        select(
            orders.c.order_no,
            orders.c.refunded_fils,
            func.coalesce(returned.c.returned, 0),
            func.coalesce(booked.c.booked, 0),
        )
        .select_from(
            orders.outerjoin(returned, returned.c.order_no == orders.c.order_no).outerjoin(
                booked, booked.c.origin_order_no == orders.c.order_no
            )
        )
        .where(
            (orders.c.refunded_fils != func.coalesce(returned.c.returned, 0))
            | (orders.c.refunded_fils != func.coalesce(booked.c.booked, 0))
        )
        .limit(20)
    )
    for order_no, refunded, returned_fils, booked_fils in rows:
        problems.append(
            f"order {order_no}: refunded {refunded} fils, ledger returned {returned_fils},"
            f" refunds booked {booked_fils}"
        )
    return problems
