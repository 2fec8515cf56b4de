"""Money on the wire and inside: a frozen value in integer fils, AED only.

The wire form is `{"amount": 12.34, "currency": "AED"}`; the amount may be a
JSON number (any scale or exponent form) or a numeric string. Never a float.
The amount rule and its rendering are the SDK's wire core (`botimpay_sdk.wire`),
which the merchant SDK uses too; this module turns its AmountError into MoneyError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import orjson
from botimpay_sdk import wire

from botimpay.errors import BotimpayError

CURRENCY = "AED"
MAX_FILS = 10 ** (wire.MAX_INTEGER_DIGITS + 2) - 1
_FILS_PER_UNIT = Decimal(100)
_TWO_PLACES = Decimal("0.01")


class MoneyError(BotimpayError, ValueError):
    """Raised when a value cannot be Money; the text names what is wrong."""


@contextmanager
def _as_money_error() -> Iterator[None]:
    """The wire core's AmountError, raised again as MoneyError with the same text."""
    try:
        yield
    except wire.AmountError as exc:
        raise MoneyError(str(exc)) from exc


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount in fils (1/100 AED); arithmetic across currencies raises."""

    fils: int
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        if isinstance(self.fils, bool) or not isinstance(self.fils, int):
            raise TypeError("Money.fils must be an int")
        if self.currency != CURRENCY:
            raise MoneyError(f"currency must be {CURRENCY}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str = CURRENCY) -> Money:
        """Exact conversion; raises MoneyError when `amount` has more than 2 decimals
        or more than 12 integer digits. Exact for any exponent (never rounds to fit)."""
        with _as_money_error():
            return cls(wire.to_fils(amount), currency)

    @property
    def amount(self) -> Decimal:
        """The amount in AED with exactly two decimals."""
        return (Decimal(self.fils) / _FILS_PER_UNIT).quantize(_TWO_PLACES)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError("cannot combine amounts in different currencies")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.fils + other.fils, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.fils - other.fils, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.fils, self.currency)

    def times_rate(self, rate: Decimal) -> Money:
        """self * rate rounded half-up to the fils (fees)."""
        fils = (Decimal(self.fils) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return Money(int(fils), self.currency)

    def to_wire(self) -> dict[str, object]:
        """The reference's Money object; the amount is emitted as a JSON number."""
        amount = wire.fils_text(self.fils).encode("ascii")
        return {"amount": orjson.Fragment(amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def wire_number(amount: Decimal) -> bytes:
    """A Decimal as the shortest plain JSON number: 10, 10.5, 0.01 (no exponent)."""
    return wire.amount_text(amount).encode("ascii")


def wire_default(value: object) -> object:
    """orjson `default=` hook: Decimal and Money become exact JSON numbers."""
    if isinstance(value, Decimal):
        return orjson.Fragment(wire_number(value))
    if isinstance(value, Money):
        return value.to_wire()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parse_amount(value: object, field: str) -> Decimal:
    """The wire rule (`botimpay_sdk.wire.parse_amount`): a JSON number or a plain ASCII
    decimal string, at most 12 integer digits, never a float; raises MoneyError."""
    with _as_money_error():
        return wire.parse_amount(value, field)


def parse_money(value: object, field: str, *, positive: bool = True) -> Money:
    """Validates a wire Money object; messages name `field`."""
    if not isinstance(value, dict):
        raise MoneyError(f"{field} must be an object with amount and currency")
    if "amount" not in value:
        raise MoneyError(f"{field}.amount is required")
    if "currency" not in value or value["currency"] in (None, ""):
        raise MoneyError(f"{field}.currency is required")
    currency = value["currency"]
    if currency != CURRENCY:
        raise MoneyError(f"{field}.currency must be {CURRENCY}, got {currency!r}")
    amount = parse_amount(value["amount"], f"{field}.amount")
    if positive and amount <= 0:
        raise MoneyError(f"{field}.amount must be greater than 0")
    if amount < 0:
        raise MoneyError(f"{field}.amount must not be negative")
    try:
        money = Money.from_decimal(amount)
    except MoneyError as exc:
        raise MoneyError(f"{field}.{exc}") from exc
    if money.fils > MAX_FILS:
        raise MoneyError(f"{field}.amount allows at most 12 digits before the decimal point")
    return money
