"""Helpers for notification tests: paid orders, clock moves, `notify list`, worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from botimpay.store.database import open_database
from botimpay.store.tables import notifications as outbox
from tests.harness import BOTIMPAY, Gateway, Merchant

WALLET = "+971 56 000 0008"
PASSWORD = "132580"
# The reference's retry schedule after each failed attempt, in seconds.
RETRY_DELAYS_S = [120, 600, 600, 3600, 7200, 21600, 54000]


def place(merchant: Merchant, notify_url: str, amount: str = "10.50") -> str:
    """A JSAPI order with this notifyUrl; returns its orderNo."""
    placed = merchant.place_order(
        notifyUrl=notify_url, totalAmount={"amount": Decimal(amount), "currency": "AED"}
    ).assert_ok()
    return str(placed.order["orderNo"])


def pay(gateway: Gateway, order_no: str) -> dict[str, Any]:
    response = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"orderNo": order_no, "phone": WALLET, "paymentPassword": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["result"] == "SUCCESS", answer
    return answer


def paid_order(gateway: Gateway, merchant: Merchant, notify_url: str, amount: str = "10.50") -> str:
    order_no = place(merchant, notify_url, amount)
    pay(gateway, order_no)
    return order_no


def advance(gateway: Gateway, seconds: int) -> None:
    response = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": seconds}, timeout=30
    )
    assert response.status_code == 200, response.text


def notifications(gateway: Gateway, order_no: str | None = None) -> list[dict[str, Any]]:
    """`botimpay notify list --json` (newest first)."""
    args = ["notify", "list", "--json", "--limit", "1000"]
    if order_no is not None:
        args += ["--order", order_no]
    views: list[dict[str, Any]] = json.loads(gateway.cli(*args).stdout)
    return views


def wait_notifications(
    gateway: Gateway,
    done: Callable[[list[dict[str, Any]]], bool],
    order_no: str | None = None,
    timeout: float = 20.0,
) -> list[dict[str, Any]]:
    """Polls `notify list` until `done(views)`; fails with the last views after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        views = notifications(gateway, order_no)
        if done(views):
            return views
        if time.monotonic() > deadline:
            raise AssertionError(f"notifications never reached the expected state: {views}")
        time.sleep(0.1)


def attempts_recorded(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda views: len(views) == 1 and len(views[0]["history"]) >= count


def stored_attempts(gateway: Gateway, order_no: str) -> int:
    """The outbox row's attempt count, read straight from the database (fast to poll)."""

    async def read() -> int:
        db = open_database(gateway.db_url, pool_size=1)
        try:
            async with db.read() as conn:
                value = await conn.scalar(
                    select(outbox.c.attempts).where(outbox.c.subject_no == order_no)
                )
                return int(value or 0)
        finally:
            await db.dispose()

    return asyncio.run(read())


def wait_attempts(gateway: Gateway, order_no: str, count: int, timeout: float = 15.0) -> None:
    """Waits until the dispatcher has recorded `count` attempts (so the schedule is set)."""
    deadline = time.monotonic() + timeout
    while (seen := stored_attempts(gateway, order_no)) < count:
        assert time.monotonic() < deadline, f"{seen} attempts recorded, expected {count}"
        time.sleep(0.05)


class Worker:
    """A `botimpay worker` subprocess with its log in the test's directory."""

    def __init__(self, gateway: Gateway, *args: str, name: str = "worker") -> None:
        self.log_path: Path = gateway.workdir / f"{name}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*BOTIMPAY, "worker", "--db", gateway.db_url, *args],
            cwd=gateway.workdir,
            env={k: v for k, v in os.environ.items() if k != "BOTIMPAY_DB"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crashed machine."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"worker ignored SIGTERM:\n{self.log()}") from None
        self._log.close()
        return int(self.process.returncode)
