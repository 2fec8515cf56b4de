"""`serve --workers 2`: the merchant rate limit holds across the worker processes (a
SQLite side file, the PostgreSQL table, or Redis with --redis-url): in one window the
first `limit` verified calls pass and every later one gets 402 RATE_LIMIT_REJECT."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import BOTIMPAY, Gateway, order_no
from tests.nodes.bursts import GET, burst, passed
from tests.nodes.test_rate_limit_counters import REDIS_URL, _redis_reachable

LIMIT = 5
CALLS = 12


def assert_limit_holds_across_workers(gateway: Gateway) -> None:
    exact = False
    merchant = gateway.add_merchant()
    for _ in range(3):  # a burst that straddles a window edge proves less: try again
        answers, one_window = burst([merchant], CALLS)
        accepted = passed(answers)
        assert accepted <= 2 * LIMIT, accepted  # two windows at most
        if one_window:
            assert accepted == LIMIT  # not LIMIT per worker: exactly LIMIT in all
            exact = True
            break
    assert exact, "no burst fitted in one window in three tries"
    time.sleep(1.0)  # the next window: the budget is back
    answer = merchant.call(GET, {"merchantOrderNo": order_no()})
    assert answer.code == "62004", answer.json


def test_two_workers_share_one_limit(fresh_gateway: Callable[..., Gateway]) -> None:
    gateway = fresh_gateway("--workers", "2", "--rate-limit", str(LIMIT))
    log = (gateway.workdir / f"serve-{gateway.port}.log").read_text()
    assert f"rate limit:   {LIMIT}/s per merchant, shared" in log, log
    assert_limit_holds_across_workers(gateway)


def test_two_workers_share_one_limit_in_redis(fresh_gateway: Callable[..., Gateway]) -> None:
    if not _redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379 (--redis-url is optional)")
    gateway = fresh_gateway("--workers", "2", "--rate-limit", str(LIMIT), "--redis-url", REDIS_URL)
    log = (gateway.workdir / f"serve-{gateway.port}.log").read_text()
    assert "shared in Redis redis://127.0.0.1:6379/15" in log, log
    assert_limit_holds_across_workers(gateway)


def test_a_bad_redis_url_is_refused_at_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [*BOTIMPAY, "serve", "--db", str(tmp_path / "x.db"), "--redis-url", "http://h:6379"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout
    assert "is not a redis://, rediss:// or unix:// URL" in result.stderr
