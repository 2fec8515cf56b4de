"""Reusable pydantic field types for request models: bounded strings, Money, flags.

Each type documents its wire schema so the OpenAPI document shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from botimpay_sdk.wire import has_more_than_two_decimals
from pydantic import Field, PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema

from botimpay.protocol.money import Money, MoneyError, parse_amount, parse_money

# Strings bounded by the reference's "Maximum length"; RequiredN must not be empty.
Text12 = Annotated[str, StringConstraints(strict=True, max_length=12)]
Text20 = Annotated[str, StringConstraints(strict=True, max_length=20)]
Text32 = Annotated[str, StringConstraints(strict=True, max_length=32)]
Text64 = Annotated[str, StringConstraints(strict=True, max_length=64)]
Text128 = Annotated[str, StringConstraints(strict=True, max_length=128)]
Text200 = Annotated[str, StringConstraints(strict=True, max_length=200)]
Text512 = Annotated[str, StringConstraints(strict=True, max_length=512)]
Required32 = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
Required64 = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
Required128 = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=128)]
Required200 = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
Required512 = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=512)]


def _money(value: object) -> Money:
    try:
        return parse_money(value, "", positive=True)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


def _money_non_negative(value: object) -> Money:
    try:
        return parse_money(value, "", positive=False)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


_MONEY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {
        "amount": {
            "oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}],
            "description": "At most 12 digits before and 2 after the decimal point.",
            "examples": [12.34],
        },
        "currency": {"type": "string", "enum": ["AED"]},
    },
}

_AS_WIRE = PlainSerializer(Money.to_wire, return_type=dict)

PositiveMoney = Annotated[Money, PlainValidator(_money), _AS_WIRE, WithJsonSchema(_MONEY_SCHEMA)]
"""Money with amount > 0 (order and refund amounts)."""

AnyMoney = Annotated[
    Money, PlainValidator(_money_non_negative), _AS_WIRE, WithJsonSchema(_MONEY_SCHEMA)
]
"""Money with amount >= 0 (details such as VAT or tips)."""


def _decimal(value: object) -> Decimal:
    try:
        amount = parse_amount(value, "value")
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    if amount < 0:
        raise ValueError("must not be negative")
    if has_more_than_two_decimals(amount):
        raise ValueError("allows at most 2 digits after the decimal point")
    return amount


Quantity = Annotated[
    Decimal,
    PlainValidator(_decimal),
    WithJsonSchema({"type": "number", "description": "12 integer and 2 decimal digits"}),
]


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


Flag = Annotated[
    bool,
    PlainValidator(_flag),
    WithJsonSchema({"oneOf": [{"type": "string", "enum": ["true", "false"]}, {"type": "boolean"}]}),
]
"""The reference's "true"/"false" string flags; JSON booleans and any case accepted."""


def _timestamp(value: object) -> int:
    """The reference's Timestamp: an integer JSON number of milliseconds, nothing else
    (not a string, not 1.7e12)."""
    if isinstance(value, Decimal) and value.as_tuple().exponent == 0:
        raise ValueError("is out of range for a millisecond timestamp")  # a very long integer
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer JSON number of milliseconds")
    if not 0 < value < 10**14:
        raise ValueError("must be a millisecond timestamp")
    return value


Timestamp = Annotated[
    int,
    PlainValidator(_timestamp),
    WithJsonSchema(
        {"type": "integer", "description": "Unix time in milliseconds", "examples": [1581493898000]}
    ),
]

SeqId = Annotated[int, Field(strict=True, ge=1, le=999)]
