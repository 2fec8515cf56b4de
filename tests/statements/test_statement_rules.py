"""The statements' pure rules (domain/statements.py, domain/statement_files.py): when a
day's statement exists, rows from ledger postings of any entry kind, the split at N
lines losing and repeating no row, and the same facts always making the same ZIP."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest

from botimpay.domain import ledger
from botimpay.domain.statement_files import MAX_LINES, build_zip
from botimpay.domain.statements import (
    LedgerLine,
    OrderFacts,
    RefundFacts,
    StatementFacts,
    StatementVersion,
    check_available,
    fund_statement,
    ready_at,
    settlement_statement,
    transaction_statement,
)
from botimpay.errors import BusinessError, ConfigError
from botimpay.protocol.money import Money

DAY = date(2026, 7, 1)
START = 1782849600000  # 2026-07-01 00:00 +04:00
SHOP = "200000088724"
WALLET = ledger.wallet("100000000001")


def lines_of(entry: ledger.Entry, transaction_id: int, at: int) -> list[LedgerLine]:
    return [
        LedgerLine(
            transaction_id=transaction_id,
            posting_id=transaction_id * 10 + n,
            entry_kind=entry.kind.value,
            created_at=at,
            order_no=entry.order_no,
            memo=entry.memo,
            account_kind=p.account.kind.value,
            owner_id=p.account.owner_id,
            amount_fils=p.amount.fils,
        )
        for n, p in enumerate(entry.postings)
    ]


def order(number: int) -> OrderFacts:
    return OrderFacts(
        order_no=f"O{number}",
        merchant_order_no=f"M{number}",
        payee_mid=SHOP,
        total_fils=10_000,
        subject="iPhone",
        scene_code="JSAPI",
        pay_channel="BALANCE",
        paid_time=START + number,
        reserved=None,
        terminal={"storeId": "268"},
    )


def facts(count: int, version: StatementVersion = StatementVersion.V1) -> StatementFacts:
    """`count` paid orders of AED 100.00 (fee 0.30), each refunded 40.00 and settled;
    plus one chargeback after settlement, a kind this module knows nothing of."""
    lines: list[LedgerLine] = []
    tid = 0
    for n in range(count):
        for entry in (
            ledger.payment_entry(f"O{n}", WALLET, SHOP, Money(10_000), Money(30)),
            ledger.refund_entry(
                f"O{n}",
                f"R{n}",
                merchant_account=ledger.merchant_pending(SHOP),
                payer=WALLET,
                amount=Money(4_000),
                fee_refunded=Money(12),
            ),
            ledger.settlement_entry(f"O{n}", SHOP, Money(5_982)),
        ):
            tid += 1
            lines += lines_of(entry, tid, START + tid)
    chargeback = ledger.chargeback_entry(
        "O0",
        "C1",
        void=False,
        merchant_account=ledger.merchant_available(SHOP),
        payer=WALLET,
        amount=Money(1_000),
        fee_returned=Money(3),
    )
    lines += lines_of(chargeback, tid + 1, START + tid + 1)
    return StatementFacts(
        partner_id=SHOP,
        merchant_name="StarBuck Five Star",
        day=DAY,
        version=version,
        lines=tuple(lines),
        earlier=(),
        opening={"MERCHANT_AVAILABLE": 500, "MERCHANT_PENDING": 0},
        orders={f"O{n}": order(n) for n in range(count)},
        refunds={
            f"R{n}": RefundFacts(f"R{n}", f"MR{n}", f"O{n}", 4_000, False, None)
            for n in range(count)
        },
    )


def test_availability_follows_the_cutoff_in_uae_time() -> None:
    since = START - 86_400_000
    assert ready_at(DAY) == START + 86_400_000 + 10 * 60_000  # 2026-07-02 00:10 +04:00
    check_available(DAY, ready_at(DAY), since)
    with pytest.raises(BusinessError) as early:
        check_available(DAY, ready_at(DAY) - 1, since)
    assert early.value.code.code == "62014"
    assert "2026-07-02 00:10 UAE time" in early.value.message
    with pytest.raises(BusinessError) as future:
        check_available(date(2026, 7, 3), ready_at(DAY), since)
    assert future.value.code.code == "62013"
    with pytest.raises(BusinessError) as before:
        check_available(date(2026, 6, 29), ready_at(DAY), since)
    assert before.value.code.code == "62013"


def test_rows_come_from_postings_of_every_kind() -> None:
    made = facts(1)
    kinds = [row["transactionType"] for row in transaction_statement(made).rows]
    assert kinds == ["PAYMENT", "REFUND", "CHARGEBACK"]  # settlement moves nothing out
    refund = transaction_statement(made).rows[1]
    assert (refund["orderNo"], refund["merchantOrderNo"]) == ("R0", "MR0")  # ledger's memo
    assert refund["originMerchantOrderNo"] == "M0"
    settled = settlement_statement(made)
    assert [(r["transactionType"], r["settlementAmount"]) for r in settled.rows] == [
        ("PAYMENT", "59.82"),
        ("CHARGEBACK", "9.97"),
    ]
    summary = dict(settled.summary)
    assert summary["stayAmount"] == "AED 54.85"  # 5.00 + 59.82 - 9.97
    assert summary["totalComm"] == "AED 0.14"  # 0.17 of the 0.18 kept, less 0.03 returned
    assert summary["totalVAT"] == "AED 0.01"
    fund = fund_statement(made)
    assert dict(fund.summary)["ENDING_BALANCE"] == "54.85"
    assert fund.rows[-1]["BUSINESS_TYPE"] == "CHARGEBACK"
    assert fund.rows[-1]["TXN_NO"] == "4"


def read(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode()), delimiter="|"))
            for name in archive.namelist()
        }


@pytest.mark.parametrize("max_lines", [4, 5, 7, 100])
def test_split_loses_and_repeats_no_row(max_lines: int) -> None:
    made = facts(25)
    whole = read(build_zip(made).content)
    parts = read(build_zip(made, max_lines).content)
    for prefix, lead in (("Purchase_Statement", 2), ("Purchase_Settle", 2), (SHOP, 3)):
        [complete] = [v for k, v in whole.items() if k.startswith(prefix)]
        pieces = [v for k, v in sorted(parts.items()) if k.startswith(prefix)]
        assert all(len(piece) <= max_lines for piece in pieces)
        assert all(piece[:lead] == complete[:lead] for piece in pieces)
        assert [row for piece in pieces for row in piece[lead:]] == complete[lead:]
        assert len(pieces) == -(-(len(complete) - lead) // (max_lines - lead))


def test_the_default_split_is_the_references_and_too_small_is_refused() -> None:
    assert MAX_LINES == 50_000
    with pytest.raises(ConfigError):
        build_zip(facts(1), 3)  # the fund file needs its 3 lines and a row


def test_the_same_facts_make_the_same_bytes() -> None:
    first = build_zip(facts(3, StatementVersion.V2))
    assert first.content == build_zip(facts(3, StatementVersion.V2)).content
    assert first.filename == "200000088724_20260701Transaction_Settle_Statement.zip"
    assert first.members == (
        "Purchase_Statement_02072026_001.csv",
        "Purchase_Settle_Statement_02072026_001.csv",
        "200000088724_20260701_fund_statement_001.csv",
    )
