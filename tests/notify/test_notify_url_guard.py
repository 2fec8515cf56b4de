"""Server-side request forgery through notifyUrl (issue 10, item 3), over real HTTP
against `botimpay serve --mode production` and `botimpay worker` processes.

Production refuses notifyUrls on loopback, link-local, private, multicast,
unspecified or reserved addresses at placeOrder, and checks again at delivery;
`--notify-allow-cidr` opens ranges; sandbox delivers anywhere. Every address any
of these tests may contact is loopback (refused targets are never contacted)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tests.harness import BOTIMPAY, Gateway, assert_invalid, free_port, order_no
from tests.notify.helpers import Worker, notifications, place, wait_notifications
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Make = Callable[..., Receiver]
FAST = ("--dispatch-interval-ms", "100")
ALLOW_LOOPBACK = ("--notify-allow-cidr", "127.0.0.0/8")

REFUSED_URLS = [
    ("http://127.0.0.1:9/notify", "loopback"),
    ("http://[::1]:5432/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0x7f000001/", "loopback"),
    ("http://2130706433/notify", "loopback"),
    ("http://127.1/notify", "loopback"),
    ("http://[::ffff:127.0.0.1]/notify", "loopback"),
    ("http://localhost:8080/notify", "loopback"),  # /etc/hosts, no DNS query
    ("http://10.0.0.1/notify", "private"),
    ("https://192.168.1.10/notify", "private"),
    ("http://224.0.0.1/notify", "multicast"),
    ("http://0.0.0.0:8000/notify", "unspecified"),
    ("http://[fe80::1]/notify", "link-local"),
]


@pytest.fixture
def production(fresh_gateway: Fresh) -> Fresh:
    """Factory: `serve --mode production` (on a database initialised for production)."""
    return lambda *extra_args: fresh_gateway("--mode", "production", *extra_args)


def _cancel(gateway: Gateway, notify_url: str) -> str:
    """Places an order with this notifyUrl and cancels it: one FAILURE notification."""
    merchant = gateway.add_merchant()
    placed = place(merchant, notify_url)
    merchant.call("acquire2/cancelOrder", {"orderNo": placed}).assert_ok()
    return placed


def test_production_refuses_internal_notify_urls_at_place_order(production: Fresh) -> None:
    gateway = production()
    merchant = gateway.add_merchant()
    for url, kind in REFUSED_URLS:
        response = merchant.place_order(notifyUrl=url)
        assert_invalid(response, "bizContent.notifyUrl")
        assert kind in response.msg, (url, response.msg)
        assert "not allowed" in response.msg, (url, response.msg)
    assert notifications(gateway) == []  # nothing was stored, so nothing will be sent


def test_production_refuses_internal_notify_urls_of_refunds(production: Fresh) -> None:
    gateway = production(*ALLOW_LOOPBACK)
    merchant = gateway.add_merchant()
    order = merchant.place_order(notifyUrl="http://127.0.0.1:9/notify").assert_ok().order
    response = merchant.call(
        "acquire2/refund/placeOrder",
        {
            "refundMerchantOrderNo": order_no(),
            "originOrderNo": order["orderNo"],
            "amount": {"amount": Decimal("1.00"), "currency": "AED"},
            "notifyUrl": "http://169.254.169.254/latest/meta-data/",
        },
    )
    assert_invalid(response, "bizContent.notifyUrl")
    assert "link-local" in response.msg


def test_the_allow_list_lets_production_deliver_to_loopback(
    production: Fresh, receiver: Make
) -> None:
    rx = receiver()
    gateway = production(*FAST, *ALLOW_LOOPBACK)
    merchant = gateway.add_merchant()
    refused = merchant.place_order(notifyUrl="http://[::1]:5432/")  # IPv6 loopback not named
    assert_invalid(refused, "bizContent.notifyUrl")
    assert_invalid(merchant.place_order(notifyUrl="http://10.0.0.1/"), "bizContent.notifyUrl")

    cancelled = _cancel(gateway, rx.url)
    [got] = rx.wait_for(1)
    assert got.json()["acquireOrder"]["orderNo"] == cancelled
    assert got.json()["acquireOrder"]["status"] == "FAILURE"
    [view] = wait_notifications(gateway, lambda views: views[0]["status"] == "DELIVERED")
    assert [a["outcome"] for a in view["history"]] == ["SUCCESS"]


def test_delivery_checks_again_with_the_delivering_process_allow_list(
    production: Fresh, receiver: Make
) -> None:
    """Accepted at placeOrder by a gateway that allows loopback, delivered by a worker
    that does not: the attempt is a CONNECT_ERROR, retried later, never sent."""
    rx = receiver()
    gateway = production("--no-dispatcher", *ALLOW_LOOPBACK)
    cancelled = _cancel(gateway, rx.url)
    worker = Worker(gateway, "--mode", "production", *FAST)
    try:
        [view] = wait_notifications(gateway, lambda views: len(views[0]["history"]) >= 1)
    finally:
        assert worker.terminate() == 0, worker.log()
    assert view["subjectNo"] == cancelled
    [attempt] = view["history"]
    assert attempt["outcome"] == "CONNECT_ERROR"
    assert "127.0.0.1" in attempt["excerpt"]
    assert "not allowed" in attempt["excerpt"]
    assert (view["status"], view["attempts"]) == ("PENDING", 1)  # on the normal schedule
    rx.assert_quiet(0, 0.3)

    # A worker given the same allow-list as the gateway delivers it (resent now rather
    # than two minutes from now).
    gateway.cli("notify", "resend", view["notifyId"])
    worker = Worker(gateway, "--mode", "production", *FAST, *ALLOW_LOOPBACK)
    try:
        [got] = rx.wait_for(1)
    finally:
        assert worker.terminate() == 0, worker.log()
    assert got.notify_id == view["notifyId"]


def test_sandbox_still_delivers_to_loopback(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver()
    gateway = fresh_gateway(*FAST)
    cancelled = _cancel(gateway, rx.url.replace("127.0.0.1", "localhost"))
    [got] = rx.wait_for(1)
    assert got.json()["acquireOrder"]["orderNo"] == cancelled


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize("bad", ["10.0.0.0/33", "localhost", "127.0.0.1/8/8"])
def test_a_bad_allow_cidr_is_a_one_line_error(tmp_path: Path, command: str, bad: str) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    port = ["--port", str(free_port())] if command == "serve" else []
    result = subprocess.run(
        [*BOTIMPAY, command, "--db", db, *port, "--mode", "production", "--notify-allow-cidr", bad],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "--notify-allow-cidr" in lines[0]
    assert bad in lines[0]
