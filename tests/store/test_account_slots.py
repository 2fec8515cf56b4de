"""Spread accounts (no hot rows, issue 15): a merchant's pending and available money, fee
income and card clearing live in several sub-rows; a unit moves the sub-row its memo
hashes to, a debit its sub-row cannot cover draws on all of them, in slot order.

On PostgreSQL the units below really run at once (one connection each, READ COMMITTED,
row locks); on SQLite group commit runs them one at a time. Either way: every sub-row
equals its postings and never goes below zero, a logical balance is the sum of its
sub-rows, and a debit is refused exactly when the logical balance cannot cover it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from botimpay.domain import ledger
from botimpay.domain.ledger import SLOTS, AccountRef, Entry, InsufficientFunds
from botimpay.protocol.money import Money
from botimpay.store import ledger_repo, migrate
from botimpay.store.database import Database, open_database
from botimpay.store.tables import accounts, postings
from tests.conftest import _fresh_database

SHOP = "200000000777"
PENDING = ledger.merchant_pending(SHOP)


async def post(db: Database, entry: Entry) -> bool:
    """One write unit posting `entry`: True if it committed, False if refused."""
    try:
        async with db.write() as conn:
            await ledger_repo.post(conn, entry, 1)
    except InsufficientFunds:
        return False
    return True


async def post_all(db: Database, entries: Iterable[Entry], at_once: int = 24) -> list[bool]:
    gate = asyncio.Semaphore(at_once)

    async def one(entry: Entry) -> bool:
        async with gate:
            return await post(db, entry)

    return list(await asyncio.gather(*(one(entry) for entry in entries)))


def payment(no: int, gross: int, fee: int = 0) -> Entry:
    return ledger.payment_entry(f"P{no}", ledger.CARD_CLEARING, SHOP, Money(gross), Money(fee))


def refund(no: int, amount: int) -> Entry:
    return ledger.refund_entry(
        f"P{no}",
        f"R{no}",
        merchant_account=PENDING,
        payer=ledger.CARD_CLEARING,
        amount=Money(amount),
        fee_refunded=Money(0),
    )


async def logical(db: Database, ref: AccountRef) -> int:
    async with db.read() as conn:
        return (await ledger_repo.balance(conn, ref)).fils


async def assert_rows_hold(db: Database) -> None:
    """Every sub-row equals the sum of its postings, none that may not go negative is, and
    no logical account has more than SLOTS sub-rows."""
    async with db.read() as conn:
        sums = (
            select(postings.c.account_id, func.sum(postings.c.amount_fils).label("total"))
            .group_by(postings.c.account_id)
            .subquery()
        )
        rows = list(
            await conn.execute(
                select(accounts, func.coalesce(sums.c.total, 0).label("posted")).select_from(
                    accounts.outerjoin(sums, sums.c.account_id == accounts.c.id)
                )
            )
        )
    assert rows
    for row in rows:
        assert row.balance_fils == row.posted, row
        assert row.may_go_negative or row.balance_fils >= 0, row
        assert 0 <= row.slot < SLOTS, row


async def test_a_unit_moves_the_sub_row_its_memo_names(db: Database) -> None:
    entries = [payment(no, 1_000) for no in range(40)]
    assert all(await post_all(db, entries))
    async with db.read() as conn:
        slots = {
            row.memo: row.slot
            for row in await conn.execute(
                select(accounts.c.slot, ledger_repo.ledger_transactions.c.memo)
                .join(postings, postings.c.account_id == accounts.c.id)
                .join(
                    ledger_repo.ledger_transactions,
                    ledger_repo.ledger_transactions.c.id == postings.c.transaction_id,
                )
                .where(accounts.c.kind == PENDING.kind.value, accounts.c.owner_id == SHOP)
            )
        }
    assert slots == {entry.memo: entry.slot for entry in entries}  # a retry: the same row
    assert len(set(slots.values())) > 1  # 40 payments spread over several rows
    assert await logical(db, PENDING) == 40_000
    await assert_rows_hold(db)


async def test_a_refund_larger_than_its_sub_row_draws_on_the_others(db: Database) -> None:
    assert all(await post_all(db, [payment(no, 500) for no in range(16)]))
    # 7,000 of 8,000: no single sub-row holds that much
    assert await post(db, refund(1, 7_000))
    assert await logical(db, PENDING) == 1_000
    assert not await post(db, refund(2, 1_001))  # one fils more than the whole account
    assert await post(db, refund(3, 1_000))
    assert await logical(db, PENDING) == 0
    async with db.read() as conn:
        entries = await ledger_repo.entries_of_order(conn, "P1")
    drawn = [legs for e in entries if e.kind == "REFUND" for legs in e.postings]
    assert (PENDING, Money(-7_000)) in drawn  # read back as one leg of the logical account
    await assert_rows_hold(db)


async def test_a_thousand_concurrent_payments_then_exactly_enough_refunds(
    db: Database,
) -> None:
    rng = random.Random(15)
    grosses = [rng.randint(100, 50_000) for _ in range(1_000)]
    fees = [gross * 3 // 1_000 for gross in grosses]
    paid = await post_all(db, (payment(no, g, f) for no, (g, f) in enumerate(zip(grosses, fees))))
    assert all(paid)
    total = sum(grosses) - sum(fees)
    assert await logical(db, PENDING) == total
    # Refunds that add up to exactly the merchant's money: a few larger than any one
    # sub-row can hold, the rest small, in random order, all at once.
    big = [total // 5, total // 6, total // 7]
    rest = total - sum(big)
    cuts = sorted(rng.sample(range(1, rest), 300))
    small = [b - a for a, b in zip([0, *cuts], [*cuts, rest])]
    amounts = big + small
    rng.shuffle(amounts)
    assert sum(amounts) == total
    assert min(amounts) > 0
    refunded = await post_all(db, (refund(no, amount) for no, amount in enumerate(amounts)))
    assert all(refunded), f"{refunded.count(False)} refunds wrongly refused"
    assert await logical(db, PENDING) == 0
    assert not await post(db, refund(10_000, 1))  # nothing left: refused, not overdrawn
    async with db.read() as conn:
        fee_income = (await ledger_repo.balance(conn, ledger.FEE_INCOME)).fils
    assert fee_income == sum(fees)
    await assert_rows_hold(db)


async def test_payments_from_a_wallet_and_refunds_to_it_at_once_never_deadlock(
    db: Database,
) -> None:
    """The payment service locks the payer's wallet before it posts; a refund to that
    wallet posts straight away. Both must take the wallet before the spread accounts
    (fee income, the merchant's), or the two wait on each other (PostgreSQL: 40P01)."""
    payer = ledger.wallet("100000000001")
    async with db.write() as conn:
        await ledger_repo.post(conn, ledger.funding_entry("100000000001", Money(10**9)), 1)

    async def pay(no: int) -> bool:
        async with db.write() as conn:
            await ledger_repo.balance(conn, payer, for_update=True)  # as payments.py does
            entry = ledger.payment_entry(f"W{no}", payer, SHOP, Money(1_000), Money(3))
            await ledger_repo.post(conn, entry, 1)
        return True

    async def give_back(no: int) -> bool:
        entry = ledger.refund_entry(
            f"W{no}",
            f"WR{no}",
            merchant_account=PENDING,
            payer=payer,
            amount=Money(100),
            fee_refunded=Money(1),
        )
        return await post(db, entry)

    assert all(await asyncio.gather(*(pay(no) for no in range(40))))
    units = [pay(no) for no in range(40, 200)] + [give_back(no) for no in range(160)]
    random.Random(7).shuffle(units)
    gate = asyncio.Semaphore(24)

    async def limited(unit: Any) -> bool:
        async with gate:
            return bool(await unit)

    assert all(await asyncio.gather(*(limited(unit) for unit in units)))
    assert await logical(db, PENDING) == 200 * 997 - 160 * 99
    await assert_rows_hold(db)


# --- any interleaving -------------------------------------------------------------------

_OP = st.tuples(st.sampled_from(["pay", "refund", "settle"]), st.integers(1, 3_000))
_GROUPS = st.lists(st.lists(_OP, min_size=1, max_size=6), min_size=1, max_size=5)


def test_any_interleaving_keeps_sub_rows_equal_to_their_postings(
    tmp_path: Path, backend_url: str | None
) -> None:
    """Groups of payments, refunds and settlements, each group's units at once: the
    logical balances equal the model built from the units that committed, every sub-row
    equals its postings, and a unit alone is refused exactly when the model says so."""
    databases = _fresh_database(backend_url, tmp_path)
    url = next(databases)
    asyncio.run(_migrated(url))
    serial = iter(range(10**9))

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(groups=_GROUPS)
    def run(groups: list[list[tuple[str, int]]]) -> None:
        asyncio.run(_interleave(url, groups, serial))

    try:
        run()
    finally:
        for _ in databases:
            pass


async def _migrated(url: str) -> None:
    db = open_database(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


async def _interleave(url: str, groups: list[list[tuple[str, int]]], serial: Iterable[int]) -> None:
    numbers = iter(serial)
    db = open_database(url, pool_size=8)
    available = ledger.merchant_available(SHOP)
    try:
        pending, settled = await logical(db, PENDING), await logical(db, available)
        for group in groups:
            entries: list[tuple[str, int, Entry]] = []
            for op, amount in group:
                no = next(numbers)
                if op == "pay":
                    entries.append((op, amount, payment(no, amount)))
                elif op == "refund":
                    entries.append((op, amount, refund(no, amount)))
                else:
                    entries.append(
                        (op, amount, ledger.settlement_entry(f"P{no}", SHOP, Money(amount)))
                    )
            done = await post_all(db, (entry for _, _, entry in entries))
            if len(entries) == 1:  # alone: refused exactly when the money is not there
                op, amount, _ = entries[0]
                assert done[0] == (op == "pay" or amount <= pending), (op, amount, pending)
            for (op, amount, _), ok in zip(entries, done):
                if ok:
                    pending += amount if op == "pay" else -amount
                    settled += amount if op == "settle" else 0
            assert (await logical(db, PENDING), await logical(db, available)) == (
                pending,
                settled,
            )
        await assert_rows_hold(db)
    finally:
        await db.dispose()
