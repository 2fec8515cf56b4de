"""member/getBalance over HTTP (9_Member/get-balance.mdx): the request sample, the
documented response fields and codes, and a balance that follows the ledger to the fils
through payment, refunds before and after settlement, and settlement.

The gateway is this module's own: settling (`/sandbox/api/settle`) settles every paid
order, which must not reach the shared gateway's other tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.cli.common import run_db
from botimpay.clock import Clock
from botimpay.services.merchants import MerchantService
from botimpay.services.setup import initialise
from botimpay.store import ledger_repo
from botimpay.store.database import Database
from botimpay.store.merchants_repo import MerchantRecord
from botimpay.web.schemas_member import GetBalanceResponse
from tests.conftest import _fresh_database
from tests.harness import (
    Gateway,
    Merchant,
    assert_invalid,
    assert_refused,
    dumps,
    free_port,
    loads_exact,
    new_key,
    now_ms,
    public_pem,
)
from tests.refunds import aed, assert_ledger_ok, fee_of, paid_order, refund_ok, settle_all

BALANCE = "member/getBalance"
SAMPLE = {"currencyCode": "AED"}  # the page's request sample, verbatim
PENDING = "MERCHANT_PENDING"
AVAILABLE = "MERCHANT_AVAILABLE"


@dataclass(frozen=True)
class Books:
    gateway: Gateway
    shop: Merchant


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Books]:
    """A sandbox of this module's own with one merchant, set up in process (as `init`
    and `merchant add` do it, without their seconds of CLI start-up each)."""
    where = tmp_path_factory.mktemp("member-balance")
    databases = _fresh_database(backend_url, where)
    url = next(databases)
    key = new_key()
    partner_id = str(200000000000 + uuid.uuid4().int % 99999999999)

    async def set_up(db: Database) -> MerchantRecord:
        await initialise(db, Clock(), sandbox=True, key_dir=where / "keys")
        return await MerchantService(db, Clock()).add(
            partner_id=partner_id, name="Balance shop", public_key=public_pem(key)
        )

    record = run_db(url, set_up)
    gateway_key = serialization.load_pem_public_key(record.gateway_public_key.encode())
    assert isinstance(gateway_key, rsa.RSAPublicKey)
    gateway = Gateway(db_url=url, port=free_port(), workdir=where)
    gateway.start()
    try:
        yield Books(gateway, Merchant(partner_id, key, gateway_key, gateway.base_url))
    finally:
        gateway.stop()
        for _ in databases:  # drops a PostgreSQL database
            pass


def ledger(gateway: Gateway, kind: str, partner_id: str) -> Decimal:
    """The account's balance as `botimpay ledger balances` reads it (the same store
    function, in process: a CLI run costs seconds); an unused account is 0."""

    async def read(db: Database) -> list[ledger_repo.AccountBalance]:
        async with db.read() as conn:
            return await ledger_repo.all_balances(conn)

    for row in run_db(gateway.db_url, read):
        if (row.account.kind.value, row.account.owner_id) == (kind, partner_id):
            return row.balance.amount
    return Decimal("0.00")


def balance_of(shop: Merchant) -> Decimal:
    """getBalance with the page's sample; checks the answer has exactly the documented
    fields and returns availableBalance, read exactly."""
    body = dumps({"bizContent": SAMPLE, "requestTime": now_ms()})  # the sample's key order
    response = shop.post_raw(BALANCE, body)
    assert response.signature_valid is True, response.raw
    response.assert_ok()
    answer = loads_exact(response.raw)
    GetBalanceResponse.model_validate(answer)  # extra="forbid": nothing undocumented
    assert set(answer["body"]) == {"balanceList", "memberId"}, answer
    assert answer["body"]["memberId"] == shop.partner_id
    [entry] = answer["body"]["balanceList"]
    assert set(entry) == {"availableBalance"}, entry
    amount = entry["availableBalance"]["amount"]
    assert isinstance(amount, (int, Decimal)), entry  # a JSON number, never a string
    assert not isinstance(amount, bool), entry
    return aed(entry["availableBalance"])


def test_balance_follows_the_ledger_to_the_fils(books: Books) -> None:
    gateway, shop = books.gateway, books.shop
    assert balance_of(shop) == Decimal("0.00") == ledger(gateway, AVAILABLE, shop.partner_id)

    # paid: the net sits in pending, awaiting settlement; nothing is available yet
    order = paid_order(gateway, shop, "100.00", wallet=1)
    net = Decimal("100.00") - fee_of("100.00")  # 99.70
    assert ledger(gateway, PENDING, shop.partner_id) == net
    assert balance_of(shop) == Decimal("0.00") == ledger(gateway, AVAILABLE, shop.partner_id)

    # a refund before settlement comes out of pending (fee share 0.30 * 10 / 100)
    refund_ok(shop, order, "10.00")
    assert ledger(gateway, PENDING, shop.partner_id) == net - Decimal("9.97")
    assert balance_of(shop) == Decimal("0.00")

    # settlement makes it available
    assert settle_all(gateway) == 1
    available = net - Decimal("9.97")  # 89.73
    assert ledger(gateway, PENDING, shop.partner_id) == Decimal("0.00")
    assert balance_of(shop) == available == ledger(gateway, AVAILABLE, shop.partner_id)

    # a refund after settlement comes out of available (fee share 0.06)
    refund_ok(shop, order, "20.00")
    available -= Decimal("19.94")  # 69.79
    assert balance_of(shop) == available == ledger(gateway, AVAILABLE, shop.partner_id)

    # an odd amount, paid and settled: fee 0.09999 rounds to 0.10
    paid_order(gateway, shop, "33.33", wallet=2)
    assert balance_of(shop) == available
    assert settle_all(gateway) == 1
    available += Decimal("33.33") - fee_of("33.33")  # 103.02
    assert available == Decimal("103.02")
    assert balance_of(shop) == available == ledger(gateway, AVAILABLE, shop.partner_id)

    assert gateway.ledger_balances()[(AVAILABLE, shop.partner_id)] == available  # the CLI
    assert "ledger OK" in assert_ledger_ok(gateway)


def test_documented_codes(books: Books) -> None:
    shop = books.shop
    for currency in ("USD", "aed", "AED "):
        refused = shop.call(BALANCE, {"currencyCode": currency})
        assert_refused(refused, "78001", "CURRENCY_CODE_NOT_SUPPORTED")
    for biz in ({}, {"currencyCode": ""}, {"currencyCode": 784}, {"currencyCode": None}):
        assert_invalid(shop.call(BALANCE, biz), "bizContent.currencyCode")
    assert_invalid(shop.call(BALANCE, {"currencyCode": "A" * 33}), "bizContent.currencyCode")
    mocked = shop.call(BALANCE, SAMPLE, headers={"Botimpay-Mock-Response": '{"fault":"78001"}'})
    assert_refused(mocked, "78001", "CURRENCY_CODE_NOT_SUPPORTED")  # a sandbox fault, too
    # unknown fields are accepted, as everywhere in the API
    shop.call(BALANCE, {**SAMPLE, "accountType": "BASIC"}).assert_ok()
    early = shop.call(BALANCE, SAMPLE, request_time=now_ms() - 16 * 60_000)
    assert (early.apply_status, early.code) == ("FAIL", "400"), early.json
    assert early.msg.startswith("REQUESTTIME_TOO_EARLY"), early.msg
