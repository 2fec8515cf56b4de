"""Fixtures of the test-plan tests: a fresh merchant per test on the session's gateway
(its runs, faults and request log are its own)."""

from __future__ import annotations

import pytest

from tests.harness import Gateway, Merchant


@pytest.fixture
def shop(gateway: Gateway) -> Merchant:
    """A new merchant, registered through the CLI, whose keys the gateway has loaded."""
    merchant = gateway.add_merchant()
    merchant.call("acquire2/getOrder", {"merchantOrderNo": "warm-up"})
    return merchant
