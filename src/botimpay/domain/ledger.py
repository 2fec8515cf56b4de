"""Double-entry ledger: accounts, postings and the entries every money move makes.

A posting's amount is signed: positive raises the account's balance, negative
lowers it. Every entry's postings sum to zero (checked here, in the database
at commit on PostgreSQL, and by `botimpay ledger check`). Only external
accounts (card clearing, sandbox funding) may go below zero.

Worked example, a AED 100.00 wallet payment to a merchant with a 0.3 % fee:

    member wallet            -100.00
    merchant pending          +99.70
    gateway fee income         +0.30
                             -------
                               0.00

and its refund of AED 40.00 (fee share 0.12):

    merchant pending          -39.88
    gateway fee income         -0.12
    member wallet             +40.00

A chargeback (or a VOID) posts the same legs as a refund under its own kind: the
merchant's account gives back the amount less its fee share, the gateway its share.

No hot rows: the accounts every payment touches (a merchant's pending and available
money, the gateway's fee income, card clearing) are each spread over SLOTS sub-rows in the store. An
entry moves the sub-row its slot names (`Entry.slot`, a hash of the unit's memo, which
names its order or refund: a retry lands on the same row), so concurrent payments to
one merchant lock different rows. A logical balance is the sum of its sub-rows; every
sub-row stays >= 0, so the sum does too. A debit its own sub-row cannot cover takes
every sub-row of that account in slot order and draws on them in turn (store/
ledger_repo.py), so a refund is refused only when the whole account lacks the money.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum

from botimpay.errors import BotimpayError
from botimpay.protocol.money import Money

GATEWAY = "GATEWAY"
SLOTS = 8  # sub-rows of each spread account (AccountKind.spread); changing it is safe


class LedgerError(BotimpayError, ValueError):
    """Raised when an entry would not balance or is malformed (still a ValueError, as
    it always was, for callers that catch that)."""


class AccountKind(StrEnum):
    MEMBER_WALLET = "MEMBER_WALLET"
    MERCHANT_PENDING = "MERCHANT_PENDING"
    MERCHANT_AVAILABLE = "MERCHANT_AVAILABLE"
    FEE_INCOME = "FEE_INCOME"
    CARD_CLEARING = "CARD_CLEARING"
    SANDBOX_FUNDING = "SANDBOX_FUNDING"
    # a sharing member's shares of orders, before and after settlement (domain/sharing.py)
    SHARING_PENDING = "SHARING_PENDING"
    SHARING_AVAILABLE = "SHARING_AVAILABLE"

    @property
    def may_go_negative(self) -> bool:
        """External counterparties: money enters the system through them."""
        return self in (AccountKind.CARD_CLEARING, AccountKind.SANDBOX_FUNDING)

    @property
    def spread(self) -> bool:
        """Accounts many concurrent units credit: kept as SLOTS sub-rows in the store."""
        return self in _SPREAD


_SPREAD = frozenset(
    (
        AccountKind.MERCHANT_PENDING,
        AccountKind.MERCHANT_AVAILABLE,
        AccountKind.FEE_INCOME,
        # the gateway's counterparties: every card payment, every sandbox top-up
        AccountKind.CARD_CLEARING,
        AccountKind.SANDBOX_FUNDING,
    )
)


class EntryKind(StrEnum):
    FUNDING = "FUNDING"
    PAYMENT = "PAYMENT"
    SETTLEMENT = "SETTLEMENT"
    REFUND = "REFUND"
    CHARGEBACK = "CHARGEBACK"
    VOID = "VOID"


@dataclass(frozen=True, slots=True)
class AccountRef:
    kind: AccountKind
    owner_id: str


class InsufficientFunds(LedgerError):
    """Raised by the store when a posting would take a non-negative account below zero
    (the database's guarded balance refused it); the caller rolls back or handles it."""

    def __init__(self, account: AccountRef) -> None:
        super().__init__(f"{account.kind.value} {account.owner_id} has insufficient funds")
        self.account = account


def wallet(member_id: str) -> AccountRef:
    return AccountRef(AccountKind.MEMBER_WALLET, member_id)


def merchant_pending(partner_id: str) -> AccountRef:
    return AccountRef(AccountKind.MERCHANT_PENDING, partner_id)


def merchant_available(partner_id: str) -> AccountRef:
    return AccountRef(AccountKind.MERCHANT_AVAILABLE, partner_id)


def sharing_pending(member_id: str) -> AccountRef:
    return AccountRef(AccountKind.SHARING_PENDING, member_id)


def sharing_available(member_id: str) -> AccountRef:
    return AccountRef(AccountKind.SHARING_AVAILABLE, member_id)


FEE_INCOME = AccountRef(AccountKind.FEE_INCOME, GATEWAY)
CARD_CLEARING = AccountRef(AccountKind.CARD_CLEARING, GATEWAY)
SANDBOX_FUNDING = AccountRef(AccountKind.SANDBOX_FUNDING, GATEWAY)


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountRef
    amount: Money


@dataclass(frozen=True, slots=True)
class Entry:
    """One balanced ledger transaction."""

    kind: EntryKind
    memo: str
    postings: tuple[Posting, ...]
    order_no: str | None = None

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise LedgerError("an entry needs at least two postings")
        if any(p.amount.fils == 0 for p in self.postings):
            raise LedgerError("a posting cannot be zero")
        total = sum(p.amount.fils for p in self.postings)
        if total != 0:
            raise LedgerError(f"entry {self.memo!r} does not balance: {total} fils")

    @property
    def slot(self) -> int:
        """The sub-row this entry moves in spread accounts: a stable hash of its memo
        (which names the order, refund or chargeback, the unit's idempotency key)."""
        return zlib.crc32(self.memo.encode()) % SLOTS


def _postings(*pairs: tuple[AccountRef, int]) -> tuple[Posting, ...]:
    return tuple(Posting(account, Money(fils)) for account, fils in pairs if fils != 0)


def payment_entry(
    order_no: str, payer: AccountRef, partner_id: str, gross: Money, fee: Money
) -> Entry:
    """The payer pays `gross`; the merchant's pending balance gets it less the payee fee."""
    if not 0 <= fee.fils <= gross.fils:
        raise LedgerError("the fee must be between zero and the paid amount")
    return Entry(
        EntryKind.PAYMENT,
        f"payment of order {order_no}",
        _postings(
            (payer, -gross.fils),
            (merchant_pending(partner_id), gross.fils - fee.fils),
            (FEE_INCOME, fee.fils),
        ),
        order_no,
    )


def settlement_entry(order_no: str, partner_id: str, net: Money) -> Entry:
    """Settlement moves the order's net amount from pending to available."""
    return Entry(
        EntryKind.SETTLEMENT,
        f"settlement of order {order_no}",
        _postings(
            (merchant_pending(partner_id), -net.fils), (merchant_available(partner_id), net.fils)
        ),
        order_no,
    )


def funding_entry(member_id: str, amount: Money) -> Entry:
    """Sandbox money for a test wallet."""
    return Entry(
        EntryKind.FUNDING,
        f"sandbox funding of wallet {member_id}",
        _postings((SANDBOX_FUNDING, -amount.fils), (wallet(member_id), amount.fils)),
    )


def refund_entry(
    order_no: str,
    refund_no: str,
    *,
    merchant_account: AccountRef,
    payer: AccountRef,
    amount: Money,
    fee_refunded: Money,
) -> Entry:
    """The merchant returns `amount` to the payer; the gateway returns its fee share.

    `merchant_account` is where the order's money sits: pending before
    settlement, available after it.
    """
    if not 0 <= fee_refunded.fils <= amount.fils:
        raise LedgerError("the fee share must be between zero and the refund")
    return Entry(
        EntryKind.REFUND,
        f"refund {refund_no} of order {order_no}",
        _postings(
            (merchant_account, -(amount.fils - fee_refunded.fils)),
            (FEE_INCOME, -fee_refunded.fils),
            (payer, amount.fils),
        ),
        order_no,
    )


def chargeback_entry(
    order_no: str,
    chargeback_no: str,
    *,
    void: bool,
    merchant_account: AccountRef,
    payer: AccountRef,
    amount: Money,
    fee_returned: Money,
) -> Entry:
    """A chargeback (or, `void`, a VOID) returns `amount` to the payer like a refund."""
    if not 0 <= fee_returned.fils <= amount.fils:
        raise LedgerError("the fee share must be between zero and the amount")
    kind = EntryKind.VOID if void else EntryKind.CHARGEBACK
    return Entry(
        kind,
        f"{kind.value.lower()} {chargeback_no} of order {order_no}",
        _postings(
            (merchant_account, -(amount.fils - fee_returned.fils)),
            (FEE_INCOME, -fee_returned.fils),
            (payer, amount.fils),
        ),
        order_no,
    )
