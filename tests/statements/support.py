"""Shared by the statement tests: a sandbox gateway of its own with one merchant, its
business clock moved to a statement day, the signed download, and the ZIP read back
with the csv module."""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay.cli.common import run_db
from botimpay.clock import Clock
from botimpay.domain.query_pages import GULF, day_start_ms
from botimpay.services.merchants import MerchantService
from botimpay.services.setup import initialise
from botimpay.store.database import Database
from botimpay.store.merchants_repo import MerchantRecord
from tests.conftest import _fresh_database
from tests.harness import (
    Gateway,
    Merchant,
    dumps,
    free_port,
    new_key,
    now_ms,
    public_pem,
    rsa_sign,
    rsa_verify,
)

PATH = "acquire2/download/getOrderStatement"
HOUR_S = 3600


@dataclass
class Answer:
    """One HTTP exchange: the raw answer, its headers and whether `sign` verifies."""

    status: int
    content: bytes
    headers: httpx.Headers
    signed: bool

    @property
    def envelope(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.content)
        return loaded

    def code(self) -> tuple[str, str]:
        head = self.envelope["head"]
        return head["applyStatus"], head["code"]


@dataclass
class Day:
    """The module's gateway, its merchant, and what happened on the statement day."""

    gateway: Gateway
    shop: Merchant
    day: date
    paid: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    unpaid: str = ""
    offset: int = 0  # the business clock's offset (ms)


def move(gateway: Gateway, ms: int) -> int:
    """Moves business time forward at least `ms`; returns the clock's offset."""
    answer = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance",
        json={"seconds": math.ceil(ms / 1000)},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["offsetMs"])


def post(shop: Merchant, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    all_headers = {
        "Content-Type": "application/json",
        "Partner-Id": shop.partner_id,
        "sign": rsa_sign(shop.private_key, body),
        **(headers or {}),
    }
    response = shop.http.post(shop.base_url + "/sgs/api/" + PATH, content=body, headers=all_headers)
    signature = response.headers.get("sign")
    signed = signature is not None and rsa_verify(
        shop.gateway_public_key, response.content, signature
    )
    return Answer(response.status_code, response.content, response.headers, signed)


def download(shop: Merchant, biz: dict[str, Any], **headers: str) -> Answer:
    return post(shop, dumps({"bizContent": biz, "requestTime": now_ms()}), headers)


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def refused(answer: Answer, status: str, code: str, *words: str) -> str:
    """The signed JSON envelope with `code` and no body; returns its msg."""
    assert answer.status == 200, answer.content
    assert answer.headers["content-type"] == "application/json; charset=UTF-8"
    assert answer.signed, answer.headers
    assert answer.code() == (status, code), answer.envelope
    assert "body" not in answer.envelope
    msg: str = answer.envelope["head"]["msg"]
    for word in words:
        assert word in msg, msg
    return msg


@dataclass
class Csv:
    """One statement file read back: its leading lines and its detail rows by column."""

    preamble: list[list[str]]
    header: list[str]
    rows: list[dict[str, str]]


def read_csv(content: bytes, preamble: int) -> Csv:
    lines = list(csv.reader(io.StringIO(content.decode("utf-8"), newline=""), delimiter="|"))
    header = lines[preamble]
    rows = [dict(zip(header, line, strict=True)) for line in lines[preamble + 1 :]]
    return Csv(lines[:preamble], header, rows)


def summary(found: Csv) -> dict[str, str]:
    return dict(item.split(":", 1) for item in found.preamble[0])


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def names(partner_id: str, day: date, count: tuple[int, int, int] = (1, 1, 1)) -> list[str]:
    end = (day + timedelta(days=1)).strftime("%d%m%Y")
    purchase, settle, fund = count
    return [
        *(f"Purchase_Statement_{end}_{n:03d}.csv" for n in range(1, purchase + 1)),
        *(f"Purchase_Settle_Statement_{end}_{n:03d}.csv" for n in range(1, settle + 1)),
        *(f"{partner_id}_{ymd(day)}_fund_statement_{n:03d}.csv" for n in range(1, fund + 1)),
    ]


def money(text: str) -> Decimal:
    return Decimal(text.removeprefix("AED ").removesuffix(" success"))


def ledger_of(books: Day) -> dict[str, Decimal]:
    found = books.gateway.ledger_balances()
    return {
        kind: found.get((kind, books.shop.partner_id), Decimal("0.00"))
        for kind in ("MERCHANT_PENDING", "MERCHANT_AVAILABLE")
    }


def available_balance(shop: Merchant) -> Decimal:
    body = dumps({"bizContent": {"currencyCode": "AED"}, "requestTime": now_ms()})
    response = shop.http.post(
        shop.base_url + "/sgs/api/member/getBalance",
        content=body,
        headers={"Partner-Id": shop.partner_id, "sign": rsa_sign(shop.private_key, body)},
    )
    [entry] = json.loads(response.content, parse_float=Decimal)["body"]["balanceList"]
    return Decimal(str(entry["availableBalance"]["amount"]))


@contextmanager
def statement_day(where: Path, backend_url: str | None, name: str) -> Iterator[Day]:
    """A sandbox gateway on a database of its own with one merchant named `name`,
    business time moved to 10:00 UAE on tomorrow, the statement day."""
    databases = _fresh_database(backend_url, where)
    url = next(databases)
    key = new_key()
    partner_id = str(200000000000 + uuid.uuid4().int % 99999999999)

    async def set_up(db: Database) -> MerchantRecord:
        await initialise(db, Clock(), sandbox=True, key_dir=where / "keys")
        return await MerchantService(db, Clock()).add(
            partner_id=partner_id, name=name, public_key=public_pem(key)
        )

    record = run_db(url, set_up)
    gateway_key = serialization.load_pem_public_key(record.gateway_public_key.encode())
    assert isinstance(gateway_key, rsa.RSAPublicKey)
    gateway = Gateway(db_url=url, port=free_port(), workdir=where)
    gateway.start()
    try:
        shop = Merchant(partner_id, key, gateway_key, gateway.base_url)
        today = datetime.fromtimestamp(now_ms() / 1000, GULF).date()
        books = Day(gateway, shop, today + timedelta(days=1))
        books.offset = move(gateway, day_start_ms(books.day) + 10 * HOUR_S * 1000 - now_ms())
        yield books
    finally:
        gateway.stop()
        for _ in databases:  # drops a PostgreSQL database
            pass


def past_cutoff(books: Day) -> Day:
    """Business time moved to one minute past the statement's availability (D+1 00:10)."""
    ready = day_start_ms(books.day + timedelta(days=1)) + 11 * 60_000
    books.offset = move(books.gateway, ready - (now_ms() + books.offset))
    return books
