"""One gateway for the package (fast dispatcher) and loopback notifyUrl receivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _fresh_database
from tests.harness import Gateway, Merchant, free_port
from tests.notify.receiver import receiver


@pytest.fixture(scope="package")
def cb_gateway(
    tmp_path_factory: pytest.TempPathFactory, backend_url: str | None
) -> Iterator[Gateway]:
    databases = _fresh_database(backend_url, tmp_path_factory.mktemp("cbdb"))
    url = next(databases)
    gw = Gateway(
        db_url=url,
        port=free_port(),
        workdir=tmp_path_factory.mktemp("cbgw"),
        extra_args=["--dispatch-interval-ms", "100"],
    )
    gw.cli("init", "--db", url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()
        for _ in databases:
            pass


@pytest.fixture(scope="package")
def cb_merchant(cb_gateway: Gateway) -> Merchant:
    return cb_gateway.add_merchant()


__all__ = ["receiver"]  # the fixture, offered to this folder
