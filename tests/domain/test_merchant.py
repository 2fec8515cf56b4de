"""Merchant rules: partner ids, fee rates, IP whitelists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from botimpay.domain.merchant import check_partner_id, ip_allowed, parse_fee_rate, parse_whitelist
from botimpay.errors import ConfigError


@pytest.mark.parametrize("bad", ["", "abc", "1234567890123", "12 34"])
def test_partner_ids_are_1_to_12_digits(bad: str) -> None:
    assert check_partner_id("200000000888") == "200000000888"
    with pytest.raises(ConfigError):
        check_partner_id(bad)


@pytest.mark.parametrize("bad", ["-0.1", "1", "2", "abc", "0.0000001", "NaN"])
def test_fee_rate_bounds(bad: str) -> None:
    assert parse_fee_rate("0.003") == Decimal("0.003")
    with pytest.raises(ConfigError):
        parse_fee_rate(bad)


def test_whitelist_matching() -> None:
    whitelist = parse_whitelist(["10.0.0.0/8", "192.168.1.7", "::1"])
    assert whitelist == ("10.0.0.0/8", "192.168.1.7/32", "::1/128")
    assert ip_allowed(whitelist, "10.20.30.40")
    assert ip_allowed(whitelist, "192.168.1.7")
    assert ip_allowed(whitelist, "::ffff:10.1.1.1")  # IPv4-mapped IPv6
    assert not ip_allowed(whitelist, "127.0.0.1")
    assert not ip_allowed(whitelist, None)
    assert not ip_allowed(whitelist, "garbage")
    assert ip_allowed(parse_whitelist(["*"]), "8.8.8.8")
    assert parse_whitelist([]) == ("*",)


def test_bad_cidr_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an IP"):
        parse_whitelist(["10.0.0.0/33"])
