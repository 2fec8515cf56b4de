"""The page queries' rules (queryOrderPage, queryRefundOrderPage): the date window in
UAE days, the page arithmetic, and the VAT inside the payee fee. Pure.

The reference gives `startDate`/`endDate` as `YYYY-MM-DD`; the official Java SDK
sends them as epoch milliseconds (DESIGN.md). A day is a UAE day (Gulf Standard
Time, UTC+4, no DST) and the window covers both named days whole; a number is read
as an instant, the window running from the start instant to the end instant, both
included. Business time: the rows' `created_at` is set by the (advanceable) clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from botimpay.errors import InvalidParameter
from botimpay.protocol.money import Money

GULF = timezone(timedelta(hours=4), "GST")
DAY_MS = 86_400_000
UAE_VAT = Decimal("0.05")

QueryDate = date | int
"""A calendar day in the UAE, or an instant in epoch milliseconds."""


def day_start_ms(day: date) -> int:
    """Midnight at the start of `day` in the UAE, in epoch milliseconds."""
    return int(datetime(day.year, day.month, day.day, tzinfo=GULF).timestamp()) * 1000


def window(start: QueryDate, end: QueryDate) -> tuple[int, int]:
    """The rows' `created_at` range [from, until) that startDate..endDate names;
    an end before the start is refused."""
    lower = day_start_ms(start) if isinstance(start, date) else start
    upper = day_start_ms(end) + DAY_MS if isinstance(end, date) else end + 1
    if upper <= lower:
        raise InvalidParameter("bizContent.endDate: must not be before bizContent.startDate")
    return lower, upper


@dataclass(frozen=True, slots=True)
class PageSpec:
    """sortPageParam: the 0-based page `number` of `size` rows, newest first."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        return self.number * self.size

    def total_pages(self, total: int) -> int:
        return -(-total // self.size)


def fee_vat(fee: Money) -> tuple[Money, Money]:
    """(payeeFeeAmountBeforeTax, payeeFeeVat) of a payee fee that includes 5% UAE VAT:
    the fee before tax is fee / 1.05 half-up to the fils, the VAT the rest, so the two
    add up to the fee exactly (the reference's sample: 2.50 = 2.38 + 0.12)."""
    before = (Decimal(fee.fils) / (1 + UAE_VAT)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    before_tax = Money(int(before), fee.currency)
    return before_tax, fee - before_tax
