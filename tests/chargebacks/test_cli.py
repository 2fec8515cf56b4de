"""`botimpay sandbox chargeback` and `botimpay sandbox void`: the same service as the
HTTP helpers, refusals in one line naming the argument, production databases refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from click.testing import CliRunner
from sqlalchemy import delete, insert, select

from botimpay.cli import main
from botimpay.store.database import Database
from botimpay.store.tables import chargebacks
from tests.chargebacks.test_chargebacks import _in_db, assert_ledger_ok, paid
from tests.harness import Gateway, Merchant, rsa_verify
from tests.notify.receiver import Receiver

Make = Callable[..., Receiver]
Fresh = Callable[..., Gateway]


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(gateway: Gateway, *args: str, check: bool = True) -> Ran:
    """`botimpay ARGS` on the gateway's database, in this process (a subprocess costs
    seconds of interpreter start on a busy machine); the same click group and exits."""
    result = CliRunner().invoke(main, list(args), env={"BOTIMPAY_DB": gateway.db_url})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    assert not check or ran.returncode == 0, ran
    return ran


def test_the_cli_charges_back_voids_and_the_gateway_delivers(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "30.00")
    rx.wait_for(1)
    done = cli(cb_gateway, "sandbox", "chargeback", order_no, "12.50", "--case-type", "FRAUD")
    assert "chargeback SUCCESS: 12.50 AED" in done.stdout, done.stdout
    [_, got] = rx.wait_for(2)
    assert rsa_verify(cb_merchant.gateway_public_key, got.body, got.headers["sign"])
    item = got.json()["acquireChargeback"]
    assert (item["chargebackAmount"]["amount"], item["caseType"]) == (Decimal("12.5"), "FRAUD")

    over = cli(cb_gateway, "sandbox", "chargeback", order_no, "17.51", check=False)
    assert over.returncode == 2, over.stdout + over.stderr
    assert "17.51" in over.stderr, over.stderr
    assert "17.50 AED left" in over.stderr, over.stderr
    bad = cli(cb_gateway, "sandbox", "chargeback", order_no, "1.005", check=False)
    assert bad.returncode == 2, bad.stderr
    assert "AMOUNT" in bad.stderr, bad.stderr

    full = json.loads(cli(cb_gateway, "sandbox", "chargeback", order_no, "full", "--json").stdout)
    assert full["acquireChargeback"]["chargebackAmount"]["amount"] == 17.5
    assert_ledger_ok(cb_gateway)

    other, _ = paid(cb_gateway, cb_merchant, rx.url, "4.00")
    voided = json.loads(
        cli(cb_gateway, "sandbox", "void", other, "--void-no", "VX1", "--json").stdout
    )
    assert voided["voidOrder"]["voidMerchantOrderNo"] == "VX1"
    assert voided["voidOrder"]["status"] == "SUCCESS"
    assert voided["notifyId"]
    assert_ledger_ok(cb_gateway)


def test_the_ledger_check_sees_a_chargeback_without_its_row(
    cb_gateway: Gateway, cb_merchant: Merchant, receiver: Make
) -> None:
    """Not vacuous: the reconciliation counts chargeback rows against the order."""
    rx = receiver()
    order_no, _ = paid(cb_gateway, cb_merchant, rx.url, "6.00")
    cli(cb_gateway, "sandbox", "chargeback", order_no, "1")
    assert_ledger_ok(cb_gateway)

    async def drop_row(db: Database) -> dict[str, Any]:
        async with db.write() as conn:
            where = chargebacks.c.order_no == order_no
            row = dict((await conn.execute(select(chargebacks).where(where))).one()._mapping)
            await conn.execute(delete(chargebacks).where(where))
        return row

    async def put_back(db: Database) -> None:
        async with db.write() as conn:
            await conn.execute(insert(chargebacks).values(**row))

    row = _in_db(cb_gateway, drop_row)
    try:
        checked = cli(cb_gateway, "ledger", "check", check=False)
        assert checked.returncode != 0, checked.stdout
        assert order_no in checked.stdout + checked.stderr
    finally:
        _in_db(cb_gateway, put_back)
    assert_ledger_ok(cb_gateway)


def test_a_production_database_refuses_both_commands(fresh_gateway: Fresh) -> None:
    gateway = fresh_gateway("--mode", "production", start=False)
    for args in (["chargeback", "123", "1.00"], ["void", "123"]):
        refused = cli(gateway, "sandbox", *args, check=False)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "sandbox feature" in refused.stderr, refused.stderr
