"""Runs the example shop (examples/shop) as a subprocess for tests, and reads its pages."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.harness import free_port

SHOP_DIR = Path(__file__).resolve().parents[2] / "examples" / "shop"
MOBILE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
T = TypeVar("T")


@dataclass
class ShopProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def status(self, merchant_order_no: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/orders/{merchant_order_no}/status", timeout=10)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


def start_shop(workdir: Path, *args: str) -> ShopProcess:
    """`python -m example_shop ARGS --port <free>`; returns once /healthz answers."""
    port = free_port()
    log = workdir / f"shop-{port}.log"
    env = dict(os.environ, PYTHONPATH=str(SHOP_DIR))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "example_shop", *args, "--port", str(port)],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    shop = ShopProcess(process, port, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the shop exited: {log.read_text()}")
        try:
            if httpx.get(shop.url + "/healthz", timeout=1).status_code == 200:
                return shop
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    shop.stop()
    raise RuntimeError(f"the shop did not start in 30 s: {log.read_text()}")


def token_url_of(page: str) -> str:
    found = re.search(r'data-token-url="([^"]+)"', page)
    assert found, page
    return html.unescape(found.group(1))


def wait_for(what: str, probe: Callable[[], T | None], seconds: float = 30) -> T:
    """Polls `probe` every 0.1 s until it returns something other than None."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.1)
