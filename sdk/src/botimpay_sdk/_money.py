"""Money as the wire carries it: an exact Decimal amount and a currency code.

`Money` never holds a float. Outgoing amounts are checked the way the
reference states them (at most 12 integer and 2 fraction digits, not
negative); incoming ones are taken as sent.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from botimpay_sdk.wire import MAX_INTEGER_DIGITS, exceeds_integer_digits, has_more_than_two_decimals

CURRENCY = "AED"


def to_decimal(value: Any) -> Any:
    """Accepts Decimal, int or numeric str; refuses float (inexact) and bool."""
    if isinstance(value, float):
        raise ValueError("floats are not accepted for amounts; use Decimal or str")
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("amount must be a finite number")
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(to_decimal), AfterValidator(_finite)]
"""A Decimal field that refuses floats."""


class Money(BaseModel):
    """An amount with its currency, e.g. `Money.aed("10.50")`.

    `amount` keeps its exact text: Decimal("10.50") goes out as 10.50.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: ExactDecimal
    currency: str = Field(default=CURRENCY, pattern=r"^[A-Z]{3}$")

    @classmethod
    def aed(cls, amount: Decimal | int | str) -> Money:
        """Money in AED, the only currency the gateway supports."""
        return cls(amount=to_decimal(amount), currency=CURRENCY)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def check_outgoing(money: Money) -> Money:
    """The reference's limits for amounts we send: 0 ≤ amount, 12.2 digits (the wire rule)."""
    amount = money.amount
    if amount < 0:
        raise ValueError("amount must not be negative")
    if exceeds_integer_digits(amount):
        raise ValueError(f"amount allows at most {MAX_INTEGER_DIGITS} digits before the point")
    if has_more_than_two_decimals(amount):
        raise ValueError("amount allows at most 2 digits after the decimal point")
    return money


def _check_positive(money: Money) -> Money:
    if money.amount <= 0:
        raise ValueError("amount must be greater than 0")
    return money


OutgoingMoney = Annotated[Money, AfterValidator(check_outgoing)]
"""Money in a request: not negative, at most 12 integer and 2 fraction digits."""

PositiveMoney = Annotated[Money, AfterValidator(check_outgoing), AfterValidator(_check_positive)]
"""Money in a request that must be more than zero (order total, refund amount)."""
