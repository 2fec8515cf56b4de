"""What the console's Balances page shows: merchant accounts (settlement pending versus
available), test wallets and the gateway's accounts (operators only), and the last 30
business days of payments, refunds and fees, all read from the ledger.

Every number comes from the same tables `botimpay ledger balances` and `ledger check`
read: balances from the accounts, the days from PAYMENT and REFUND postings. A
merchant user sees only its own merchant's accounts and days; wallets are sandbox
customers shared by every merchant, so only operators see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from botimpay.clock import Clock
from botimpay.domain.console import ConsoleUser
from botimpay.domain.ledger import AccountKind, EntryKind
from botimpay.protocol.money import Money
from botimpay.services.reconcile import LedgerReport, check_ledger
from botimpay.store import ledger_repo
from botimpay.store.database import Database
from botimpay.store.ledger_repo import (
    DAY_MS,
    AccountBalance,
    DailyFlow,
    MerchantAccounts,
    WalletAccount,
)

DAYS = 30
MERCHANT_LIMIT = 200
WALLET_LIMIT = 200
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class DayTotals:
    """One business day (UTC date of business time): what was paid, refunded, and the
    fees charged on payments and given back on refunds."""

    day: date
    paid: Money
    refunded: Money
    fees: Money
    fees_refunded: Money

    @property
    def net_fees(self) -> Money:
        return self.fees - self.fees_refunded

    @property
    def active(self) -> bool:
        return self.paid.fils != 0 or self.refunded.fils != 0


@dataclass(frozen=True, slots=True)
class BalancesView:
    partner_id: str | None  # the merchant shown; None: every merchant (operators)
    operator: bool
    merchants: list[MerchantAccounts]
    more_merchants: bool  # the list was cut at MERCHANT_LIMIT
    wallets: list[WalletAccount]  # operators only
    gateway: list[AccountBalance]  # operators only
    days: list[DayTotals]  # oldest first, DAYS of them, ending today
    report: LedgerReport | None  # `ledger check`, when an operator asked for it

    @property
    def pending(self) -> Money:
        return sum((m.pending for m in self.merchants), Money.zero())

    @property
    def available(self) -> Money:
        return sum((m.available for m in self.merchants), Money.zero())

    def window_total(self, field: str) -> Money:
        return sum((getattr(d, field) for d in self.days), Money.zero())


def business_days(now_ms: int, count: int = DAYS) -> list[date]:
    """The `count` UTC dates ending with today's (business time), oldest first."""
    today = datetime.fromtimestamp(now_ms / 1000, tz=UTC).date()
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def fold_days(days: list[date], flows: Iterable[DailyFlow]) -> list[DayTotals]:
    """Per-day totals from the summed postings. A payment credits the merchant with the
    amount less the fee and the fee account with the fee, so paid = both; a refund
    debits them by the amount less the fee share and the fee share."""
    paid = {d: 0 for d in days}
    refunded = dict(paid)
    fees = dict(paid)
    fees_back = dict(paid)
    for flow in flows:
        day = _EPOCH + timedelta(days=flow.day)
        if day not in paid:
            continue
        is_fee = flow.account_kind == AccountKind.FEE_INCOME.value
        if flow.entry_kind == EntryKind.PAYMENT.value:
            paid[day] += flow.total.fils
            if is_fee:
                fees[day] += flow.total.fils
        elif flow.entry_kind == EntryKind.REFUND.value:
            refunded[day] -= flow.total.fils
            if is_fee:
                fees_back[day] -= flow.total.fils
    return [
        DayTotals(d, Money(paid[d]), Money(refunded[d]), Money(fees[d]), Money(fees_back[d]))
        for d in days
    ]


class ConsoleBalances:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def view(
        self, user: ConsoleUser, partner_filter: str | None, *, check: bool = False
    ) -> BalancesView:
        """The page's numbers for `user`: a merchant user always gets its own merchant,
        whatever it asked for; an operator every merchant or the one it filtered on."""
        operator = user.visible_partner is None
        partner = partner_filter if operator else user.visible_partner
        days = business_days(self.clock.now_ms())
        start = (days[0] - _EPOCH).days * DAY_MS
        end = ((days[-1] - _EPOCH).days + 1) * DAY_MS
        async with self.db.read() as conn:
            merchants = await ledger_repo.merchant_accounts(conn, partner, MERCHANT_LIMIT + 1)
            wallets = await ledger_repo.wallet_accounts(conn, WALLET_LIMIT) if operator else []
            gateway = await ledger_repo.gateway_accounts(conn) if operator else []
            flows = await ledger_repo.daily_flows(conn, start, end, partner)
        report = await check_ledger(self.db) if operator and check else None
        return BalancesView(
            partner_id=partner,
            operator=operator,
            merchants=merchants[:MERCHANT_LIMIT],
            more_merchants=len(merchants) > MERCHANT_LIMIT,
            wallets=wallets,
            gateway=gateway,
            days=fold_days(days, flows),
            report=report,
        )
