"""Fees: the payee fee is the merchant's rate of the paid amount, half-up to the fils."""

from __future__ import annotations

from decimal import Decimal

from botimpay.protocol.money import Money


def payee_fee(paid: Money, rate: Decimal) -> Money:
    return paid.times_rate(rate)
