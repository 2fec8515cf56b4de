"""Where production may send notifications: public addresses, and ranges the operator allows."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from botimpay.domain.notify_target import TargetPolicy, parse_networks, refused_range, show
from botimpay.errors import ConfigError

PRODUCTION = TargetPolicy()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata services
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("192.0.2.1", "private"),  # documentation range
        # IPv6 forms of IPv4 addresses are judged by the IPv4 address inside
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ],
)
def test_production_refuses_every_non_public_range(address: str, kind: str) -> None:
    assert refused_range(ip_address(address)) == kind
    reason = PRODUCTION.refusal(ip_address(address))
    assert reason is not None
    assert reason.endswith(f" {kind} address")


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refused_range(ip_address(address)) is None
    assert PRODUCTION.refusal(ip_address(address)) is None


def test_ipv4_mapped_addresses_are_shown_as_written() -> None:
    assert show(ip_address("::ffff:127.0.0.1")) == "::ffff:127.0.0.1"
    assert show(ip_address("::1")) == "::1"


def test_sandbox_allows_every_address() -> None:
    sandbox = TargetPolicy.permissive()
    for address in ("127.0.0.1", "::1", "169.254.169.254", "10.0.0.1", "224.0.0.1", "8.8.8.8"):
        assert sandbox.refusal(ip_address(address)) is None


def test_the_allow_list_opens_exactly_the_ranges_it_names() -> None:
    policy = TargetPolicy(allowed=parse_networks(["127.0.0.0/8", "10.20.0.0/16"]))
    assert policy.refusal(ip_address("127.0.0.1")) is None
    assert policy.refusal(ip_address("127.9.9.9")) is None
    assert policy.refusal(ip_address("::ffff:127.0.0.1")) is None  # the same host
    assert policy.refusal(ip_address("10.20.30.40")) is None
    assert policy.refusal(ip_address("10.21.0.1")) is not None
    assert policy.refusal(ip_address("::1")) is not None  # IPv6 loopback not named
    assert policy.refusal(ip_address("169.254.169.254")) is not None
    assert policy.refusal(ip_address("8.8.8.8")) is None


def test_an_ipv6_allow_list_entry() -> None:
    policy = TargetPolicy(allowed=parse_networks(["::1"]))
    assert policy.refusal(ip_address("::1")) is None
    assert policy.refusal(ip_address("127.0.0.1")) is not None


def test_allow_list_entries_are_normalised() -> None:
    assert [str(n) for n in parse_networks([" 127.0.0.1 ", "10.1.2.3/8", "FD00::/8"])] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "fd00::/8",
    ]


@pytest.mark.parametrize("bad", ["", "localhost", "10.0.0.0/33", "300.1.1.1", "::1/129", "1.2.3"])
def test_a_bad_allow_list_entry_is_a_config_error_naming_it(bad: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_networks(["127.0.0.0/8", bad])
    assert "--notify-allow-cidr" in str(refused.value)
    assert repr(bad) in str(refused.value)
