"""Helpers for the request log and fault injection tests: arming faults over HTTP and
reading the request log back through `botimpay requests` (the log is written in
batches, so reads poll until a deadline)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from tests.harness import Gateway

PLACE = "acquire2/placeOrder"
GET = "acquire2/getOrder"
CANCEL = "acquire2/cancelOrder"
REFUND = "acquire2/refund/placeOrder"
FAULTS = "/sandbox/api/faults"
WALLET = "+971 56 000 0007"
PASSWORD = "132580"
LOG_WAIT_S = 20


def arm(gateway: Gateway, **fields: Any) -> dict[str, Any]:
    """POST /sandbox/api/faults; asserts 201 and returns the armed fault."""
    response = httpx.post(gateway.base_url + FAULTS, json=fields, timeout=30)
    assert response.status_code == 201, response.text
    armed: dict[str, Any] = response.json()
    return armed


def clear(gateway: Gateway, partner_id: str) -> int:
    response = httpx.delete(gateway.base_url + FAULTS, params={"partnerId": partner_id}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["cleared"])


def armed(gateway: Gateway, partner_id: str) -> list[dict[str, Any]]:
    response = httpx.get(gateway.base_url + FAULTS, params={"partnerId": partner_id}, timeout=30)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["faults"]
    return listed


def pay(gateway: Gateway, order_no: str, http: httpx.Client | None = None) -> dict[str, Any]:
    """Pays an order with a test wallet through /sandbox/api/pay."""
    post = http.post if http is not None else httpx.post
    response = post(
        gateway.base_url + "/sandbox/api/pay",
        json={"orderNo": order_no, "phone": WALLET, "paymentPassword": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["result"] == "SUCCESS", answer
    return answer


def until(check: Callable[[], Any], what: str, timeout_s: float = LOG_WAIT_S) -> Any:
    """Polls `check` until it returns something truthy; fails naming `what` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def listed(gateway: Gateway, *filters: str, limit: int = 1000) -> list[dict[str, Any]]:
    """`botimpay requests list --json` with the given filter options, newest first."""
    out = gateway.cli("requests", "list", "--json", "--limit", str(limit), *filters).stdout
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def shown(gateway: Gateway, trace_code: str) -> dict[str, Any] | None:
    """`botimpay requests show TRACE --json`, or None while it is not (yet) logged."""
    result = gateway.cli("requests", "show", trace_code, "--json", check=False)
    if result.returncode == 2:
        return None
    assert result.returncode == 0, result.stderr
    record: dict[str, Any] = json.loads(result.stdout)
    return record


def logged(gateway: Gateway, trace_code: str) -> dict[str, Any]:
    """The logged call with this traceCode, waiting for the writer's next batch."""
    record: dict[str, Any] = until(lambda: shown(gateway, trace_code), f"trace {trace_code}")
    return record


def logged_all(
    gateway: Gateway, partner_id: str, traces: Iterable[str], limit: int = 100_000
) -> dict[str, dict[str, Any]]:
    """Waits until every traceCode in `traces` is among the partner's logged calls;
    returns the partner's calls by traceCode."""
    wanted = set(traces)

    def check() -> dict[str, dict[str, Any]] | None:
        rows = {
            row["traceCode"]: row
            for row in listed(gateway, "--partner-id", partner_id, limit=limit)
        }
        return rows if wanted <= set(rows) else None

    found: dict[str, dict[str, Any]] = until(check, f"{len(wanted)} calls of {partner_id}")
    return found
