"""The gateway's wire core is the SDK's (`botimpay_sdk.wire`, `botimpay_sdk.codes`):
the code table is the same objects, signing is the same functions, and gateway
Money and SDK Money agree on every amount, read or written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import botimpay_sdk
import orjson
import pytest
from botimpay_sdk import _json as sdk_json
from botimpay_sdk import codes as sdk_codes
from botimpay_sdk import wire
from botimpay_sdk._money import OutgoingMoney, PositiveMoney
from botimpay_sdk.codes import ResponseCode
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from botimpay import errors
from botimpay.protocol import codes as server_codes
from botimpay.protocol import signing
from botimpay.protocol.money import MAX_FILS, Money, MoneyError, parse_money
from tests import harness
from tests.fuzz.profiles import PROFILE

# --- The code table ---------------------------------------------------------------------


def table(module: Any) -> dict[str, ResponseCode]:
    return {name: v for name, v in vars(module).items() if isinstance(v, ResponseCode)}


def test_the_server_code_table_is_the_sdks() -> None:
    sdk, server = table(sdk_codes), table(server_codes)
    assert server.keys() == sdk.keys()
    assert [name for name, code in sdk.items() if server[name] is not code] == []
    assert server_codes.ALL_CODES is sdk_codes.ALL_CODES
    assert errors.InvalidParameter("x").code is server_codes.INVALID_PARAMETER


def test_all_codes_lists_every_pair_once_under_its_own_name() -> None:
    assert sorted(sdk_codes.ALL_CODES, key=id) == sorted(table(sdk_codes).values(), key=id)
    # A name is its msg, except where a page reuses a global msg with its own code
    # (query-refund-order-page.mdx: 71002/71003): then the page's prefix comes first.
    renamed = {n: c for n, c in table(sdk_codes).items() if n != c.msg}
    assert {n: (c.code, c.msg) for n, c in renamed.items()} == {
        "REFUND_PAGE_REQUESTTIME_TOO_EARLY": ("71002", "REQUESTTIME_TOO_EARLY"),
        "REFUND_PAGE_REQUESTTIME_TOO_LATER": ("71003", "REQUESTTIME_TOO_LATER"),
    }
    pairs = [(c.code, c.msg) for c in sdk_codes.ALL_CODES]
    assert len(pairs) == len(set(pairs))


def test_a_code_is_its_wire_string_but_not_a_sibling_with_that_string() -> None:
    c = sdk_codes
    assert c.ORDER_PAID == "62001"
    assert c.ORDER_PAID.code == "62001"
    assert type(c.ORDER_PAID.code) is str
    assert c.ORDER_PAID.msg == "ORDER_PAID"
    assert c.INVALID_PARAMETER == "400" == c.REQUESTTIME_TOO_EARLY
    assert c.INVALID_PARAMETER != c.REQUESTTIME_TOO_EARLY
    assert c.REQUESTTIME_TOO_EARLY not in {c.INVALID_PARAMETER: 1}
    assert "400" in c.UNSIGNED_TOLERATED
    assert "500" in c.RETRYABLE
    assert c.SUCCESS.is_global
    assert c.RISK_FAIL.is_global
    assert not c.ORDER_PAID.is_global
    with pytest.raises(AttributeError):
        c.ORDER_PAID.msg = "ORDER_PAYED"  # type: ignore[misc]


# --- Signing ----------------------------------------------------------------------------


def test_one_signing_implementation() -> None:
    assert signing.sign is wire.sign
    assert signing.verify is wire.verify
    assert harness.rsa_sign is wire.sign
    assert harness.rsa_verify is wire.verify
    assert botimpay_sdk.wire is wire


def test_the_sdks_key_error_keeps_its_text_as_the_servers() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(errors.ConfigError, match="RSA private key must be at least 2048") as info:
        signing.load_private_key(signing.private_key_pem(weak))
    assert isinstance(info.value.__cause__, wire.ConfigError)


# --- Money ------------------------------------------------------------------------------

DECIMALS = st.builds(
    lambda sign, digits, exponent: Decimal((sign, digits, exponent)),
    st.integers(0, 1),
    st.lists(st.integers(0, 9), min_size=1, max_size=16).map(tuple),
    st.one_of(st.integers(-5, 5), st.sampled_from([-40, -3, 11, 12, 40])),
)
"""JSON numbers as both sides read them: any scale, exponent form and sign."""

EDGES = st.builds(
    lambda units, step, places: Decimal(units) + Decimal(step).scaleb(-places),
    st.sampled_from([0, 1, 10**12 - 1, 10**12]),
    st.integers(-3, 3),
    st.integers(0, 4),
)
"""Amounts next to the limits: 0, 0.01, 999999999999.99, 10^12, a third decimal."""

AMOUNTS = st.one_of(
    DECIMALS,
    EDGES,
    st.integers(-(10**15), 10**15),
    st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{1,3})?", fullmatch=True),
)


def _server(value: object, positive: bool) -> Money | None:
    try:
        return parse_money({"amount": value, "currency": "AED"}, "totalAmount", positive=positive)
    except MoneyError:
        return None


def _sdk(value: object, positive: bool) -> botimpay_sdk.Money | None:
    adapter: TypeAdapter[botimpay_sdk.Money] = TypeAdapter(
        PositiveMoney if positive else OutgoingMoney
    )
    try:
        return adapter.validate_python({"amount": value, "currency": "AED"})
    except ValidationError:
        return None


@settings(PROFILE, max_examples=600)
@given(value=AMOUNTS, positive=st.booleans())
def test_gateway_and_sdk_accept_the_same_amounts(value: object, positive: bool) -> None:
    """The same amounts pass both sides' checks (order totals: positive; details: not
    negative), and they stand for the same number of fils."""
    server, sdk = _server(value, positive), _sdk(value, positive)
    assert (server is None) == (sdk is None), (value, server, sdk)
    if server is not None and sdk is not None:
        assert sdk.amount * 100 == server.fils
        # What the SDK writes (in its merchant's scale), the gateway reads the same.
        written = sdk_json.dumps({"amount": sdk.amount, "currency": sdk.currency})
        assert _server(sdk_json.loads(written)["amount"], positive) == server


@settings(PROFILE, max_examples=600)
@given(fils=st.integers(-MAX_FILS, MAX_FILS))
def test_the_sdk_reads_the_gateways_amounts_exactly(fils: int) -> None:
    """The gateway writes the shortest plain number; the SDK reads that amount and
    writes it back byte for byte."""
    written = orjson.dumps(Money(fils).to_wire())
    sdk = botimpay_sdk.Money.model_validate(sdk_json.loads(written))
    assert sdk.amount == Money(fils).amount
    assert sdk_json.dumps({"amount": sdk.amount, "currency": sdk.currency}) == written
    assert wire.amount_text(sdk.amount) == wire.fils_text(fils)
