"""placeOrder's `agreementInfo` (create-order.mdx): the card-on-file agreement of an order.

Checked against the reference's types, lengths and values; RECURRING needs its four fields.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Count = Annotated[int, Field(strict=True, ge=1, le=999)]
"""The reference's "Integer, Range: 1 - 999"."""

AgreementType = Literal["INSTALLMENT", "OTHER", "RECURRING", "UNSCHEDULED"]
AmountVariability = Literal["FIXED", "VARIABLE"]
PaymentFrequency = Literal[
    "AD_HOC",
    "DAILY",
    "FORTNIGHTLY",
    "MONTHLY",
    "OTHER",
    "QUARTERLY",
    "TWICE_YEARLY",
    "WEEKLY",
    "YEARLY",
]
_RECURRING_NEEDS = ("numberOfPayments", "amountVariability", "expiryDate", "paymentFrequency")


class AgreementInfo(BaseModel):
    """Only DIRECTPAY uses it (with `agreementSign`); the gateway keeps it with the order."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    agreementType: AgreementType | None = None
    numberOfPayments: Count | None = None
    amountVariability: AmountVariability | None = None
    expiryDate: Annotated[str, StringConstraints(strict=True, max_length=10)] | None = None
    paymentFrequency: PaymentFrequency | None = None
    minimumDaysBetweenPayments: Count | None = None

    @field_validator("expiryDate")
    @classmethod
    def _calendar_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date written yyyy-mm-dd") from None
        if len(value) != 10:
            raise ValueError("must be a date written yyyy-mm-dd")
        return value

    @model_validator(mode="after")
    def _recurring_fields(self) -> AgreementInfo:
        if self.agreementType == "RECURRING":
            missing = [name for name in _RECURRING_NEEDS if getattr(self, name) is None]
            if missing:
                raise ValueError(f"agreementType RECURRING requires {', '.join(missing)}")
        return self


__all__ = ["AgreementInfo"]
