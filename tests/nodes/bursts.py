"""Bursts of signed merchant calls released together, each on a connection of its own,
timed against the rate limit's one-second windows (epoch-aligned)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from botimpay_sdk.wire import sign as rsa_sign

from tests.harness import ApiResponse, Merchant, dumps, now_ms, order_no

GET = "acquire2/getOrder"


def own_client(merchant: Merchant, client: httpx.Client) -> Merchant:
    """The same merchant (keys, gateway) talking through `client`."""
    return Merchant(
        merchant.partner_id,
        merchant.private_key,
        merchant.gateway_public_key,
        merchant.base_url,
        http=client,
    )


def burst(entries: list[Merchant], calls: int) -> tuple[list[ApiResponse], bool]:
    """`calls` signed getOrders, call i through entries[i % len(entries)] (one merchant
    behind several gateways or workers), sent together 30 ms into a second; the answers,
    and whether all were answered within that second (one rate-limit window)."""
    bodies = [
        dumps({"requestTime": now_ms(), "bizContent": {"merchantOrderNo": order_no()}})
        for _ in range(calls)
    ]
    signed = [(i, body, rsa_sign(entries[0].private_key, body)) for i, body in enumerate(bodies)]
    barrier = threading.Barrier(calls + 1)

    def one(index: int, body: bytes, sign: str) -> ApiResponse:
        entry = entries[index % len(entries)]
        with httpx.Client(timeout=30, trust_env=False) as client:
            client.get(entry.base_url + "/healthz")  # connected before the barrier
            barrier.wait(timeout=60)
            return own_client(entry, client).post_raw(GET, body, sign=sign)

    with ThreadPoolExecutor(max_workers=calls) as pool:
        futures = [pool.submit(one, *item) for item in signed]
        time.sleep(1.03 - time.time() % 1)  # 30 ms into a second
        started = time.time()
        barrier.wait(timeout=60)
        answers = [future.result() for future in futures]
        ended = time.time()
    return answers, int(started) == int(ended)


def passed(answers: list[ApiResponse]) -> int:
    """How many calls got past the limit (getOrder of an unknown order: 62004); every
    other answer must be the signed 402 RATE_LIMIT_REJECT."""
    got = [(r.apply_status, r.code) for r in answers]
    assert set(got) <= {("SUCCESS", "62004"), ("FAIL", "402")}, [r.json for r in answers]
    assert all(r.signature_valid for r in answers)
    assert all(r.msg == "RATE_LIMIT_REJECT" for r in answers if r.code == "402")
    return got.count(("SUCCESS", "62004"))
