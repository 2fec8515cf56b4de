"""`botimpay ledger check`: proves the ledger balances and matches every order.

Checks, all SQL aggregates in store/reconcile_repo.py so they scale with the data:
1. every ledger transaction's postings sum to zero;
2. every account's balance equals the sum of its postings;
3. no account that may not go negative is negative;
4. every paid order has exactly one payment for its amount and fee, at most
   one settlement once settled, and no unpaid order moved money;
5. each order's refunded amount equals its refund, chargeback and VOID rows and
   their entries (chargebacks and VOIDs count as returned, like refunds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botimpay.store import reconcile_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database

SAMPLE = 20  # offending rows reported per check


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
    async with db.read() as conn:
        counts = await reconcile_repo.counts(conn)
        report = LedgerReport(counts.transactions, counts.accounts, counts.orders)
        report.problems.extend(await _ledger_problems(conn))
        report.problems.extend(await _order_problems(conn))
    return report


async def _ledger_problems(conn: Connection) -> list[str]:
    problems = [
        f"transaction {tx_id} does not balance: {total} fils"
        for tx_id, total in await reconcile_repo.unbalanced_transactions(conn, SAMPLE)
    ]
    problems += [
        f"account {kind} {owner}: balance {balance} but postings sum to {total}"
        for kind, owner, balance, total in await reconcile_repo.accounts_off_their_postings(
            conn, SAMPLE
        )
    ]
    problems += [
        f"account {kind} {owner} is negative: {balance} fils"
        for kind, owner, balance in await reconcile_repo.negative_accounts(conn)
    ]
    grand_total = await reconcile_repo.sum_of_balances(conn)
    if grand_total != 0:
        problems.append(f"all balances together are {grand_total} fils, not 0")
    return problems


async def _order_problems(conn: Connection) -> list[str]:
    problems = [
        f"order {order_no} is {status} but has {paid_entries} payment and "
        f"{settle_entries} settlement entries"
        for order_no, status, paid_entries, settle_entries in (
            await reconcile_repo.orders_with_wrong_entries(conn, SAMPLE)
        )
    ]
    # A payment credits the merchant with amount - fee and the fee account with the fee.
    problems += [
        f"order {order_no}: paid {total} fils but merchant and fee got {credited}"
        for order_no, total, credited in await reconcile_repo.payments_credited_wrongly(
            conn, SAMPLE
        )
    ]
    problems += [
        f"order {order_no}: refunded {refunded} fils, ledger returned {returned_fils},"
        f" refunds booked {booked_fils}"
        for order_no, refunded, returned_fils, booked_fils in (
            await reconcile_repo.refunds_out_of_step(conn, SAMPLE)
        )
    ]
    return problems
