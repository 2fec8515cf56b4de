"""A merchant's balance as member/getBalance reports it (9_Member/get-balance.mdx).

The merchant's money sits in two ledger accounts: MERCHANT_PENDING (paid, awaiting
settlement, still refundable from there) and MERCHANT_AVAILABLE (settled to it). The
page's only figure is `availableBalance`, the settled money; pending money is not
available, so it is not counted in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import CURRENCY, Money


@dataclass(frozen=True, slots=True)
class MerchantBalance:
    member_id: str  # the merchant's partner id: its member id at Botim Money
    available: Money  # MERCHANT_AVAILABLE: settled
    pending: Money  # MERCHANT_PENDING: awaiting settlement (no field on the page)


def check_currency(currency_code: str) -> str:
    """The gateway holds AED only; any other code (case and spacing exact) is 78001."""
    if currency_code != CURRENCY:
        raise BusinessError(
            codes.CURRENCY_CODE_NOT_SUPPORTED,
            f"bizContent.currencyCode {currency_code[:32]!r} is not supported (only {CURRENCY})",
        )
    return currency_code
