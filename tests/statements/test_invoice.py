"""acquire2/download/getInvoice over HTTP (8_Reconciliation/invoice-download.mdx): the
request sample, every documented code, and a PDF whose fee lines, VAT and total are the
ledger's fee postings of the month to the fils.

The gateway is this module's own: the scenario moves business time across two month
ends (payments and refunds in month M, more in M+1, nothing in M+2), which must not
reach the shared gateway's other tests.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pypdf import PdfReader

from botimpay.cli.common import run_db
from botimpay.clock import Clock
from botimpay.domain.invoice import BillingMonth, FeeSum, build_invoice
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import Money
from botimpay.services.merchants import MerchantService
from botimpay.services.setup import initialise
from botimpay.store import ledger_repo
from botimpay.store.database import Database
from botimpay.store.merchants_repo import MerchantRecord
from tests.conftest import _fresh_database
from tests.harness import Gateway, Merchant, dumps, free_port, new_key, now_ms, public_pem, rsa_sign
from tests.harness import rsa_verify as verify
from tests.refunds import paid_order, refund_ok, revoke

INVOICE = "acquire2/download/getInvoice"
GULF = timezone(timedelta(hours=4))
CENT = Decimal("0.01")
# The page's "Request Sample", Http Body, verbatim. Clients send the object inside "body"
# ({"bizContent", "requestTime"}, as on every other endpoint): test_request_sample does.
SAMPLE_TEXT = """{
    "body": {
        "bizContent": {
            "statementDate": "202603"
        },
        "requestTime": 1585142880000
    }
}"""
SAMPLE_TIME = "1585142880000"


# --- months, independently of the gateway's code -----------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, ms: int) -> Month:
        moment = datetime.fromtimestamp(ms / 1000, GULF)
        return cls(moment.year, moment.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def code(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    @property
    def start_ms(self) -> int:
        return int(datetime(self.year, self.month, 1, tzinfo=GULF).timestamp() * 1000)

    @property
    def label(self) -> str:
        return datetime(self.year, self.month, 1).strftime("%B %Y")


# --- the module's gateway and scenario -----------------------------------------------


@dataclass
class Books:
    gateway: Gateway
    shop: Merchant  # onboarded now; pays and refunds across two months
    quiet: Merchant  # onboarded now; never paid
    old: Merchant  # onboarded in February 2026 (before the page's sample month)
    month: Month  # M: the shop's first payments
    orders: list[str]  # the shop's order numbers
    onboarded: Month


class Backdated(Clock):
    """A clock whose real time is mid-February 2026 (for a merchant onboarded then)."""

    def real_ms(self) -> int:
        return int(datetime(2026, 2, 15, 12, tzinfo=GULF).timestamp() * 1000)


def _merchant(url: str, name: str, clock: Clock) -> tuple[str, rsa.RSAPrivateKey, MerchantRecord]:
    key = new_key()
    partner_id = str(200000000000 + uuid.uuid4().int % 99999999999)

    async def add(db: Database) -> MerchantRecord:
        return await MerchantService(db, clock).add(
            partner_id=partner_id, name=name, public_key=public_pem(key)
        )

    return partner_id, key, run_db(url, add)


def _client(partner_id: str, key: rsa.RSAPrivateKey, record: MerchantRecord, base: str) -> Merchant:
    gateway_key = serialization.load_pem_public_key(record.gateway_public_key.encode())
    assert isinstance(gateway_key, rsa.RSAPublicKey)
    return Merchant(partner_id, key, gateway_key, base)


def _advance_to(gateway: Gateway, month: Month, business_now: int) -> int:
    """Moves business time to an hour into `month`; returns the new business now."""
    seconds = (month.start_ms - business_now) // 1000 + 3600
    response = httpx.post(
        gateway.base_url + "/sandbox/api/clock/advance", json={"seconds": seconds}, timeout=60
    )
    assert response.status_code == 200, response.text
    now = int(response.json()["now"])
    assert Month.of(now) == month
    return now


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Books]:
    where = tmp_path_factory.mktemp("invoice")
    databases = _fresh_database(backend_url, where)
    url = next(databases)
    run_db(url, lambda db: initialise(db, Clock(), sandbox=True, key_dir=where / "keys"))
    shop = _merchant(url, "Invoice shop <&> L.L.C", Clock())
    quiet = _merchant(url, "Quiet shop", Clock())
    old = _merchant(url, "Old shop", Backdated())
    gateway = Gateway(db_url=url, port=free_port(), workdir=where)
    gateway.start()
    try:
        base = gateway.base_url
        books = Books(
            gateway,
            _client(*shop, base),
            _client(*quiet, base),
            _client(*old, base),
            Month.of(now_ms()),
            [],
            Month.of(now_ms()),
        )
        _scenario(books)
        yield books
    finally:
        gateway.stop()
        for _ in databases:  # drops a PostgreSQL database
            pass


def _scenario(books: Books) -> None:
    """Month M: payments of 100.00, 33.33 and 250.00 (fees 0.30, 0.10, 0.75), a refund
    of 40.00 of the first (fee share 0.12), the third revoked (its whole fee back).
    Month M+1: a payment of 1,000.00 (fee 3.00) and the second refunded whole (its fee
    0.10 back, on M+1's invoice). Month M+2: nothing. Business time ends in M+3."""
    gateway, shop = books.gateway, books.shop
    first = paid_order(gateway, shop, "100.00", wallet=1)
    second = paid_order(gateway, shop, "33.33", wallet=2)
    third = paid_order(gateway, shop, "250.00", wallet=3)
    refund_ok(shop, first, "40.00")
    revoke(shop, third["orderNo"]).assert_ok()
    books.month = Month.of(_payment_time(gateway, first["orderNo"]))
    now = _advance_to(gateway, books.month.plus(1), now_ms())
    fourth = paid_order(gateway, shop, "1000.00", wallet=1)
    refund_ok(shop, second, "33.33")
    _advance_to(gateway, books.month.plus(3), now)
    books.orders = [order["orderNo"] for order in (first, second, third, fourth)]


def _entries(gateway: Gateway, order_no: str) -> list[ledger_repo.RecordedEntry]:
    async def read(db: Database) -> list[ledger_repo.RecordedEntry]:
        async with db.read() as conn:
            return await ledger_repo.entries_of_order(conn, order_no)

    return run_db(gateway.db_url, read)


def _payment_time(gateway: Gateway, order_no: str) -> int:
    [payment] = [e for e in _entries(gateway, order_no) if e.kind == "PAYMENT"]
    return payment.created_at


def ledger_fees(books: Books, month: Month) -> dict[str, list[Decimal]]:
    """The FEE_INCOME legs of the shop's orders' entries dated in `month`, by entry kind,
    read entry by entry (ledger_repo.entries_of_order, not the invoice's query)."""
    found: dict[str, list[Decimal]] = {}
    for order_no in books.orders:
        for entry in _entries(books.gateway, order_no):
            if not month.start_ms <= entry.created_at < month.plus(1).start_ms:
                continue
            for account, amount in entry.postings:
                if account.kind.value == "FEE_INCOME":
                    found.setdefault(entry.kind, []).append(amount.amount)
    return found


# --- the client side: a signed request, a raw answer ----------------------------------


@dataclass
class Answer:
    response: httpx.Response

    @property
    def is_pdf(self) -> bool:
        return self.response.headers.get("content-type") == "application/pdf"

    @property
    def head(self) -> dict[str, Any]:
        assert not self.is_pdf, "a PDF, not the envelope"
        assert self.response.headers["content-type"] == "application/json; charset=UTF-8"
        envelope: dict[str, Any] = json.loads(self.response.content)
        assert set(envelope) == {"head"}, envelope  # never a body with a refusal
        head: dict[str, Any] = envelope["head"]
        return head


def post(merchant: Merchant, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    """POSTs `body` signed by the merchant; the answer is HTTP 200 and signed by the
    gateway (the PDF's bytes as much as an envelope's)."""
    response = merchant.http.post(
        merchant.base_url + "/sgs/api/" + INVOICE,
        content=body,
        headers={
            "Content-Type": "application/json",
            "Partner-Id": merchant.partner_id,
            "sign": rsa_sign(merchant.private_key, body),
            **(headers or {}),
        },
    )
    assert response.status_code == 200, response.content[:300]
    assert verify(merchant.gateway_public_key, response.content, response.headers["sign"])
    return Answer(response)


def invoice(merchant: Merchant, biz: dict[str, Any], request_time: int | None = None) -> Answer:
    return post(merchant, dumps({"bizContent": biz, "requestTime": request_time or now_ms()}))


def refused(answer: Answer, code: str, msg: str, *names: str) -> str:
    head = answer.head
    status = "SUCCESS" if len(code) > 3 else "FAIL"
    assert (head["applyStatus"], head["code"]) == (status, code), head
    assert head["msg"].startswith(msg), head
    for name in names:
        assert name in head["msg"], (name, head)
    return str(head["msg"])


def pdf_text(answer: Answer, merchant: Merchant, month: Month) -> str:
    """The PDF's headers as the page names them and its text (one page, opened by pypdf)."""
    assert answer.is_pdf, answer.response.content[:300]
    name = f"{merchant.partner_id}_{month.code}_invoice.pdf"  # PartnerId_yyyyMM_invoice.pdf
    assert answer.response.headers["content-disposition"] == f"attachment; filename={name}"
    content = answer.response.content
    assert content.startswith(b"%PDF-")
    assert len(content) == int(answer.response.headers["content-length"])
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return "\n".join(page.extract_text() for page in reader.pages)


def amounts_after(text: str, label: str) -> list[Decimal]:
    """The amounts on `label`'s row of the PDF text (pypdf gives each cell a line)."""
    lines = text.splitlines()
    start = lines.index(label)
    found: list[Decimal] = []
    for line in lines[start + 1 :]:
        if not re.fullmatch(r"-?[0-9,]+(\.[0-9]{2})?", line):
            break
        found.append(Decimal(line.replace(",", "")))
    return found


def split(total: Decimal) -> tuple[Decimal, Decimal]:
    """(before VAT, VAT) of a VAT-inclusive fee: fee / 1.05 half-up, VAT the rest."""
    before = (total / Decimal("1.05")).quantize(CENT, rounding=ROUND_HALF_UP)
    return before, total - before


# --- the tests --------------------------------------------------------------------------


PAYMENTS, REFUNDS = "Payment fees", "Fees returned on refunds"


@pytest.mark.parametrize(
    ("months", "lines"),
    [
        # M: fees 0.30 + 0.10 + 0.75; returned 0.12 (40.00 of 100.00) and 0.75 (revoke)
        (0, {"PAYMENT": (PAYMENTS, 3, "1.15"), "REFUND": (REFUNDS, 2, "-0.87")}),
        # M+1: the fee of 1,000.00, and 33.33's fee returned by its refund in M+1
        (1, {"PAYMENT": (PAYMENTS, 1, "3.00"), "REFUND": (REFUNDS, 1, "-0.10")}),
    ],
)
def test_invoice_is_the_months_fee_postings(
    books: Books, months: int, lines: dict[str, tuple[str, int, str]]
) -> None:
    month = books.month.plus(months)
    answer = invoice(books.shop, {"statementDate": month.code})
    text = pdf_text(answer, books.shop, month)
    assert "Invoice shop <&> L.L.C" in text
    assert books.shop.partner_id in text
    assert f"{month.label} ({month.code})" in text

    ledger = ledger_fees(books, month)
    assert {kind: len(legs) for kind, legs in ledger.items()} == {
        kind: count for kind, (_, count, _) in lines.items()
    }
    before_total = vat_total = Decimal("0.00")
    for kind, (label, count, amount) in lines.items():
        assert sum(ledger[kind]) == Decimal(amount)  # the scenario is what the ledger says
        before, vat = split(Decimal(amount))
        assert amounts_after(text, label) == [Decimal(count), before, vat, Decimal(amount)]
        before_total += before
        vat_total += vat
    assert "VAT 5%" in text
    assert amounts_after(text, "Total before VAT (AED)") == [before_total]
    assert amounts_after(text, "VAT 5% (AED)") == [vat_total]
    # the total is the ledger's fee sum for the month, to the fils
    total = sum((sum(legs) for legs in ledger.values()), Decimal("0.00"))
    assert amounts_after(text, "Total fees (AED)") == [total]
    assert before_total + vat_total == total


def test_refund_fee_return_reduces_the_invoice(books: Books) -> None:
    """A refund returns its fee share on the invoice of the month it is made in: M's
    0.12 and 0.75 come off M's fees (1.15 - 0.87), and the refund in M+1 of a payment
    of M comes off M+1's (3.00 - 0.10), while M keeps that payment's whole fee."""
    month, later = books.month, books.month.plus(1)
    text = pdf_text(invoice(books.shop, {"statementDate": month.code}), books.shop, month)
    assert amounts_after(text, "Total fees (AED)") == [Decimal("0.28")]
    text = pdf_text(invoice(books.shop, {"statementDate": later.code}), books.shop, later)
    assert amounts_after(text, "Total fees (AED)") == [Decimal("2.90")]
    assert amounts_after(text, REFUNDS)[-1] == Decimal("-0.10")


def test_same_ledger_same_bytes(books: Books) -> None:
    """needEvictCache and businessType MERCHANT change nothing: the PDF is rendered from
    the ledger each time, byte for byte the same."""
    month = books.month.code
    plain = invoice(books.shop, {"statementDate": month})
    again = invoice(
        books.shop, {"statementDate": month, "needEvictCache": "true", "businessType": "MERCHANT"}
    )
    other = invoice(books.shop, {"statementDate": month, "needEvictCache": "no", "extra": 1})
    assert plain.is_pdf
    assert plain.response.content == again.response.content == other.response.content


def test_request_sample(books: Books) -> None:
    """The page's sample: its requestTime (2020) is outside the 15-minute window; sent
    now, March 2026 is before the shop's onboarding month, and for a merchant onboarded
    in February 2026 it is a month without fees: the page's failure sample, 62013."""
    inner = json.loads(SAMPLE_TEXT)["body"]  # what a client sends: bizContent, requestTime
    assert list(inner) == ["bizContent", "requestTime"]
    sample = dumps(inner).decode()
    stale = post(books.old, sample.encode())
    refused(stale, "400", "REQUESTTIME_TOO_EARLY", "requestTime")
    fresh = sample.replace(SAMPLE_TIME, str(now_ms())).encode()
    head = post(books.old, fresh).head
    assert (head["applyStatus"], head["code"], head["msg"].split(":")[0]) == (
        "SUCCESS",
        "62013",
        "STATEMENT_NOT_EXIST",
    )
    refused(post(books.shop, fresh), "400", "REQUESTTIME_TOO_EARLY", "bizContent.statementDate")


def test_month_rules(books: Books) -> None:
    shop, onboarded, current = books.shop, books.onboarded, books.month.plus(3)
    # earlier than the onboarding month: 400 REQUESTTIME_TOO_EARLY
    for month in (onboarded.plus(-1), Month(1970, 1)):
        answer = invoice(shop, {"statementDate": month.code})
        refused(answer, "400", "REQUESTTIME_TOO_EARLY", "bizContent.statementDate")
    # the current month (business time, moved on to M+3) or later: REQUESTTIME_TOO_LATER
    for month in (current, current.plus(1), Month(9999, 12)):
        answer = invoice(shop, {"statementDate": month.code})
        refused(answer, "400", "REQUESTTIME_TOO_LATER", "bizContent.statementDate")
    # a closed month without a fee posting: 62013 STATEMENT_NOT_EXIST
    for merchant, month in ((shop, books.month.plus(2)), (books.quiet, books.month)):
        answer = invoice(merchant, {"statementDate": month.code})
        refused(answer, "62013", "STATEMENT_NOT_EXIST", "bizContent.statementDate")
    # a business type the merchant is not registered for has no invoice either
    for kind in ("TAXI", "MULTI_MERCHANT"):
        answer = invoice(shop, {"statementDate": books.month.code, "businessType": kind})
        refused(answer, "62013", "STATEMENT_NOT_EXIST", "bizContent.businessType")


@pytest.mark.parametrize(
    ("biz", "field"),
    [
        ({}, "bizContent.statementDate"),
        ({"statementDate": None}, "bizContent.statementDate"),
        ({"statementDate": ""}, "bizContent.statementDate"),
        ({"statementDate": 202603}, "bizContent.statementDate"),
        ({"statementDate": "2026-03"}, "bizContent.statementDate"),
        ({"statementDate": "20260301"}, "bizContent.statementDate"),  # at most 6
        ({"statementDate": "202613"}, "bizContent.statementDate"),
        ({"statementDate": "202600"}, "bizContent.statementDate"),
        ({"statementDate": "２０２６03"}, "bizContent.statementDate"),
        ({"statementDate": "202603", "businessType": "taxi"}, "bizContent.businessType"),
        ({"statementDate": "202603", "businessType": 1}, "bizContent.businessType"),
        ({"statementDate": "202603", "needEvictCache": 1}, "bizContent.needEvictCache"),
        ({"statementDate": "202603", "needEvictCache": {}}, "bizContent.needEvictCache"),
    ],
)
def test_invalid_parameter_names_the_field(books: Books, biz: dict[str, Any], field: str) -> None:
    refused(invoice(books.shop, biz), "400", "INVALID_PARAMETER", field)


def test_documented_global_codes(books: Books) -> None:
    shop, month = books.shop, books.month.code
    ahead = invoice(shop, {"statementDate": month}, request_time=now_ms() + 16 * 60_000)
    refused(ahead, "400", "REQUESTTIME_TOO_LATER", "requestTime")
    # a bad signature: 403 UNAUTHORIZED (applyStatus ERROR), still signed by the gateway
    body = dumps({"bizContent": {"statementDate": month}, "requestTime": now_ms()})
    forged = shop.http.post(
        shop.base_url + "/sgs/api/" + INVOICE,
        content=body,
        headers={"Partner-Id": shop.partner_id, "sign": rsa_sign(new_key(), body)},
    )
    head = Answer(forged).head
    assert (head["applyStatus"], head["code"]) == ("ERROR", "403"), head
    assert verify(shop.gateway_public_key, forged.content, forged.headers["sign"])
    # the sandbox's faults answer this operation too, with any documented code
    for fault, code, msg in (
        ("62013", "62013", "STATEMENT_NOT_EXIST"),
        ("SYSTEM_ERROR", "500", "SYSTEM_ERROR"),
        ("RISK_FAIL", "601", "RISK_FAIL"),
    ):
        mocked = post(
            shop,
            dumps({"bizContent": {"statementDate": month}, "requestTime": now_ms()}),
            headers={"Botimpay-Mock-Response": json.dumps({"fault": fault})},
        )
        refused(mocked, code, msg)


# --- the domain's month and VAT rules, without the gateway ----------------------------


def test_uae_month_boundaries() -> None:
    """A UAE month starts at 00:00 UTC+4: 20:00 UTC on the last day is the next month."""
    utc = UTC
    march = BillingMonth.parse("202603")
    assert march == BillingMonth(2026, 3)
    assert march.start_ms == int(datetime(2026, 2, 28, 20, tzinfo=utc).timestamp() * 1000)
    assert march.end_ms == int(datetime(2026, 3, 31, 20, tzinfo=utc).timestamp() * 1000)
    assert BillingMonth.of(march.end_ms - 1) == march
    assert BillingMonth.of(march.end_ms) == BillingMonth(2026, 4)
    assert BillingMonth(2026, 12).next() == BillingMonth(2027, 1)
    for text in ("202600", "202613", "196912", "2026-3", "２０２６03", "2026031"):
        assert BillingMonth.parse(text) is None, text


def test_lines_split_vat_and_add_up() -> None:
    """Each line is split as fee_vat splits a fee (fee / 1.05 half-up, VAT the rest),
    negative lines too; the totals are the lines' sums; no fee posting, no invoice."""
    month = BillingMonth(2026, 3)
    sums = [FeeSum("REFUND", 2, Money(-87)), FeeSum("PAYMENT", 3, Money(115))]
    found = build_invoice("200000018128", "Shop", month, None, sums)
    assert [(line.description, line.count) for line in found.lines] == [
        ("Payment fees", 3),
        ("Fees returned on refunds", 2),
    ]
    assert [(line.before_vat.fils, line.vat.fils) for line in found.lines] == [(110, 5), (-83, -4)]
    assert (found.before_vat.fils, found.vat.fils, found.total.fils) == (27, 1, 28)
    assert found.file_name == "200000018128_202603_invoice.pdf"
    with pytest.raises(BusinessError) as empty:
        build_invoice("200000018128", "Shop", month, None, [])
    assert empty.value.code is codes.STATEMENT_NOT_EXIST
