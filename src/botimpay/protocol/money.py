"""Money on the wire and inside: a frozen value in integer fils, AED only.

The wire form is `{"amount": 12.34, "currency": "AED"}`; the amount may be a
JSON number (any scale or exponent form) or a numeric string. Never a float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import orjson

CURRENCY = "AED"
MAX_INTEGER_DIGITS = 12
MAX_FILS = 10 ** (MAX_INTEGER_DIGITS + 2) - 1
_FILS_PER_UNIT = Decimal(100)
_FILS = 100
_TWO_PLACES = Decimal("0.01")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)


class MoneyError(ValueError):
    """Raised when a value cannot be Money; the text names what is wrong."""


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
        if not amount.is_finite():
            raise MoneyError("amount must be a finite number")
        if amount.adjusted() >= MAX_INTEGER_DIGITS:
            raise MoneyError("amount allows at most 12 digits before the decimal point")
        if has_more_than_two_decimals(amount):
            raise MoneyError("amount allows at most 2 digits after the decimal point")
        return cls(int(amount.quantize(_TWO_PLACES).scaleb(2)), currency)

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
        return {"amount": orjson.Fragment(_fils_number(self.fils)), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def has_more_than_two_decimals(amount: Decimal) -> bool:
    """Exactly, from the digits: `1.500` has two, `1E-999999999` has many (no rounding)."""
    _, digits, exponent = amount.as_tuple()
    if isinstance(exponent, str):  # NaN or infinity
        return True
    extra = -2 - exponent  # digits after the second decimal place
    return extra > 0 and any(digits[-extra:])


def _fils_number(fils: int) -> bytes:
    """wire_number(Money(fils).amount) in integer arithmetic (every answer carries some)."""
    units, cents = divmod(abs(fils), _FILS)
    sign = "-" if fils < 0 else ""
    if cents == 0:
        return f"{sign}{units}".encode("ascii")
    if cents % 10 == 0:
        return f"{sign}{units}.{cents // 10}".encode("ascii")
    return f"{sign}{units}.{cents:02d}".encode("ascii")


def wire_number(amount: Decimal) -> bytes:
    """A Decimal as the shortest plain JSON number: 10, 10.5, 0.01 (no exponent)."""
    normalized = amount.normalize()
    text = format(normalized, "f")
    return text.encode("ascii")


def wire_default(value: object) -> object:
    """orjson `default=` hook: Decimal and Money become exact JSON numbers."""
    if isinstance(value, Decimal):
        return orjson.Fragment(wire_number(value))
    if isinstance(value, Money):
        return value.to_wire()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parse_amount(value: object, field: str) -> Decimal:
    """A JSON number (parsed as Decimal/int) or a plain ASCII decimal string; never a float.

    Strings are held to `12.34` form: no sign but `-`, no spaces, exponents, digit
    separators or non-ASCII digits, which Decimal() alone would take.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"{field} must be a number")
    if isinstance(value, float):
        raise MoneyError(f"{field} must be an exact decimal, not a binary float")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if _DECIMAL_TEXT.fullmatch(value) is None:
            raise MoneyError(f"{field} is not a number: {value[:40]!r}")
        amount = Decimal(value)
    else:
        raise MoneyError(f"{field} must be a number")
    if not amount.is_finite():
        raise MoneyError(f"{field} must be a finite number")
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise MoneyError(f"{field} allows at most 12 digits before the decimal point")
    return amount


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
