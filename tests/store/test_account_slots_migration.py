"""Migration 0016 (accounts.slot) on SQLite and PostgreSQL: a 0015 database's accounts
become slot 0 with their ids, balances and postings; `ledger check`'s per-row rule
still holds; new sub-rows can then be made; the downgrade refuses while sub-rows exist.

On SQLite the migration rebuilds `accounts`, which `postings` refers to: it runs with
foreign keys off and checked before COMMIT (store/migrate.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from botimpay.domain import ledger
from botimpay.protocol.money import Money
from botimpay.store import ledger_repo, migrate
from botimpay.store.database import Database
from tests.store.revisions import OLD_PARTNER, database_at, migrate_to

OLD_ROWS = (
    "INSERT INTO accounts (id, kind, owner_id, balance_fils, may_go_negative) VALUES "
    "(1, 'CARD_CLEARING', 'GATEWAY', -1000, true), "
    "(2, 'MERCHANT_PENDING', :pid, 997, false), (3, 'FEE_INCOME', 'GATEWAY', 3, false)",
    "INSERT INTO ledger_transactions (id, kind, order_no, memo, created_at) "
    "VALUES (1, 'PAYMENT', 'O1', 'payment of order O1', 1)",
    "INSERT INTO postings (transaction_id, account_id, amount_fils) "
    "VALUES (1, 1, -1000), (1, 2, 997), (1, 3, 3)",
)


@pytest.fixture
async def db_at_0015(tmp_path: Path, backend_url: str | None) -> AsyncIterator[Database]:
    async with database_at("0015", tmp_path, backend_url) as database:
        async with database.write() as conn:
            for statement in OLD_ROWS:
                await conn.execute(text(statement), {"pid": OLD_PARTNER})
            if not database.is_sqlite:  # the rows above took ids 1-3 by hand
                for table in ("accounts", "ledger_transactions"):
                    await conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)")
                    )
        yield database


async def _rows(db: Database) -> list[tuple[int, str, int, int]]:
    async with db.read() as conn:
        found = await conn.execute(
            text("SELECT id, kind, slot, balance_fils FROM accounts ORDER BY id")
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_old_accounts_become_slot_zero_and_keep_their_postings(
    db_at_0015: Database,
) -> None:
    await migrate.upgrade(db_at_0015)
    assert await _rows(db_at_0015) == [
        (1, "CARD_CLEARING", 0, -1000),
        (2, "MERCHANT_PENDING", 0, 997),
        (3, "FEE_INCOME", 0, 3),
    ]
    pending = ledger.merchant_pending(OLD_PARTNER)
    async with db_at_0015.read() as conn:
        assert (await ledger_repo.balance(conn, pending)).fils == 997
        entries = await ledger_repo.entries_of_order(conn, "O1")
    assert entries[0].postings[1] == (pending, Money(997))
    # A refund bigger than its own (new, empty) sub-row draws on slot 0.
    entry = ledger.refund_entry(
        "O1",
        "R1",
        merchant_account=pending,
        payer=ledger.CARD_CLEARING,
        amount=Money(500),
        fee_refunded=Money(0),
    )
    async with db_at_0015.write() as conn:
        await ledger_repo.post(conn, entry, 2)
    async with db_at_0015.read() as conn:
        assert (await ledger_repo.balance(conn, pending)).fils == 497


async def test_downgrade_is_refused_while_sub_rows_exist(db_at_0015: Database) -> None:
    await migrate.upgrade(db_at_0015)
    payment = ledger.payment_entry("O2", ledger.CARD_CLEARING, OLD_PARTNER, Money(100), Money(0))
    if payment.slot == 0:  # the memo hashes to slot 0: pick another order number
        payment = ledger.payment_entry(
            "O3", ledger.CARD_CLEARING, OLD_PARTNER, Money(100), Money(0)
        )
    assert payment.slot != 0
    async with db_at_0015.write() as conn:
        await ledger_repo.post(conn, payment, 2)
    with pytest.raises(RuntimeError, match="sub-rows"):
        await migrate_to(db_at_0015, "0015", down=True)


async def test_downgrade_and_upgrade_round_trip_without_sub_rows(db_at_0015: Database) -> None:
    await migrate.upgrade(db_at_0015)
    await migrate_to(db_at_0015, "0015", down=True)
    await migrate.upgrade(db_at_0015)
    assert [row[2] for row in await _rows(db_at_0015)] == [0, 0, 0]
