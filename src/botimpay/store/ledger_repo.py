"""The ledger in the database: accounts with guarded balances, entries, postings.

`post()` writes one entry and moves each balance with a conditional UPDATE that
refuses to take a non-negative account below zero; then it re-reads the
entry's sum, so a bug can never commit an unbalanced transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from botimpay.domain.invoice import FeeSum
from botimpay.domain.ledger import AccountKind, AccountRef, Entry, LedgerError, Posting
from botimpay.domain.ledger import InsufficientFunds as InsufficientFunds  # raised by post()
from botimpay.protocol.money import Money
from botimpay.store.connection import Connection, fetch_value, run, run_many, run_sql
from botimpay.store.tables import (
    accounts,
    ledger_transactions,
    members,
    merchants,
    orders,
    postings,
)


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: AccountRef
    balance: Money


# Built once: a refund or payment posts several times per request.
_ACCOUNT_ID = select(accounts.c.id).where(
    accounts.c.kind == bindparam("kind"),
    accounts.c.owner_id == bindparam("owner_id"),
    accounts.c.slot == bindparam("slot"),
)
# Moves one sub-row, refusing to take a non-negative one below zero; None if it did not
# (no such row yet, or not enough on it).
_MOVE = (
    update(accounts)
    .where(
        accounts.c.kind == bindparam("account_kind"),
        accounts.c.owner_id == bindparam("account_owner"),
        accounts.c.slot == bindparam("account_slot"),
        or_(accounts.c.may_go_negative, accounts.c.balance_fils + bindparam("delta") >= 0),
    )
    .values(balance_fils=accounts.c.balance_fils + bindparam("delta"))
    .returning(accounts.c.id)
)
_MOVE_ROW = (
    update(accounts)
    .where(
        accounts.c.id == bindparam("account_id"),
        accounts.c.balance_fils + bindparam("delta") >= 0,
    )
    .values(balance_fils=accounts.c.balance_fils + bindparam("delta"))
)
# Every sub-row of one logical account, locked in slot order (the lock order of post()).
_SUB_ROWS = (
    select(accounts.c.id, accounts.c.slot, accounts.c.balance_fils)
    .where(accounts.c.kind == bindparam("kind"), accounts.c.owner_id == bindparam("owner_id"))
    .order_by(accounts.c.slot)
    .with_for_update()
)
_NEW_TRANSACTION = insert(ledger_transactions).returning(ledger_transactions.c.id)
_INSERT_POSTINGS = insert(postings)
_ENTRY_SUM = select(func.coalesce(func.sum(postings.c.amount_fils), 0)).where(
    postings.c.transaction_id == bindparam("transaction_id")
)


async def account_id(conn: Connection, ref: AccountRef, slot: int = 0) -> int:
    """The id of the account's sub-row `slot`, creating it (balance 0) on first use."""
    key = {"kind": ref.kind.value, "owner_id": ref.owner_id, "slot": slot}
    found = await fetch_value(conn, _ACCOUNT_ID, key)
    if found is not None:
        return int(found)
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        dialect_insert(accounts)
        .values(
            kind=ref.kind.value,
            owner_id=ref.owner_id,
            slot=slot,
            balance_fils=0,
            may_go_negative=ref.kind.may_go_negative,
        )
        .on_conflict_do_nothing(index_elements=["kind", "owner_id", "slot"])
    )
    created = await fetch_value(conn, _ACCOUNT_ID, key)
    if created is None:
        raise LedgerError(f"could not create account {ref.kind.value} {ref.owner_id} {slot}")
    return int(created)


def _logical_balance(ref: AccountRef) -> Any:
    return select(func.coalesce(func.sum(accounts.c.balance_fils), 0)).where(
        accounts.c.kind == ref.kind.value, accounts.c.owner_id == ref.owner_id
    )


async def balance(conn: Connection, ref: AccountRef, *, for_update: bool = False) -> Money:
    """The logical balance: the sum of the account's sub-rows (`for_update` locks them,
    in slot order)."""
    if for_update:
        rows = await conn.execute(_SUB_ROWS, {"kind": ref.kind.value, "owner_id": ref.owner_id})
        return Money(sum(int(row.balance_fils) for row in rows))
    return Money(int(await conn.scalar(_logical_balance(ref)) or 0))


async def post(conn: Connection, entry: Entry, now_ms: int) -> int:
    """Writes a balanced entry; raises InsufficientFunds (caller rolls back or handles).

    Accounts are locked in one fixed order, so concurrent entries never deadlock: the
    single-row accounts (wallets, sharing members) first, as the payment service locks
    the payer's wallet before it posts; then the spread ones; each group by (kind,
    owner), and a spread account's sub-rows in slot order (see `_move`)."""
    legs: list[tuple[int, int]] = []  # (sub-row id, fils), one or more a posting
    for posting in sorted(entry.postings, key=_lock_order):
        slot = entry.slot if posting.account.kind.spread else 0
        legs += await _move(conn, posting.account, slot, posting.amount.fils)
    transaction_id = await fetch_value(
        conn,
        _NEW_TRANSACTION,
        {
            "kind": entry.kind.value,
            "order_no": entry.order_no,
            "memo": entry.memo,
            "created_at": now_ms,
        },
    )
    await run_many(
        conn,
        _INSERT_POSTINGS,
        [
            {"transaction_id": transaction_id, "account_id": row_id, "amount_fils": fils}
            for row_id, fils in legs
        ],
    )
    total = await fetch_value(conn, _ENTRY_SUM, {"transaction_id": transaction_id})
    if total is None or int(total) != 0:
        raise LedgerError(f"ledger transaction {transaction_id} does not balance: {total}")
    return int(transaction_id)


def _lock_order(posting: Posting) -> tuple[bool, str, str]:
    return (posting.account.kind.spread, posting.account.kind.value, posting.account.owner_id)


async def _move(conn: Connection, ref: AccountRef, slot: int, delta: int) -> list[tuple[int, int]]:
    """Moves `delta` fils on the account's sub-row `slot` (one statement when the row
    exists and can take it). A debit that row cannot cover, on a spread account, is
    drawn from every sub-row (`_draw`): refused only if their sum cannot cover it."""
    params = {
        "account_kind": ref.kind.value,
        "account_owner": ref.owner_id,
        "account_slot": slot,
        "delta": delta,
    }
    guarded = delta < 0 and ref.kind.spread and not ref.kind.may_go_negative
    # On PostgreSQL an UPDATE that waited for the row and then found it short still
    # holds the row's lock: back to the savepoint releases it, so _draw takes the
    # sub-rows in slot order holding none of them (or two draws could deadlock).
    savepoint = guarded and conn.dialect.name == "postgresql"
    if savepoint:
        await run_sql(conn, "SAVEPOINT ledger_move")
    moved = await fetch_value(conn, _MOVE, params)
    if moved is not None:
        return [(int(moved), delta)]
    if guarded:
        if savepoint:
            await run_sql(conn, "ROLLBACK TO SAVEPOINT ledger_move")
        return await _draw(conn, ref, slot, -delta)
    await account_id(conn, ref, slot)  # the row may not exist yet
    moved = await fetch_value(conn, _MOVE, params)
    if moved is None:
        raise InsufficientFunds(ref)
    return [(int(moved), delta)]


async def _draw(conn: Connection, ref: AccountRef, slot: int, need: int) -> list[tuple[int, int]]:
    """Takes `need` fils from the account's sub-rows, all locked in slot order first,
    starting at `slot` and wrapping round; InsufficientFunds if their sum is short."""
    rows = list(
        await conn.execute(_SUB_ROWS, {"kind": ref.kind.value, "owner_id": ref.owner_id})
    )
    if sum(int(row.balance_fils) for row in rows) < need:
        raise InsufficientFunds(ref)
    start = next((i for i, row in enumerate(rows) if row.slot >= slot), 0)
    legs: list[tuple[int, int]] = []
    for row in rows[start:] + rows[:start]:
        take = min(int(row.balance_fils), need)
        if take <= 0:
            continue
        # the rows are locked: only a bug gets a refusal here
        if await run(conn, _MOVE_ROW, {"account_id": row.id, "delta": -take}) != 1:
            raise InsufficientFunds(ref)
        legs.append((int(row.id), -take))
        need -= take
        if need == 0:
            return legs
    raise InsufficientFunds(ref)


async def history(conn: Connection, ref: AccountRef, limit: int) -> list[dict[str, Any]]:
    """The account's postings, newest first, with their entry's kind, memo and order."""
    rows = await conn.execute(
        select(
            postings.c.amount_fils,
            ledger_transactions.c.kind,
            ledger_transactions.c.memo,
            ledger_transactions.c.order_no,
            ledger_transactions.c.created_at,
        )
        .join(ledger_transactions, ledger_transactions.c.id == postings.c.transaction_id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(accounts.c.kind == ref.kind.value, accounts.c.owner_id == ref.owner_id)
        .order_by(postings.c.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows]


def _logical_accounts(*where: Any) -> Select[Any]:
    """(kind, owner_id, balance): each logical account once, its sub-rows summed."""
    return (
        select(
            accounts.c.kind,
            accounts.c.owner_id,
            func.sum(accounts.c.balance_fils).label("balance_fils"),
        )
        .where(*where)
        .group_by(accounts.c.kind, accounts.c.owner_id)
        .order_by(accounts.c.kind, accounts.c.owner_id)
    )


async def all_balances(conn: Connection) -> list[AccountBalance]:
    rows = await conn.execute(_logical_accounts())
    return [
        AccountBalance(AccountRef(AccountKind(r.kind), r.owner_id), Money(int(r.balance_fils)))
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class RecordedEntry:
    """A ledger transaction as written: its kind, memo, time and postings (operator views)."""

    transaction_id: int
    kind: str
    memo: str
    created_at: int
    postings: tuple[tuple[AccountRef, Money], ...]


async def entries_of_order(conn: Connection, order_no: str) -> list[RecordedEntry]:
    """The ledger transactions of order `order_no` (payment, refunds, settlement), oldest
    first, each with its postings."""
    rows = await conn.execute(
        select(
            ledger_transactions.c.id,
            ledger_transactions.c.kind,
            ledger_transactions.c.memo,
            ledger_transactions.c.created_at,
            accounts.c.kind.label("account_kind"),
            accounts.c.owner_id,
            postings.c.amount_fils,
        )
        .join(postings, postings.c.transaction_id == ledger_transactions.c.id)
        .join(accounts, accounts.c.id == postings.c.account_id)
        .where(ledger_transactions.c.order_no == order_no)
        .order_by(ledger_transactions.c.id, postings.c.id)
    )
    grouped: dict[int, tuple[Any, dict[AccountRef, int]]] = {}
    for row in rows:  # a leg drawn from several sub-rows reads as one
        _, legs = grouped.setdefault(int(row.id), (row, {}))
        ref = AccountRef(AccountKind(row.account_kind), row.owner_id)
        legs[ref] = legs.get(ref, 0) + int(row.amount_fils)
    return [
        RecordedEntry(
            tid,
            head.kind,
            head.memo,
            int(head.created_at),
            tuple((ref, Money(fils)) for ref, fils in legs.items()),
        )
        for tid, (head, legs) in grouped.items()
    ]


# --- The console's Balances page (read only) -------------------------------------------

DAY_MS = 24 * 3600 * 1000
_MERCHANT_KINDS = (AccountKind.MERCHANT_PENDING.value, AccountKind.MERCHANT_AVAILABLE.value)
_GATEWAY_KINDS = (
    AccountKind.FEE_INCOME.value,
    AccountKind.CARD_CLEARING.value,
    AccountKind.SANDBOX_FUNDING.value,
)


@dataclass(frozen=True, slots=True)
class MerchantAccounts:
    """A merchant's two ledger accounts (zero when never used): money awaiting
    settlement and money settled to it."""

    partner_id: str
    name: str
    pending: Money
    available: Money


@dataclass(frozen=True, slots=True)
class WalletAccount:
    member_id: str
    name: str
    phone: str
    balance: Money


@dataclass(frozen=True, slots=True)
class DailyFlow:
    """Postings of one business day (epoch day of the entry's created_at), summed by
    entry kind and account kind."""

    day: int
    entry_kind: str
    account_kind: str
    total: Money


async def merchant_accounts(
    conn: Connection, partner_id: str | None, limit: int
) -> list[MerchantAccounts]:
    """One merchant's accounts, or (None) every merchant that has a ledger account."""
    owned = () if partner_id is None else (accounts.c.owner_id == partner_id,)
    pending = _logical_accounts(
        accounts.c.kind == AccountKind.MERCHANT_PENDING.value, *owned
    ).subquery("pending")
    available = _logical_accounts(
        accounts.c.kind == AccountKind.MERCHANT_AVAILABLE.value, *owned
    ).subquery("available")
    source = merchants.outerjoin(
        pending,
        (pending.c.kind == AccountKind.MERCHANT_PENDING.value)
        & (pending.c.owner_id == merchants.c.partner_id),
    ).outerjoin(
        available,
        (available.c.kind == AccountKind.MERCHANT_AVAILABLE.value)
        & (available.c.owner_id == merchants.c.partner_id),
    )
    query = select(
        merchants.c.partner_id,
        merchants.c.name,
        pending.c.balance_fils.label("pending"),
        available.c.balance_fils.label("available"),
    ).select_from(source)
    if partner_id is not None:
        query = query.where(merchants.c.partner_id == partner_id)
    else:
        query = query.where(
            or_(pending.c.owner_id.is_not(None), available.c.owner_id.is_not(None))
        )
    rows = await conn.execute(query.order_by(merchants.c.partner_id).limit(limit))
    return [
        MerchantAccounts(
            r.partner_id, r.name, Money(int(r.pending or 0)), Money(int(r.available or 0))
        )
        for r in rows
    ]


async def wallet_accounts(conn: Connection, limit: int) -> list[WalletAccount]:
    """Wallet members with their balances (the sandbox's test wallets among them)."""
    source = members.outerjoin(
        accounts,
        (accounts.c.kind == AccountKind.MEMBER_WALLET.value)
        & (accounts.c.owner_id == members.c.member_id),
    )
    rows = await conn.execute(
        select(members.c.member_id, members.c.name, members.c.phone, accounts.c.balance_fils)
        .select_from(source)
        .order_by(members.c.member_id)
        .limit(limit)
    )
    return [
        WalletAccount(r.member_id, r.name, r.phone, Money(int(r.balance_fils or 0))) for r in rows
    ]


async def gateway_accounts(conn: Connection) -> list[AccountBalance]:
    """The gateway's own accounts: fee income and the external counterparties."""
    rows = await conn.execute(_logical_accounts(accounts.c.kind.in_(_GATEWAY_KINDS)))
    return [
        AccountBalance(AccountRef(AccountKind(r.kind), r.owner_id), Money(int(r.balance_fils)))
        for r in rows
    ]


async def daily_flows(
    conn: Connection, start_ms: int, end_ms: int, partner_id: str | None
) -> list[DailyFlow]:
    """PAYMENT and REFUND entries in [start_ms, end_ms): their merchant and fee postings
    summed by day, entry kind and account kind; with `partner_id`, only the entries that
    moved that merchant's money."""
    entry = select(
        ledger_transactions.c.id,
        ledger_transactions.c.kind,
        (ledger_transactions.c.created_at // DAY_MS).label("day"),
    ).where(
        ledger_transactions.c.kind.in_(("PAYMENT", "REFUND")),
        ledger_transactions.c.created_at >= start_ms,
        ledger_transactions.c.created_at < end_ms,
    )
    if partner_id is not None:
        touching = (
            select(postings.c.transaction_id)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .where(accounts.c.kind.in_(_MERCHANT_KINDS), accounts.c.owner_id == partner_id)
        )
        entry = entry.where(ledger_transactions.c.id.in_(touching))
    window = entry.subquery("window")
    rows = await conn.execute(
        select(
            window.c.day,
            window.c.kind,
            accounts.c.kind.label("account_kind"),
            func.sum(postings.c.amount_fils).label("total"),
        )
        .select_from(
            window.join(postings, postings.c.transaction_id == window.c.id).join(
                accounts, accounts.c.id == postings.c.account_id
            )
        )
        .where(accounts.c.kind.in_((*_MERCHANT_KINDS, AccountKind.FEE_INCOME.value)))
        .group_by(window.c.day, window.c.kind, accounts.c.kind)
    )
    return [DailyFlow(int(r.day), r.kind, r.account_kind, Money(int(r.total))) for r in rows]


# --- The monthly fee invoice (read only) -----------------------------------------------


async def merchant_fee_sums(
    conn: Connection, partner_id: str, start_ms: int, end_ms: int
) -> list[FeeSum]:
    """The fee postings (FEE_INCOME legs) of merchant `partner_id`'s orders whose entry
    (a payment's fee, a refund's or chargeback's returned share) is dated in
    [start_ms, end_ms): how many and their sum, per entry kind."""
    rows = await conn.execute(
        select(
            ledger_transactions.c.kind,
            func.count(postings.c.transaction_id.distinct()).label("legs"),
            func.sum(postings.c.amount_fils).label("total"),
        )
        .select_from(
            ledger_transactions.join(
                postings, postings.c.transaction_id == ledger_transactions.c.id
            )
            .join(accounts, accounts.c.id == postings.c.account_id)
            .join(orders, orders.c.order_no == ledger_transactions.c.order_no)
        )
        .where(
            ledger_transactions.c.created_at >= start_ms,
            ledger_transactions.c.created_at < end_ms,
            accounts.c.kind == AccountKind.FEE_INCOME.value,
            orders.c.partner_id == partner_id,
        )
        .group_by(ledger_transactions.c.kind)
        .order_by(ledger_transactions.c.kind)
    )
    return [FeeSum(r.kind, int(r.legs), Money(int(r.total))) for r in rows]
