"""Money: exact fils, AED only, the reference's 12.2 digit limits, never float."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from botimpay.protocol.money import Money, MoneyError, parse_money, wire_number


@pytest.mark.parametrize(
    ("amount", "fils"),
    [
        (Decimal("10.50"), 1050),
        (Decimal("5.00"), 500),
        (Decimal("0.1"), 10),
        (10, 1000),
        (Decimal("1E+1"), 1000),
        ("12.34", 1234),
        (Decimal("999999999999.99"), 99999999999999),
        (Decimal("1.500"), 150),
    ],
)
def test_accepted_amounts(amount: object, fils: int) -> None:
    assert parse_money({"amount": amount, "currency": "AED"}, "totalAmount").fils == fils


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"amount": 0, "currency": "AED"}, "greater than 0"),
        ({"amount": Decimal("-1"), "currency": "AED"}, "greater than 0"),
        ({"amount": Decimal("1.005"), "currency": "AED"}, "2 digits after"),
        ({"amount": Decimal("1000000000000"), "currency": "AED"}, "12 digits before"),
        ({"amount": 1, "currency": "USD"}, "must be AED"),
        ({"amount": 1}, "currency is required"),
        ({"currency": "AED"}, "amount is required"),
        ({"amount": "abc", "currency": "AED"}, "not a number"),
        ({"amount": "NaN", "currency": "AED"}, "not a number"),
        ({"amount": " 7 ", "currency": "AED"}, "not a number"),
        ({"amount": "+5", "currency": "AED"}, "not a number"),
        ({"amount": "1_000", "currency": "AED"}, "not a number"),
        ({"amount": "\u0661\u0660", "currency": "AED"}, "not a number"),
        ({"amount": Decimal("NaN"), "currency": "AED"}, "finite"),
        ({"amount": Decimal("1E-999999999"), "currency": "AED"}, "2 digits after"),
        ({"amount": Decimal("1E+999999999"), "currency": "AED"}, "12 digits before"),
        ({"amount": True, "currency": "AED"}, "must be a number"),
        ({"amount": 1.5, "currency": "AED"}, "binary float"),
        ("12.34", "must be an object"),
    ],
)
def test_rejected_amounts_name_the_field(value: object, message: str) -> None:
    with pytest.raises(MoneyError, match=message) as info:
        parse_money(value, "totalAmount")
    assert "totalAmount" in str(info.value)


def test_zero_allowed_where_not_required_positive() -> None:
    assert parse_money({"amount": 0, "currency": "AED"}, "tip", positive=False) == Money(0)


def test_arithmetic_is_exact_and_currency_checked() -> None:
    assert Money(10) + Money(20) == Money(30)
    assert Money(30) - Money(10) == Money(20)
    assert Money(1050).amount == Decimal("10.50")


def test_fee_rounds_half_up_to_the_fils() -> None:
    assert Money(1000).times_rate(Decimal("0.003")) == Money(3)
    assert Money(500).times_rate(Decimal("0.003")) == Money(2)  # 1.5 fils -> 2
    assert Money(499).times_rate(Decimal("0.003")) == Money(1)  # 1.497 -> 1


def test_money_refuses_floats_and_other_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(1, "USD")


@pytest.mark.parametrize(
    ("fils", "text"), [(1234, b"12.34"), (1000, b"10"), (1050, b"10.5"), (1, b"0.01")]
)
def test_wire_form_is_an_exact_json_number(fils: int, text: bytes) -> None:
    assert wire_number(Money(fils).amount) == text
    encoded = orjson.dumps(Money(fils).to_wire())
    assert encoded == b'{"amount":' + text + b',"currency":"AED"}'


@pytest.mark.parametrize("fils", [*range(-1010, 1011), 10**12 + 7, -(10**12) - 70])
def test_to_wire_amount_matches_the_decimal_rendering(fils: int) -> None:
    """Money.to_wire renders fils with integers; it must equal the Decimal path."""
    fragment = Money(fils).to_wire()["amount"]
    assert orjson.dumps(fragment) == wire_number(Money(fils).amount)
