"""A day with payments, a partial refund, the settlement and a chargeback, reconciled to
the fils: the statement ZIP (getOrderStatement) against the ledger (`ledger balances`,
`ledger check`) and getBalance, every figure computed here independently."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from botimpay.domain.statement_files import FUND, SETTLEMENT_V1, TRANSACTION_V1
from tests.refunds import assert_ledger_ok, fee_of, paid_order, refund_ok, settle_all
from tests.statements.support import (
    Answer,
    Day,
    available_balance,
    download,
    ledger_of,
    money,
    names,
    past_cutoff,
    read_csv,
    statement_day,
    summary,
    unzip,
    ymd,
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Day]:
    """Order A 100.00 and order B 20.00 paid; 30.00 of A refunded; both settled; then
    5.00 of B charged back (from settled funds)."""
    where = tmp_path_factory.mktemp("statement-chargeback")
    with statement_day(where, backend_url, "Chargeback shop") as books:
        gateway, shop = books.gateway, books.shop
        books.paid = [paid_order(gateway, shop, "100.00", 1), paid_order(gateway, shop, "20.00", 2)]
        books.refunds.append(refund_ok(shop, books.paid[0], "30.00")["refundOrder"])
        assert settle_all(gateway) == 2
        answer = httpx.post(
            gateway.base_url + "/sandbox/api/chargeback",
            json={"orderNo": books.paid[1]["orderNo"], "amount": "5.00", "caseType": "FRAUD"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        yield past_cutoff(books)


@pytest.fixture(scope="module")
def files(books: Day) -> dict[str, bytes]:
    answer: Answer = download(books.shop, {"statementDate": ymd(books.day)})
    assert answer.status == 200, answer.content
    assert answer.headers["content-type"] == "application/zip"
    found = unzip(answer.content)
    assert list(found) == names(books.shop.partner_id, books.day)
    return found


FEE_A, FEE_B = fee_of("100.00"), fee_of("20.00")
SHARE_REFUND, SHARE_CHARGEBACK = fee_of("30.00"), fee_of("5.00")
CREDIT_A = Decimal("100.00") - FEE_A - (Decimal("30.00") - SHARE_REFUND)
CREDIT_B = Decimal("20.00") - FEE_B
DEBIT_CHARGEBACK = Decimal("5.00") - SHARE_CHARGEBACK
KEPT_FEES = FEE_A - SHARE_REFUND + FEE_B - SHARE_CHARGEBACK


def _rows(files: dict[str, bytes], name: str, preamble: int) -> Any:
    return read_csv(files[name], preamble)


def test_the_transaction_statement_has_the_chargeback_row(
    books: Day, files: dict[str, bytes]
) -> None:
    found = _rows(files, names(books.shop.partner_id, books.day)[0], 1)
    assert found.header == TRANSACTION_V1
    assert summary(found)["totalCount"] == "4"
    assert [(row["transactionType"], row["totalAmount"]) for row in found.rows] == [
        ("PAYMENT", "100.00"),
        ("PAYMENT", "20.00"),
        ("REFUND", "30.00"),
        ("CHARGEBACK", "5.00"),
    ]


def test_settlement_and_fund_statements_reconcile_to_the_fils(
    books: Day, files: dict[str, bytes]
) -> None:
    _, settle_name, fund_name = names(books.shop.partner_id, books.day)
    settled = _rows(files, settle_name, 1)
    assert settled.header == SETTLEMENT_V1
    head = summary(settled)
    rows = [(r["transactionType"], r["direction"], r["settlementAmount"]) for r in settled.rows]
    assert rows == [
        ("PAYMENT", "CREDIT", str(CREDIT_A)),
        ("PAYMENT", "CREDIT", str(CREDIT_B)),
        ("CHARGEBACK", "DEBIT", str(DEBIT_CHARGEBACK)),
    ]
    assert money(head["totalCredit"]) == CREDIT_A + CREDIT_B
    assert money(head["totalDebit"]) == DEBIT_CHARGEBACK
    assert money(head["totalComm"]) + money(head["totalVAT"]) == KEPT_FEES
    ledger = ledger_of(books)
    stay = money(head["stayAmount"])
    assert stay == CREDIT_A + CREDIT_B - DEBIT_CHARGEBACK == ledger["MERCHANT_AVAILABLE"]
    assert stay == available_balance(books.shop)
    assert ledger["MERCHANT_PENDING"] == 0

    fund = _rows(files, fund_name, 2)
    assert fund.header == FUND
    totals = dict(zip(*fund.preamble, strict=True))
    ending = money(totals["ENDING_BALANCE"])
    paid, refunded, charged_back = Decimal("120.00"), Decimal("30.00"), Decimal("5.00")
    assert ending == paid - refunded - charged_back - KEPT_FEES == sum(ledger.values())
    assert ending == money(totals["AMOUNT_INCOME"]) - money(totals["AMOUNT_PAYOUT"])
    balance = Decimal("0.00")
    for row in fund.rows:  # each row's AFTER_AMT is the next one's BEFORE_AMT
        assert Decimal(row["BEFORE_AMT"]) == balance
        balance += (1 if row["DIRECTION"] == "Income" else -1) * Decimal(row["TXN_AMT"])
        assert Decimal(row["AFTER_AMT"]) == balance
    assert balance == ending
    assert ("CHARGEBACK", "BASIC") in {(r["BUSINESS_TYPE"], r["ACCOUNT_TYPE"]) for r in fund.rows}
    assert_ledger_ok(books.gateway)
