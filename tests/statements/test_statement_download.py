"""getOrderStatement over HTTP and `botimpay statements` (8_Reconciliation/statement-
download.mdx, statement-parameters.mdx): a day with two payments, a refund before
and one after settlement, and the settlement, downloaded after the cutoff and read
back with the csv module; every figure reconciled to the fils with the ledger
(`ledger balances`, `ledger check`, getBalance); every code the endpoint can give.

The gateway is this module's own: the test moves its business clock forward a day.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botimpay.cli.common import run_db
from botimpay.domain.request_log import RequestRecord
from botimpay.domain.statement_files import (
    FUND,
    SETTLEMENT_V1,
    SETTLEMENT_V2,
    TRANSACTION_V1,
    TRANSACTION_V2,
)
from botimpay.store import request_log_repo
from botimpay.store.database import Database
from tests.harness import (
    dumps,
    new_key,
    now_ms,
    rsa_sign,
)
from tests.refunds import (
    assert_ledger_ok,
    fee_of,
    paid_order,
    place,
    refund_ok,
    settle_all,
)
from tests.statements.support import (
    PATH,
    Answer,
    Day,
    available_balance,
    download,
    ledger_of,
    money,
    names,
    past_cutoff,
    post,
    read_csv,
    refused,
    statement_day,
    summary,
    unzip,
    ymd,
)

SAMPLE = {"statementDate": "20200605"}  # the page's request sample, verbatim
SAMPLE_REQUEST_TIME = 1585142880000


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, backend_url: str | None) -> Iterator[Day]:
    """A sandbox of its own, one merchant; business time moved to 10:00 UAE on the next
    day, where two orders are paid, one refunded in part, all settled, one refunded
    after settlement, and a third order left unpaid."""
    where = tmp_path_factory.mktemp("statements")
    with statement_day(where, backend_url, "Statement shop") as books:
        gateway, shop = books.gateway, books.shop
        books.paid = [paid_order(gateway, shop, "100.00", 1), paid_order(gateway, shop, "12.34", 2)]
        books.unpaid = place(shop, "7.00")["orderNo"]
        books.refunds.append(refund_ok(shop, books.paid[0], "40.00")["refundOrder"])
        assert settle_all(gateway) == 2
        books.refunds.append(refund_ok(shop, books.paid[1], "2.00")["refundOrder"])
        yield books


def logged_successes(books: Day) -> list[RequestRecord]:
    """The merchant's logged getOrderStatement calls answered 0 (the log is written in
    batches off the hot path: waits up to 10 s for it)."""

    async def load(db: Database) -> list[RequestRecord]:
        async with db.request_log().read() as conn:
            return await request_log_repo.search(
                conn, partner_id=books.shop.partner_id, code="0", operation=PATH, limit=5
            )

    deadline = time.monotonic() + 10
    while not (found := run_db(books.gateway.db_url, load)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


# --- before the cutoff, and the days without a statement -----------------------------------


def test_the_documented_sample_is_a_day_without_a_statement(books: Day) -> None:
    body = dumps({"bizContent": SAMPLE, "requestTime": SAMPLE_REQUEST_TIME})
    refused(post(books.shop, body), "FAIL", "400", "REQUESTTIME_TOO_EARLY")
    answer = download(books.shop, SAMPLE, **{"Content-Language": "en"})
    msg = refused(answer, "SUCCESS", "62013", "STATEMENT_NOT_EXIST", "20200605")
    assert "before the merchant's first day" in msg


def test_the_statement_day_before_its_cutoff_is_not_generated(books: Day) -> None:
    msg = refused(download(books.shop, {"statementDate": ymd(books.day)}), "SUCCESS", "62014")
    assert msg.startswith("STATEMENT_NOT_GENERATED")
    next_day = (books.day + timedelta(days=1)).isoformat()
    assert f"{next_day} 00:10 UAE time (UTC+4)" in msg, msg
    cli = books.gateway.cli(
        "statements", ymd(books.day), "--partner-id", books.shop.partner_id, check=False
    )
    assert cli.returncode == 2, cli.stdout + cli.stderr
    assert cli.stderr.count("\n") == 1, cli.stderr
    assert "62014" in cli.stderr, cli.stderr


def test_a_future_day_does_not_exist(books: Day) -> None:
    later = ymd(books.day + timedelta(days=30))
    refused(download(books.shop, {"statementDate": later}), "SUCCESS", "62013", "future date")


@pytest.mark.parametrize(
    "biz",
    [
        {},
        {"statementDate": None},
        {"statementDate": "2020-06-05"},
        {"statementDate": "20201341"},
        {"statementDate": "202006051"},
        {"statementDate": 20200605},
        {"statementDate": "20200605", "statementVersion": "V3"},
    ],
)
def test_a_malformed_request_names_its_field(books: Day, biz: dict[str, Any]) -> None:
    answer = download(books.shop, biz)
    field_name = "statementVersion" if "statementVersion" in biz else "statementDate"
    refused(answer, "FAIL", "400", "INVALID_PARAMETER", f"bizContent.{field_name}")


@pytest.mark.parametrize(
    ("fault", "code"),
    [("SYSTEM_ERROR", "500"), ("SERVICE_TIMEOUT", "504"), ("RISK_FAIL", "601")],
)
def test_injected_faults_answer_the_envelope(books: Day, fault: str, code: str) -> None:
    header = json.dumps({"fault": fault})
    answer = download(books.shop, SAMPLE, **{"Botimpay-Mock-Response": header})
    refused(answer, "FAIL", code, fault)


def test_who_is_calling_and_where(books: Day) -> None:
    body = dumps({"bizContent": SAMPLE, "requestTime": now_ms()})
    later = dumps({"bizContent": SAMPLE, "requestTime": now_ms() + 20 * 60_000})
    refused(post(books.shop, later), "FAIL", "400", "REQUESTTIME_TOO_LATER")
    stranger = post(books.shop, body, {"Partner-Id": "299999999999"})
    assert json.loads(stranger.content)["head"]["code"] == "403"
    forged = post(books.shop, body, {"sign": rsa_sign(new_key(), body)})
    refused(forged, "ERROR", "403")
    shop = books.shop
    wrong_method = shop.http.get(
        shop.base_url + "/sgs/api/" + PATH, headers={"Partner-Id": shop.partner_id}
    )
    assert json.loads(wrong_method.content)["head"]["code"] == "404"


# --- after the cutoff: the ZIP -------------------------------------------------------------


@pytest.fixture(scope="module")
def after_cutoff(books: Day) -> Day:
    return past_cutoff(books)


@pytest.fixture(scope="module")
def v1(after_cutoff: Day) -> Answer:
    answer = download(after_cutoff.shop, {"statementDate": ymd(after_cutoff.day)})
    assert answer.status == 200, answer.content
    return answer


def test_the_zip_is_the_documented_download(after_cutoff: Day, v1: Answer) -> None:
    partner_id, day = after_cutoff.shop.partner_id, after_cutoff.day
    assert v1.headers["content-type"] == "application/zip"
    filename = f"{partner_id}_{ymd(day)}Transaction_Settle_Statement.zip"
    assert v1.headers["content-disposition"] == f"attachment; filename={filename}"
    assert v1.signed, "the ZIP's bytes are signed like every answer"
    assert list(unzip(v1.content)) == names(partner_id, day)
    # the request log keeps the call, its code and latency, and the file's name, not its bytes
    [call] = logged_successes(after_cutoff)[:1]
    assert (call.operation, call.code, call.msg) == (PATH, "0", "SUCCESS"), call
    assert call.latency_us > 0
    assert call.response_body.startswith(f"[application/zip {filename}, "), call.response_body


def test_the_transaction_statement_lists_the_days_money_moves(
    after_cutoff: Day, v1: Answer
) -> None:
    books = after_cutoff
    files = unzip(v1.content)
    found = read_csv(files[names(books.shop.partner_id, books.day)[0]], 1)
    assert found.header == TRANSACTION_V1
    head = summary(found)
    end = books.day + timedelta(days=1)
    assert head == {
        "mid": books.shop.partner_id,
        "periodNo": ymd(end),
        "startTime": f"{books.day.isoformat()} 00:00",
        "endTime": f"{end.isoformat()} 00:00",
        "totalCount": "4",
    }
    assert [item.split(":")[0] for item in found.preamble[0]] == list(head)
    kinds = [(row["transactionType"], row["orderNo"], row["totalAmount"]) for row in found.rows]
    first, second = books.paid
    assert kinds == [
        ("PAYMENT", first["orderNo"], "100.00"),
        ("PAYMENT", second["orderNo"], "12.34"),
        ("REFUND", books.refunds[0]["orderNo"], "40.00"),
        ("REFUND", books.refunds[1]["orderNo"], "2.00"),
    ]
    assert books.unpaid not in v1.content.decode("latin-1")
    refund_row = found.rows[2]
    assert refund_row["merchantOrderNo"] == books.refunds[0]["refundMerchantOrderNo"]
    assert refund_row["originMerchantOrderNo"] == first["merchantOrderNo"]
    for row in found.rows:
        assert row["status"] == "SUCCESS"
        assert row["orderCurrency"] == "AED"
        assert row["paidTime"].startswith(books.day.isoformat() + "T")
        assert row["paidTime"].endswith("+0400")
        assert row["payeeMid"] == books.shop.partner_id


def test_settlement_and_fund_statements_reconcile_with_the_ledger(
    after_cutoff: Day, v1: Answer
) -> None:
    books = after_cutoff
    files = unzip(v1.content)
    _, settle_name, fund_name = names(books.shop.partner_id, books.day)
    settled = read_csv(files[settle_name], 1)
    assert settled.header == SETTLEMENT_V1
    head = summary(settled)
    assert list(head) == [
        "mid", "settlePeriodNo", "startTime", "endTime", "openingAmount", "totalCount",
        "totalCredit", "totalDebit", "totalComm", "totalVAT", "settleToBank", "stayAmount",
    ]  # fmt: skip
    ledger = ledger_of(books)
    assert ledger["MERCHANT_PENDING"] == 0  # everything paid that day is settled
    # Independently: paid 112.34, fee 0.3 % each, 40.00 refunded before settlement
    # (its fee share back), 2.00 after it.
    fee_a, fee_b = fee_of("100.00"), fee_of("12.34")
    share_a, share_b = fee_of("40.00"), fee_of("2.00")
    credit_a = Decimal("100.00") - fee_a - (Decimal("40.00") - share_a)
    credit_b = Decimal("12.34") - fee_b
    debit_b = Decimal("2.00") - share_b
    rows = [(r["transactionType"], r["direction"], r["settlementAmount"]) for r in settled.rows]
    assert rows == [
        ("PAYMENT", "CREDIT", str(credit_a)),
        ("PAYMENT", "CREDIT", str(credit_b)),
        ("REFUND", "DEBIT", str(debit_b)),
    ]
    assert money(head["openingAmount"]) == 0
    assert money(head["totalCredit"]) == credit_a + credit_b
    assert money(head["totalDebit"]) == debit_b
    kept = fee_a - share_a + fee_b - share_b
    assert money(head["totalComm"]) + money(head["totalVAT"]) == kept
    for row in settled.rows:
        assert Decimal(row["comm"]) + Decimal(row["VAT"]) in (fee_a - share_a, fee_b, -share_b)
    stay = money(head["stayAmount"])
    assert stay == credit_a + credit_b - debit_b == ledger["MERCHANT_AVAILABLE"]
    assert stay == available_balance(books.shop)
    assert head["settleToBank"] == "AED 0.00 success"

    fund = read_csv(files[fund_name], 2)
    assert fund.header == FUND
    totals = dict(zip(*fund.preamble, strict=True))
    assert money(totals["BEGINNING_BALANCE"]) == 0
    ending = money(totals["ENDING_BALANCE"])
    assert ending == sum(ledger.values())
    income, payout = money(totals["AMOUNT_INCOME"]), money(totals["AMOUNT_PAYOUT"])
    assert ending == Decimal("112.34") - Decimal("42.00") - kept == income - payout
    assert int(totals["NUMBER_INCOME"]) + int(totals["NUMBER_PAYOUT"]) == len(fund.rows)
    balance = Decimal("0.00")
    for row in fund.rows:  # each row's AFTER_AMT is the next one's BEFORE_AMT
        assert Decimal(row["BEFORE_AMT"]) == balance
        sign = 1 if row["DIRECTION"] == "Income" else -1
        balance += sign * Decimal(row["TXN_AMT"])
        assert Decimal(row["AFTER_AMT"]) == balance
        assert row["TXN_NO"].isdigit()
    assert balance == ending
    kinds = {(row["BUSINESS_TYPE"], row["ACCOUNT_TYPE"]) for row in fund.rows}
    assert kinds == {
        ("PAYMENT", "PENDING"),
        ("REFUND", "PENDING"),
        ("SETTLEMENT", "PENDING"),
        ("SETTLEMENT", "BASIC"),
        ("REFUND", "BASIC"),
    }
    assert_ledger_ok(books.gateway)


def test_v2_has_the_v2_columns_and_the_same_rows(after_cutoff: Day, v1: Answer) -> None:
    books = after_cutoff
    answer = download(books.shop, {"statementDate": ymd(books.day), "statementVersion": "V2"})
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/zip"
    first, second = unzip(v1.content), unzip(answer.content)
    assert list(first) == list(second)
    purchase, settle, fund = names(books.shop.partner_id, books.day)
    old, new = read_csv(first[purchase], 1), read_csv(second[purchase], 1)
    assert new.header == TRANSACTION_V2
    assert [{k: r[k] for k in TRANSACTION_V1} for r in new.rows] == old.rows
    assert summary(new)["periodNo"] == books.shop.partner_id + summary(old)["periodNo"]
    old, new = read_csv(first[settle], 1), read_csv(second[settle], 1)
    assert new.header == SETTLEMENT_V2
    assert [r["settledTime"] for r in new.rows] == [r["settledTIme"] for r in old.rows]
    assert [r["settlementAmount"] for r in new.rows] == [r["settlementAmount"] for r in old.rows]
    assert first[fund] == second[fund]


def test_the_cli_writes_the_same_zip_and_splits_without_losing_a_row(
    after_cutoff: Day, v1: Answer, tmp_path: Path
) -> None:
    books = after_cutoff
    partner_id, day = books.shop.partner_id, ymd(books.day)
    target = tmp_path / "statement.zip"
    result = books.gateway.cli(
        "statements", day, "--partner-id", partner_id, "--output", str(target)
    )
    assert f"wrote {target}" in result.stdout
    assert target.read_bytes() == v1.content  # the same service: the same bytes

    split = tmp_path / "split.zip"
    args = ("--partner-id", partner_id, "--output", str(split), "--max-lines", "4")
    books.gateway.cli("statements", day, *args)
    whole, parts = unzip(v1.content), unzip(split.read_bytes())
    # 4 lines a file: 2 detail rows per transaction / settlement file, 1 per fund file
    fund_rows = len(read_csv(whole[names(partner_id, books.day)[2]], 2).rows)
    assert list(parts) == names(partner_id, books.day, (2, 2, fund_rows))
    for prefix, preamble in (("Purchase_Statement", 1), ("Purchase_Settle", 1), (partner_id, 2)):
        [complete] = [read_csv(c, preamble) for n, c in whole.items() if n.startswith(prefix)]
        pieces = [read_csv(c, preamble) for n, c in parts.items() if n.startswith(prefix)]
        assert all(len(p.preamble) + 1 + len(p.rows) <= 4 for p in pieces)
        assert all(p.preamble == complete.preamble for p in pieces)  # whole-day totals
        assert [row for p in pieces for row in p.rows] == complete.rows

    unknown = books.gateway.cli("statements", day, "--partner-id", "299999999999", check=False)
    assert unknown.returncode == 2
    assert "no merchant" in unknown.stderr, unknown.stderr
    bad = books.gateway.cli("statements", "2026-13-01", "--partner-id", partner_id, check=False)
    assert bad.returncode == 2
    assert "DATE" in bad.stderr, bad.stderr
