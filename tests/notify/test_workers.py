"""`botimpay worker` processes: several sharing one outbox, a per-merchant cap, and a
worker killed mid-delivery whose notifications are delivered by the next one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.harness import Gateway
from tests.notify import receiver as rx_script
from tests.notify.helpers import Worker, notifications, paid_order, wait_notifications
from tests.notify.receiver import Receiver

Fresh = Callable[..., Gateway]
Make = Callable[..., Receiver]
FAST = ("--dispatch-interval-ms", "100")


def _all_delivered(count: int) -> Callable[[list[dict[str, object]]], bool]:
    return lambda views: len(views) == count and all(v["status"] == "DELIVERED" for v in views)


def test_three_workers_deliver_every_notification_once(
    fresh_gateway: Fresh, receiver: Make
) -> None:
    rx = receiver()
    gateway = fresh_gateway("--no-dispatcher")
    merchant = gateway.add_merchant()
    for _ in range(50):
        paid_order(gateway, merchant, rx.url, amount="1.00")
    waiting = notifications(gateway)
    assert len(waiting) == 50
    assert {(v["status"], v["attempts"]) for v in waiting} == {("PENDING", 0)}
    rx.assert_quiet(0, 0.3)  # serve --no-dispatcher sends nothing

    workers = [Worker(gateway, *FAST, name=f"worker{i}") for i in range(3)]
    try:
        rx.wait_for(50, timeout=60)
        views = wait_notifications(gateway, _all_delivered(50), timeout=30)
    finally:
        exits = [worker.terminate() for worker in workers]
    assert exits == [0, 0, 0], [w.log() for w in workers]

    sent = Counter(rx.notify_ids())
    assert set(sent) == {v["notifyId"] for v in waiting}
    duplicates = sum(count - 1 for count in sent.values())
    # At-least-once allows duplicates, but with 60 s leases and SKIP LOCKED (PostgreSQL)
    # or the write lock (SQLite) no notification is claimed twice.
    assert duplicates == 0, sent.most_common(3)
    assert all(v["attempts"] == 1 and len(v["history"]) == 1 for v in views)
    logged = [w.log().count("-> DELIVERED") for w in workers]
    assert sum(logged) == 50, logged
    assert all("worker stopped" in w.log() for w in workers)


def test_per_merchant_cap_limits_requests_in_flight(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver(default=rx_script.BLOCK)
    gateway = fresh_gateway("--no-dispatcher")
    merchant = gateway.add_merchant()
    for _ in range(5):
        paid_order(gateway, merchant, rx.url, amount="1.00")
    worker = Worker(gateway, *FAST, "--notify-per-merchant", "2")
    try:
        rx.wait_for(2)
        rx.assert_quiet(2, 0.6)  # the other three wait for a slot
        rx.release()
        rx.wait_for(5)
        wait_notifications(gateway, _all_delivered(5))
    finally:
        assert worker.terminate() == 0, worker.log()
    assert len(set(rx.notify_ids())) == 5


def test_a_killed_worker_loses_no_notification(fresh_gateway: Fresh, receiver: Make) -> None:
    rx = receiver(default=rx_script.BLOCK)
    gateway = fresh_gateway("--no-dispatcher")
    merchant = gateway.add_merchant()
    for _ in range(3):
        paid_order(gateway, merchant, rx.url, amount="1.00")
    lease = ("--lease-ms", "1500")

    first = Worker(gateway, *FAST, *lease, name="first")
    rx.wait_for(3)  # the receiver holds all three requests
    first.kill()
    held = notifications(gateway)
    assert {(v["status"], v["attempts"]) for v in held} == {("PENDING", 0)}

    second = Worker(gateway, *FAST, *lease, name="second")
    try:
        rx.wait_for(6, timeout=30)  # the leases ran out: the second worker sends again
        # Its own leases run out too while the receiver holds on: it must not send twice.
        rx.assert_quiet(6, 2.0)
        rx.release()
        views = wait_notifications(gateway, _all_delivered(3))
        rx.assert_quiet(6, 0.5)  # and it sent each one only once
    finally:
        assert second.terminate() == 0, second.log()

    sent = Counter(rx.notify_ids())
    assert set(sent) == {v["notifyId"] for v in held}
    assert set(sent.values()) == {2}  # once by the killed worker, once by its successor
    for view in views:
        assert view["attempts"] == 1
        assert [a["outcome"] for a in view["history"]] == ["SUCCESS"]
