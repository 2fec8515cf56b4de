"""The delivery-time check (production): each new connection resolves the notifyUrl's
host once, checks every address and connects to the address it checked, so a DNS
answer that changes after placeOrder (or between check and connect) gets nowhere.

DNS is played by FakeDns; every address used is loopback."""

from __future__ import annotations

from collections.abc import Callable

from botimpay.domain.notify_target import TargetPolicy, parse_networks
from botimpay.netguard import NotifyGuard
from botimpay.notify.delivery import Outcome, Sender
from tests.notify.receiver import Receiver
from tests.notify.test_http11 import OK, Merchant, always
from tests.test_netguard import FakeDns

Make = Callable[..., Receiver]
LOOPBACK_ALLOWED = TargetPolicy(allowed=parse_networks(["127.0.0.0/8"]))


def port(rx: Receiver) -> str:
    return rx.url.split(":")[2].split("/")[0]


def shop_url(rx: Receiver, host: str = "shop.example") -> str:
    return f"http://{host}:{port(rx)}/notify"


async def send(guard: NotifyGuard, url: str, times: int = 1) -> list[tuple[Outcome, str | None]]:
    sender = Sender(connect_timeout_ms=2000, read_timeout_ms=2000, guard=guard)
    try:
        return [
            ((r := await sender.post(url, b'{"a":1}', "SIGN")).outcome, r.excerpt)
            for _ in range(times)
        ]
    finally:
        await sender.aclose()


async def test_connects_to_the_address_it_checked_not_to_the_name() -> None:
    dns = FakeDns({"shop.example": ["127.0.0.1"]})  # a name the system cannot resolve
    async with Merchant(always(OK)) as m:
        url = m.url.replace("127.0.0.1", "shop.example")
        results = await send(NotifyGuard(LOOPBACK_ALLOWED, resolver=dns), url, times=3)
    assert [outcome for outcome, _ in results] == [Outcome.SUCCESS] * 3
    assert m.connections == 1
    assert dns.calls == ["shop.example"]  # once per new connection; kept-alive ones were checked
    assert all(b"\r\nHost: shop.example:" in request for request in m.requests)


async def test_every_new_connection_resolves_again(receiver: Make) -> None:
    rx = receiver()  # http.server closes each connection after its answer
    dns = FakeDns({"shop.example": ["127.0.0.1"]})
    results = await send(NotifyGuard(LOOPBACK_ALLOWED, resolver=dns), shop_url(rx), times=2)
    assert [outcome for outcome, _ in results] == [Outcome.SUCCESS] * 2
    assert dns.calls == ["shop.example"] * 2
    assert {r.headers["host"] for r in rx.received} == {f"shop.example:{port(rx)}"}


async def test_several_addresses_are_tried_in_order(receiver: Make) -> None:
    rx = receiver()
    dns = FakeDns({"shop.example": ["127.0.0.2", "127.0.0.1"]})  # nothing listens on .2
    [(outcome, _)] = await send(NotifyGuard(LOOPBACK_ALLOWED, resolver=dns), shop_url(rx))
    assert outcome is Outcome.SUCCESS
    assert rx.count() == 1


async def test_a_name_now_resolving_to_loopback_is_refused_and_not_contacted(
    receiver: Make,
) -> None:
    rx = receiver()
    dns = FakeDns({"shop.example": ["127.0.0.1"]})
    [(outcome, excerpt)] = await send(NotifyGuard(TargetPolicy(), resolver=dns), shop_url(rx))
    assert outcome is Outcome.CONNECT_ERROR
    assert excerpt is not None
    assert "127.0.0.1" in excerpt
    assert "loopback" in excerpt
    assert "not allowed" in excerpt
    rx.assert_quiet(0, 0.2)


async def test_one_refused_address_among_several_refuses_the_target(receiver: Make) -> None:
    rx = receiver()
    dns = FakeDns({"shop.example": ["127.0.0.1", "169.254.169.254"]})
    [(outcome, excerpt)] = await send(NotifyGuard(LOOPBACK_ALLOWED, resolver=dns), shop_url(rx))
    assert outcome is Outcome.CONNECT_ERROR
    assert excerpt is not None
    assert "169.254.169.254" in excerpt
    assert "not allowed" in excerpt
    rx.assert_quiet(0, 0.2)


async def test_ip_literals_and_numeric_forms_are_checked_too(receiver: Make) -> None:
    rx = receiver()
    guard = NotifyGuard(TargetPolicy())
    for host in ("127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"):
        [(outcome, excerpt)] = await send(guard, f"http://{host}:{port(rx)}/notify")
        assert outcome is Outcome.CONNECT_ERROR, host
        assert excerpt is not None
        assert "not allowed" in excerpt, excerpt
    rx.assert_quiet(0, 0.2)


async def test_a_name_that_stopped_resolving_is_a_connect_error(receiver: Make) -> None:
    rx = receiver()
    guard = NotifyGuard(LOOPBACK_ALLOWED, resolver=FakeDns({}))
    [(outcome, excerpt)] = await send(guard, shop_url(rx))
    assert outcome is Outcome.CONNECT_ERROR
    assert excerpt is not None
    assert "does not resolve" in excerpt
