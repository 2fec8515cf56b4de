"""One gateway for the package (fast dispatcher) and loopback notifyUrl receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import own_gateway
from tests.harness import Gateway, Merchant
from tests.notify.receiver import receiver


@pytest.fixture(scope="package")
def cb_gateway(
    tmp_path_factory: pytest.TempPathFactory, backend_url: str | None
) -> Iterator[Gateway]:
    where = tmp_path_factory.mktemp("chargebacks")
    with own_gateway(where, backend_url, "--dispatch-interval-ms", "100") as gw:
        yield gw


@pytest.fixture(scope="package")
def cb_merchant(cb_gateway: Gateway) -> Merchant:
    return cb_gateway.add_merchant()


__all__ = ["receiver"]  # the fixture, offered to this folder
