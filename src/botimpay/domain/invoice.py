"""The monthly fee invoice's rules (acquire2/download/getInvoice): the billing month in
UAE time, which months may be asked for, and the invoice's lines, VAT and totals. Pure.

The invoice is a view over the ledger, never a second bookkeeping: its lines are the
sums of the gateway's fee postings (FEE_INCOME) of the merchant's orders whose entry
is dated in the month, one line per entry kind:

    Payment fees              +  fee of every payment in the month
    Fees returned on refunds  -  fee share returned by every refund in the month
    (and chargebacks, voids)  -  likewise

so the invoice's total is, to the fils, the sum of those postings. A refund in April of
a March payment returns its fee on April's invoice. The payee fee includes UAE VAT
(5 %: invoice-download.mdx gives no rate; domain/query_pages.fee_vat); each line is
split into its amount before VAT and its VAT the way fee_vat splits a fee, and the
invoice's before-VAT and VAT totals are the sums of its lines', so every column adds up.

A month is a UAE month (Gulf Standard Time, UTC+4, no DST) of business time (the
injectable clock). It may be asked for once it is over (strictly before the current
month: 400 REQUESTTIME_TOO_LATER otherwise) and not before the merchant's onboarding
month (400 REQUESTTIME_TOO_EARLY); a month without a fee posting has no invoice
(62013 STATEMENT_NOT_EXIST), as has a business type the merchant is not registered for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from botimpay.domain.query_pages import GULF, UAE_VAT, day_start_ms, fee_vat
from botimpay.errors import ApiError, BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import Money

_MONTH = re.compile(r"([0-9]{4})([0-9]{2})")

_LINE_TEXT = {  # by ledger entry kind, in the invoice's order
    "PAYMENT": "Payment fees",
    "REFUND": "Fees returned on refunds",
    "CHARGEBACK": "Fees returned on chargebacks",
    "VOID": "Fees returned on voids",
}
VAT_PERCENT = f"{UAE_VAT * 100:.0f}%"
"""The VAT rate as the invoice prints it ("5%")."""


class BusinessType(StrEnum):
    """The page's accepted `businessType` values; every botimpay merchant is registered
    as MERCHANT."""

    MERCHANT = "MERCHANT"
    TAXI = "TAXI"
    MULTI_MERCHANT = "MULTI_MERCHANT"


REGISTERED_TYPE = BusinessType.MERCHANT


@dataclass(frozen=True, slots=True, order=True)
class BillingMonth:
    """A calendar month in the UAE."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> BillingMonth | None:
        """`YYYYMM` (a month 01..12 of the years 1970..9999), or None when it is not."""
        found = _MONTH.fullmatch(text)
        if found is None:
            return None
        year, month = int(found[1]), int(found[2])
        return cls(year, month) if year >= 1970 and 1 <= month <= 12 else None

    @classmethod
    def of(cls, instant_ms: int) -> BillingMonth:
        """The UAE month `instant_ms` (epoch milliseconds) falls in."""
        moment = datetime.fromtimestamp(instant_ms / 1000, GULF)
        return cls(moment.year, moment.month)

    @property
    def code(self) -> str:
        """The wire form, `YYYYMM`."""
        return f"{self.year:04d}{self.month:02d}"

    @property
    def label(self) -> str:
        """As the invoice prints it: "March 2026"."""
        return date(self.year, self.month, 1).strftime("%B %Y")

    def next(self) -> BillingMonth:
        return BillingMonth(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def start_ms(self) -> int:
        """Midnight at the start of the month in the UAE, in epoch milliseconds."""
        return day_start_ms(date(self.year, self.month, 1))

    @property
    def end_ms(self) -> int:
        """The start of the next month: the month is [start_ms, end_ms)."""
        return self.next().start_ms


def check_month(month: BillingMonth, onboarded_ms: int, now_ms: int) -> None:
    """Refuses a month before the merchant's onboarding month (`onboarded_ms`) or one
    not yet over at business time `now_ms`."""
    if month < BillingMonth.of(onboarded_ms):
        raise ApiError(
            codes.REQUESTTIME_TOO_EARLY,
            "bizContent.statementDate: the billing month is earlier than the merchant's"
            f" onboarding month {BillingMonth.of(onboarded_ms).code}",
        )
    current = BillingMonth.of(now_ms)
    if month >= current:
        raise ApiError(
            codes.REQUESTTIME_TOO_LATER,
            "bizContent.statementDate: the billing month must be before the current"
            f" month {current.code}",
        )


@dataclass(frozen=True, slots=True)
class FeeSum:
    """The fee postings of one ledger entry kind (EntryKind's value) in a month: how
    many, and their sum (a payment's fee is positive, a refund's returned share negative)."""

    kind: str
    count: int
    total: Money


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    count: int
    before_vat: Money
    vat: Money

    @property
    def total(self) -> Money:
        return self.before_vat + self.vat


@dataclass(frozen=True, slots=True)
class Invoice:
    """One merchant's fee invoice for one month."""

    partner_id: str
    merchant_name: str
    month: BillingMonth
    business_type: BusinessType
    lines: tuple[InvoiceLine, ...]

    @property
    def before_vat(self) -> Money:
        return sum((line.before_vat for line in self.lines), Money.zero())

    @property
    def vat(self) -> Money:
        return sum((line.vat for line in self.lines), Money.zero())

    @property
    def total(self) -> Money:
        """Before VAT plus VAT: the sum of the month's fee postings."""
        return self.before_vat + self.vat

    @property
    def number(self) -> str:
        """The invoice number: partner and month, so a month has exactly one."""
        return f"INV-{self.partner_id}-{self.month.code}"

    @property
    def file_name(self) -> str:
        """The page's naming convention: PartnerId_yyyyMM_invoice.pdf."""
        return f"{self.partner_id}_{self.month.code}_invoice.pdf"


def build_invoice(
    partner_id: str,
    merchant_name: str,
    month: BillingMonth,
    business_type: BusinessType | None,
    sums: list[FeeSum],
) -> Invoice:
    """The invoice of the month's fee postings `sums`; 62013 when there are none or
    `business_type` is not the merchant's."""
    wanted = business_type or REGISTERED_TYPE
    if wanted is not REGISTERED_TYPE:
        raise BusinessError(
            codes.STATEMENT_NOT_EXIST,
            f"bizContent.businessType: the merchant is registered as {REGISTERED_TYPE.value}"
            f"; no {wanted.value} invoice exists",
        )
    present = [item for item in sums if item.count > 0]
    if not present:
        raise BusinessError(
            codes.STATEMENT_NOT_EXIST,
            f"bizContent.statementDate: no fees were charged in {month.code}, so no invoice exists",
        )
    rank = {kind: index for index, kind in enumerate(_LINE_TEXT)}
    lines = []
    for item in sorted(present, key=lambda s: (rank.get(s.kind, len(rank)), s.kind)):
        before, vat = fee_vat(item.total)
        text = _LINE_TEXT.get(item.kind, f"{item.kind.capitalize()} fees")
        lines.append(InvoiceLine(text, item.count, before, vat))
    return Invoice(partner_id, merchant_name, month, wanted, tuple(lines))
