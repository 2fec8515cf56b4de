"""Amounts go out as exact JSON numbers and come back as Decimal, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from botimpay_sdk._json import dumps, loads


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("10.50"), b"10.50"),
        (Decimal("1E+1"), b"1E+1"),
        (Decimal("5.00"), b"5.00"),
        (Decimal("0.1"), b"0.1"),
        (Decimal("10"), b"10"),
        (Decimal("123456789012.34"), b"123456789012.34"),
        (Decimal("-0.01"), b"-0.01"),
        (7, b"7"),
    ],
)
def test_decimal_keeps_its_exact_text(value: Decimal, text: bytes) -> None:
    assert dumps({"amount": value}) == b'{"amount":' + text + b"}"


def test_compact_sorted_utf8() -> None:
    data = {"requestTime": 1, "bizContent": {"subject": "آيفون \"x\"", "a": [True, None, {}]}}
    assert dumps(data) == (
        '{"bizContent":{"a":[true,null,{}],"subject":"آيفون \\"x\\""},"requestTime":1}'
    ).encode()


def test_float_is_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        dumps({"amount": 10.5})


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_decimal_is_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps(value)


def test_unknown_types_and_keys_are_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):
        dumps({1: "x"})


def test_loads_gives_decimal_for_every_fraction() -> None:
    data = loads(b'{"a":10.50,"b":1E+1,"c":5,"d":0.1,"e":2.0}')
    assert data == {"a": Decimal("10.50"), "b": Decimal("1E+1"), "c": 5, "d": Decimal("0.1"),
                    "e": Decimal("2.0")}
    assert all(not isinstance(v, float) for v in data.values())
    assert str(data["a"]) == "10.50"


@pytest.mark.parametrize("text", [b"NaN", b"Infinity", b'{"a":-Infinity}'])
def test_loads_refuses_non_finite_constants(text: bytes) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        loads(text)


def test_round_trip_is_byte_exact() -> None:
    raw = b'{"amount":{"amount":10.50,"currency":"AED"},"quantity":1E+1}'
    assert dumps(loads(raw)) == raw
