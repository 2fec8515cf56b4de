"""Shared fixtures: a database per test session (SQLite file, or PostgreSQL when
BOTIMPAY_TEST_DB names a server) and one `botimpay serve` subprocess on it."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.harness import Gateway, Merchant, free_port

PG_ENV = "BOTIMPAY_TEST_DB"


async def _pg_admin_async(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _pg_admin(url: str, statement: str) -> None:
    """Runs `statement` on its own thread's event loop: a test thread may already run
    one (Playwright's sync API does), and asyncio.run refuses to nest."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _pg_admin_async(url, statement)).result()


def _fresh_database(base: str | None, tmp: Path) -> Iterator[str]:
    """Yields a database URL that nothing else uses; drops it afterwards."""
    if base and base.startswith("postgresql"):
        name = "botimpay_test_" + uuid.uuid4().hex[:12]
        _pg_admin(base, f'CREATE DATABASE "{name}"')
        prefix = base.rsplit("/", 1)[0]
        try:
            yield f"{prefix}/{name}"
        finally:
            _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp / 'botimpay.db'}"


def serve_mode(args: tuple[str, ...] | list[str]) -> str:
    """The `--mode` among `serve` options (`--mode X` or `--mode=X`); sandbox by default."""
    mode = "sandbox"
    for index, arg in enumerate(args):
        if arg == "--mode" and index + 1 < len(args):
            mode = args[index + 1]
        elif arg.startswith("--mode="):
            mode = arg.split("=", 1)[1]
    return mode


@pytest.fixture(scope="session")
def backend_url() -> str | None:
    return os.environ.get(PG_ENV)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[str]:
    yield from _fresh_database(backend_url, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def gateway(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One initialised gateway process shared by the session."""
    workdir = tmp_path_factory.mktemp("gateway")
    gw = Gateway(db_url=db_url, port=free_port(), workdir=workdir)
    gw.cli("init", "--db", db_url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()


@contextmanager
def own_gateway(where: Path, backend_url: str | None, *extra_args: str) -> Iterator[Gateway]:
    """A sandbox gateway, initialised and started, on a database of its own (for a module
    that moves the business clock or counts every order); stopped and its database
    dropped afterwards."""
    databases = _fresh_database(backend_url, where)
    url = next(databases)
    gw = Gateway(db_url=url, port=free_port(), workdir=where, extra_args=list(extra_args))
    gw.cli("init", "--db", url)
    gw.start()
    try:
        yield gw
    finally:
        gw.stop()
        for _ in databases:  # drops a PostgreSQL database
            pass


@pytest.fixture
def fresh_gateway(tmp_path: Path, backend_url: str | None) -> Iterator[Callable[..., Gateway]]:
    """Factory for a gateway on its own database, started with extra `serve` options.

    The database is initialised in the mode the gateway serves (`--mode production`
    among the options: `init --mode production`), as an operator would."""
    started: list[Gateway] = []
    databases: list[Iterator[str]] = []

    def make(*extra_args: str, start: bool = True) -> Gateway:
        dbs = _fresh_database(backend_url, tmp_path / f"db{len(databases)}")
        (tmp_path / f"db{len(databases)}").mkdir(exist_ok=True)
        databases.append(dbs)
        url = next(dbs)
        gw = Gateway(db_url=url, port=free_port(), workdir=tmp_path, extra_args=list(extra_args))
        gw.cli("init", "--db", url, "--mode", serve_mode(extra_args))
        if start:
            gw.start()
        started.append(gw)
        return gw

    yield make
    for gw in started:
        gw.stop()
    for dbs in databases:
        for _ in dbs:
            pass


@pytest.fixture(scope="session")
def merchant(gateway: Gateway) -> Merchant:
    """A merchant shared by tests that use unique merchantOrderNos."""
    return gateway.add_merchant()
