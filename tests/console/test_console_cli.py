"""The console's accounts from the command line: `init` prints an admin password that
signs in (once), `--console-password` sets it on a new or existing database, and
`console-user add|passwd` manage operators and merchant users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _fresh_database
from tests.console.conftest import ConsoleClient
from tests.harness import Gateway, free_port

PRINTED = re.compile(r"^console admin password:\s+(\S+)$", re.MULTILINE)


@pytest.fixture
def uninitialised(tmp_path: Path, backend_url: str | None) -> Iterator[Gateway]:
    """A gateway on an empty database, for the test to `init` and start itself."""
    databases = _fresh_database(backend_url, tmp_path)
    gw = Gateway(db_url=next(databases), port=free_port(), workdir=tmp_path)
    try:
        yield gw
    finally:
        gw.stop()
        for _ in databases:
            pass


def can_sign_in(gw: Gateway, username: str, password: str) -> bool:
    client = ConsoleClient(gw.base_url)
    try:
        response = client.login(username, password)
        return response.status_code == 303
    finally:
        client.http.close()


def test_init_prints_an_admin_password_once_and_it_signs_in(uninitialised: Gateway) -> None:
    gw = uninitialised
    out = gw.cli("init", "--db", gw.db_url).stdout
    printed = PRINTED.findall(out)
    assert len(printed) == 1, out
    assert len(printed[0]) >= 24, out
    again = gw.cli("init", "--db", gw.db_url).stdout
    assert "console admin password" not in again  # never shown (nor changed) again
    gw.start()
    assert can_sign_in(gw, "admin", printed[0])
    assert not can_sign_in(gw, "admin", printed[0] + "x")


def test_console_password_sets_admin_on_a_new_and_an_existing_database(
    uninitialised: Gateway,
) -> None:
    gw = uninitialised
    out = gw.cli("init", "--db", gw.db_url, "--console-password", "first-secret").stdout
    assert PRINTED.findall(out) == []  # a password given is not echoed
    assert "first-secret" not in out
    gw.start()
    assert can_sign_in(gw, "admin", "first-secret")
    gw.cli("init", "--db", gw.db_url, "--console-password", "second-secret")
    assert not can_sign_in(gw, "admin", "first-secret")
    assert can_sign_in(gw, "admin", "second-secret")


def test_console_user_add_and_passwd(gateway: Gateway) -> None:
    merchant = gateway.add_merchant()
    name = f"ops-{free_port()}"
    out = gateway.cli("console-user", "add", name).stdout
    assert f"console user {name} added (operator)" in out
    generated = re.search(r"^password: (\S+)$", out, re.MULTILINE)
    assert generated is not None
    assert can_sign_in(gateway, name, generated.group(1))

    shop_user = f"shop-{free_port()}"
    out = gateway.cli(
        "console-user",
        "add",
        shop_user,
        "--partner-id",
        merchant.partner_id,
        "--password",
        "shop-pass-1",
    ).stdout
    assert f"merchant user of {merchant.partner_id}" in out
    assert "shop-pass-1" not in out
    assert can_sign_in(gateway, shop_user, "shop-pass-1")

    gateway.cli("console-user", "passwd", shop_user, "--password", "shop-pass-2")
    assert not can_sign_in(gateway, shop_user, "shop-pass-1")
    assert can_sign_in(gateway, shop_user, "shop-pass-2")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "admin", "--password", "long-enough"], "already exists"),
        (["add", "x-short-pw", "--password", "short"], "at least 8"),
        (["add", "bad name", "--password", "long-enough"], "a username is"),
        (["add", "orphan", "--partner-id", "299999999999"], "no merchant with partner id"),
        (["passwd", "nobody-at-all", "--password", "long-enough"], "no console user"),
    ],
)
def test_console_user_refusals_are_one_line(
    gateway: Gateway, args: list[str], message: str
) -> None:
    result = gateway.cli("console-user", *args, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
