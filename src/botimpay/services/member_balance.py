"""member/getBalance: a merchant's balance, read from its ledger accounts.

No second bookkeeping: the figures are the balances of the merchant's
MERCHANT_PENDING and MERCHANT_AVAILABLE accounts, the same rows `botimpay ledger
balances` and `ledger check` read, in one read transaction.
"""

from __future__ import annotations

from botimpay.domain.balance import MerchantBalance, check_currency
from botimpay.protocol.money import Money
from botimpay.store import ledger_repo
from botimpay.store.database import Database


async def merchant_balance(db: Database, partner_id: str, currency_code: str) -> MerchantBalance:
    """The balance of merchant `partner_id` in `currency_code` (78001 unless AED)."""
    check_currency(currency_code)
    async with db.read() as conn:
        found = await ledger_repo.merchant_accounts(conn, partner_id, 1)
    if not found:  # an authenticated merchant always has its row; no accounts reads as zero
        return MerchantBalance(partner_id, Money.zero(), Money.zero())
    accounts = found[0]
    return MerchantBalance(partner_id, accounts.available, accounts.pending)
