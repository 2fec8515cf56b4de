"""botimpay.netguard: a notifyUrl host resolved once (asynchronously, within a timeout)
and every address it has checked against the policy."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from botimpay.domain.notify_target import TargetPolicy, parse_networks
from botimpay.netguard import NotifyGuard, TargetRefused
from botimpay.settings import Mode, Settings


class FakeDns:
    """A stand-in for DNS: `table` maps names to addresses; unknown names do not resolve."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.table[host]


async def test_every_address_of_a_name_must_be_allowed() -> None:
    guard = NotifyGuard(
        TargetPolicy(),
        resolver=FakeDns({"shop.example": ["8.8.8.8", "10.0.0.7"], "ok.example": ["8.8.4.4"]}),
    )
    with pytest.raises(TargetRefused) as refused:
        await guard.addresses("shop.example", 443)
    assert "10.0.0.7" in str(refused.value)
    assert "private" in str(refused.value)
    assert "not allowed" in str(refused.value)
    assert [str(a) for a in await guard.addresses("ok.example", 443)] == ["8.8.4.4"]


async def test_numeric_forms_are_resolved_like_the_connection_would() -> None:
    guard = NotifyGuard(TargetPolicy())  # the system resolver: numeric hosts need no DNS
    for host in ("0x7f000001", "2130706433", "127.1", "127.0.0.1", "::1", "::ffff:127.0.0.1"):
        with pytest.raises(TargetRefused, match="loopback"):
            await guard.addresses(host, 80)


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    guard = NotifyGuard(TargetPolicy(), resolver=FakeDns({}))
    with pytest.raises(TargetRefused, match=r"does not resolve"):
        await guard.addresses("nowhere.example", 80)


async def test_resolution_is_bounded_by_a_timeout() -> None:
    async def slow(host: str, port: int) -> list[str]:
        await asyncio.sleep(30)
        return ["8.8.8.8"]

    guard = NotifyGuard(TargetPolicy(), resolver=slow, timeout_s=0.05)
    with pytest.raises(TargetRefused, match=r"did not resolve within"):
        await guard.addresses("slow.example", 80)


async def test_ip_literals_are_not_sent_to_the_resolver() -> None:
    resolve = FakeDns({})
    guard = NotifyGuard(TargetPolicy(allowed=parse_networks(["127.0.0.0/8"])), resolver=resolve)
    assert [str(a) for a in await guard.addresses("127.0.0.1", 80)] == ["127.0.0.1"]
    assert resolve.calls == []


async def test_check_url_reads_the_host_and_port_as_the_client_does() -> None:
    resolve = FakeDns({"shop.example": ["127.0.0.1"]})
    guard = NotifyGuard(TargetPolicy(), resolver=resolve)
    for url in (
        "http://shop.example/notify",
        "https://user:pw@SHOP.example:8443/notify?x=1",
        "http://[::1]:5432/",
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(TargetRefused, match="not allowed"):
            await guard.check_url(url)
    assert resolve.calls == ["shop.example", "shop.example"]
    with pytest.raises(TargetRefused, match="not a valid URL"):
        await guard.check_url("http://shop.example:port/")


def test_from_settings_is_none_in_sandbox_and_checks_the_allow_list() -> None:
    assert NotifyGuard.from_settings(Settings()) is None
    guard = NotifyGuard.from_settings(
        Settings(mode=Mode.PRODUCTION, notify_allow_cidrs="127.0.0.0/8, ::1")
    )
    assert guard is not None
    assert [str(n) for n in guard.policy.allowed] == ["127.0.0.0/8", "::1/128"]
    with pytest.raises(Exception, match="--notify-allow-cidr"):
        NotifyGuard.from_settings(replace(Settings(), notify_allow_cidrs="not-a-cidr"))
