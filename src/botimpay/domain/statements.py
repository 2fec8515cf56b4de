"""The day's statements (getOrderStatement): when a day's statement exists, and its
transaction, settlement and fund rows, built from ledger postings. Pure.

Availability (business time, UAE days, UTC+4). The reference says statements are
made "shortly after the merchant's configured settlement cutoff time — typically
within 10 minutes" but gives no cutoff; botimpay's cutoff is midnight UAE time,
so the statement of day D covers D 00:00 to D+1 00:00 (+04:00) and can be
downloaded from D+1 00:10 (READY_AFTER_MS). Asked earlier: 62014
STATEMENT_NOT_GENERATED, naming that time. A day after today, or before the
merchant existed: 62013 STATEMENT_NOT_EXIST. Every other day has a statement,
possibly with no detail rows.

No second bookkeeping: every figure is a ledger posting (or the order or refund a
posting names). The rows, per file:
- transaction (Purchase_Statement): each ledger transaction of the day that moved
  the merchant's money in or out (postings to its own accounts not summing to zero,
  so settlement, a move between them, is not one): PAYMENT rows for paid orders
  (totalAmount the order amount), REFUND rows (VOID for a revoke) for refunds
  (totalAmount the refund, orderNo the refund's number), any other entry kind
  (chargebacks, ...) as a row of that kind for the gross it moved (the merchant's
  net and the fee share returned with it, as for a refund); a settlement that
  gave part of the order to sharing members a PAYMENT_SPLIT row of that part.
- settlement (Purchase_Settle_Statement): every posting to MERCHANT_AVAILABLE (the
  settled money getBalance reports): a SETTLEMENT entry is a PAYMENT CREDIT row of the
  net the order settled, comm and VAT the fee the gateway kept on it until then; a
  refund after settlement a REFUND DEBIT row, comm and VAT the fee share returned
  (negative); any other kind a row of that kind. openingAmount + totalCredit -
  totalDebit = stayAmount = the account's balance at the period's end (botimpay pays
  nothing out to a bank: settleToBank is AED 0.00).
- fund: every posting to any of the merchant's accounts (MERCHANT_*), each entry kind
  as it comes; TXN_NO is the ledger transaction id; BEFORE_AMT/AFTER_AMT run over
  the merchant's total funds (all its accounts), from BEGINNING_BALANCE to
  ENDING_BALANCE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from botimpay.domain.query_pages import DAY_MS, GULF, day_start_ms, fee_vat
from botimpay.domain.scenes import PRODUCT_NAME
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.money import Money

READY_AFTER_MS = 10 * 60 * 1000
"""How long after the cutoff (midnight UAE) a day's statement can be downloaded."""

MERCHANT_ACCOUNT_PREFIX = "MERCHANT_"
AVAILABLE = "MERCHANT_AVAILABLE"
FEE_INCOME = "FEE_INCOME"
_REFUND_MEMO = re.compile(r"refund (\S+) of order (\S+)")  # ledger.refund_entry's memo


class StatementVersion(StrEnum):
    """The column set of the transaction and settlement statements (fund has one)."""

    V1 = "V1"
    V2 = "V2"


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One posting with its ledger transaction (store/statements_repo.py reads them)."""

    transaction_id: int
    posting_id: int
    entry_kind: str
    created_at: int
    order_no: str | None
    memo: str
    account_kind: str
    owner_id: str
    amount_fils: int


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_no: str
    merchant_order_no: str
    payee_mid: str
    total_fils: int
    subject: str
    scene_code: str
    pay_channel: str | None
    paid_time: int | None
    reserved: str | None
    terminal: Mapping[str, str]  # accessoryContent.terminalDetail


@dataclass(frozen=True, slots=True)
class RefundFacts:
    refund_no: str
    refund_merchant_order_no: str
    origin_order_no: str
    amount_fils: int
    is_revoke: bool
    reserved: str | None


@dataclass(frozen=True, slots=True)
class StatementFacts:
    """What one merchant's statement of one day is made of."""

    partner_id: str
    merchant_name: str
    day: date
    version: StatementVersion
    lines: tuple[LedgerLine, ...]  # every posting of the day's entries touching the merchant
    earlier: tuple[LedgerLine, ...]  # postings of earlier entries of the orders settled that day
    opening: Mapping[str, int]  # merchant account kind -> balance at the period's start
    orders: Mapping[str, OrderFacts]
    refunds: Mapping[str, RefundFacts]


Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement file's content before it is written: summary fields and rows."""

    summary: list[tuple[str, str]]
    rows: list[Row]


# --- when ----------------------------------------------------------------------------------


def uae_day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, GULF).date()


def period(day: date) -> tuple[int, int]:
    """[start, end) of the statement of `day`, in epoch milliseconds."""
    start = day_start_ms(day)
    return start, start + DAY_MS


def ready_at(day: date) -> int:
    return period(day)[1] + READY_AFTER_MS


def uae_time(ms: int, pattern: str = "%Y-%m-%dT%H:%M:%S%z") -> str:
    """`ms` as UAE local time (the reference's `2021-01-12T17:46:36+0400` by default)."""
    return _uae_seconds(ms // 1000, pattern)


@lru_cache(maxsize=4096)  # a day's rows share their seconds: strftime once per second
def _uae_seconds(seconds: int, pattern: str) -> str:
    return datetime.fromtimestamp(seconds, GULF).strftime(pattern)


def check_available(day: date, now_ms: int, merchant_since_ms: int) -> None:
    """Raises 62013 / 62014 unless the statement of `day` can be downloaded at `now_ms`."""
    shown = day.strftime("%Y%m%d")
    if day > uae_day(now_ms):
        raise BusinessError(
            codes.STATEMENT_NOT_EXIST, f"bizContent.statementDate {shown} is a future date"
        )
    if day < uae_day(merchant_since_ms):
        since = uae_day(merchant_since_ms).strftime("%Y%m%d")
        raise BusinessError(
            codes.STATEMENT_NOT_EXIST,
            f"bizContent.statementDate {shown}: no statement before the merchant's first "
            f"day {since}",
        )
    if now_ms < ready_at(day):
        when = uae_time(ready_at(day), "%Y-%m-%d %H:%M")
        raise BusinessError(
            codes.STATEMENT_NOT_GENERATED,
            f"the statement of {shown} is generated at {when} UAE time (UTC+4)",
        )


# --- figures -------------------------------------------------------------------------------


def amount(fils: int) -> str:
    """Fils as AED text with two decimals (`-0.12`, `60.00`)."""
    sign = "-" if fils < 0 else ""
    return f"{sign}{abs(fils) // 100}.{abs(fils) % 100:02d}"


def comm_vat(fee_fils: int) -> tuple[int, int]:
    """A fee (VAT included) as (commission before tax, VAT), keeping its sign."""
    before, vat = fee_vat(Money(abs(fee_fils)))
    sign = -1 if fee_fils < 0 else 1
    return sign * before.fils, sign * vat.fils


def _entries(lines: Iterable[LedgerLine]) -> dict[int, list[LedgerLine]]:
    grouped: dict[int, list[LedgerLine]] = {}
    for line in sorted(lines, key=lambda x: (x.created_at, x.transaction_id, x.posting_id)):
        grouped.setdefault(line.transaction_id, []).append(line)
    return grouped


def _own(facts: StatementFacts, line: LedgerLine) -> bool:
    return line.owner_id == facts.partner_id and line.account_kind.startswith(
        MERCHANT_ACCOUNT_PREFIX
    )


def _refund_of(facts: StatementFacts, head: LedgerLine) -> RefundFacts | None:
    found = _REFUND_MEMO.fullmatch(head.memo)
    return facts.refunds.get(found.group(1)) if found else None


def _order_of(facts: StatementFacts, order_no: str | None) -> OrderFacts | None:
    found = facts.orders.get(order_no) if order_no else None
    return found if found is not None and found.payee_mid == facts.partner_id else None


def _order_fields(facts: StatementFacts, order: OrderFacts | None) -> Row:
    """The columns every row of an order shares (empty when there is no order)."""
    if order is None:
        return {"merchantName": facts.merchant_name, "payeeMid": facts.partner_id}
    terminal = order.terminal
    return {
        "orderCurrency": "AED",
        "productName": PRODUCT_NAME,
        "paySceneCode": order.scene_code,
        "paymentMethodType": order.pay_channel or "",
        "subject": order.subject,
        "payeeMid": order.payee_mid,
        "terminalId": terminal.get("terminalId", ""),
        "operatorId": terminal.get("operatorId", ""),
        "storeId": terminal.get("storeId", ""),
        "merchantName": terminal.get("merchantName") or facts.merchant_name,
        "storeName": terminal.get("storeName", ""),
        "paidTime": uae_time(order.paid_time) if order.paid_time is not None else "",
    }


def _numbers(facts: StatementFacts, entry: list[LedgerLine]) -> Row:
    """transactionType and the order / refund numbers that lead to the entry's postings."""
    head = entry[0]
    refund = _refund_of(facts, head) if head.entry_kind == "REFUND" else None
    order = _order_of(facts, refund.origin_order_no if refund else head.order_no)
    row = _order_fields(facts, order)
    row["status"] = "SUCCESS"
    if refund is not None:
        row["transactionType"] = "VOID" if refund.is_revoke else "REFUND"
        row["merchantOrderNo"] = refund.refund_merchant_order_no
        row["orderNo"] = refund.refund_no
        row["originMerchantOrderNo"] = order.merchant_order_no if order else ""
        row["reserved"] = refund.reserved or ""
        row["totalAmount"] = amount(refund.amount_fils)
        return row
    kind = "PAYMENT" if head.entry_kind == "SETTLEMENT" else head.entry_kind
    row["transactionType"] = kind
    if order is not None:
        row["merchantOrderNo"] = order.merchant_order_no
        row["orderNo"] = order.order_no
        row["reserved"] = order.reserved or ""
        if head.entry_kind in ("PAYMENT", "SETTLEMENT"):
            row["totalAmount"] = amount(order.total_fils)
    else:  # no order: the ledger transaction itself is the reference
        row["orderNo"] = head.order_no or f"LT{head.transaction_id}"
    return row


# --- the three statements -----------------------------------------------------------------


def _period_fields(facts: StatementFacts, name: str) -> list[tuple[str, str]]:
    start, end = period(facts.day)
    end_day = uae_day(end).strftime("%Y%m%d")
    number = end_day if facts.version is StatementVersion.V1 else facts.partner_id + end_day
    return [
        ("mid", facts.partner_id),
        (name, number),
        ("startTime", uae_time(start, "%Y-%m-%d %H:%M")),
        ("endTime", uae_time(end, "%Y-%m-%d %H:%M")),
    ]


def transaction_statement(facts: StatementFacts) -> Statement:
    rows: list[Row] = []
    for entry in _entries(facts.lines).values():
        moved = sum(line.amount_fils for line in entry if _own(facts, line))
        if moved == 0:
            continue  # settlement: a move between the merchant's own accounts
        row = _numbers(facts, entry)
        row["paidTime"] = uae_time(entry[0].created_at)
        if entry[0].entry_kind == "SETTLEMENT":  # part of the order settled to others
            row.update(transactionType="PAYMENT_SPLIT", totalAmount=amount(abs(moved)))
        fee = sum(line.amount_fils for line in entry if line.account_kind == FEE_INCOME)
        row.setdefault("totalAmount", amount(abs(moved + fee)))  # the gross: net + fee share
        rows.append(row)
    summary = [*_period_fields(facts, "periodNo"), ("totalCount", str(len(rows)))]
    return Statement(summary, rows)


def _fees_by_order(facts: StatementFacts) -> dict[str, list[tuple[int, int]]]:
    """Each order's FEE_INCOME postings (ledger transaction id, fils), settlement aside."""
    fees: dict[str, list[tuple[int, int]]] = {}
    for line in (*facts.earlier, *facts.lines):
        if line.order_no and line.account_kind == FEE_INCOME and line.entry_kind != "SETTLEMENT":
            fees.setdefault(line.order_no, []).append((line.transaction_id, line.amount_fils))
    return fees


def settlement_statement(facts: StatementFacts) -> Statement:
    rows: list[Row] = []
    credit = debit = comm_total = vat_total = 0
    fees = _fees_by_order(facts)
    for entry in _entries(facts.lines).values():
        head = entry[0]
        if head.entry_kind == "SETTLEMENT":  # the fee the gateway holds on it until now
            held = fees.get(head.order_no or "", [])
            fee = sum(fils for tid, fils in held if tid < head.transaction_id)
        else:
            fee = sum(line.amount_fils for line in entry if line.account_kind == FEE_INCOME)
        comm, vat = comm_vat(fee)
        for line in entry:
            if not (_own(facts, line) and line.account_kind == AVAILABLE):
                continue
            row = _numbers(facts, entry)
            row["settledTime"] = uae_time(head.created_at)
            row["direction"] = "CREDIT" if line.amount_fils > 0 else "DEBIT"
            row["settlementAmount"] = amount(abs(line.amount_fils))
            row.setdefault("totalAmount", amount(abs(line.amount_fils)))
            row.update(comm=amount(comm), commCurrency="AED", VAT=amount(vat), VATCurrency="AED")
            rows.append(row)
            credit += max(line.amount_fils, 0)
            debit += max(-line.amount_fils, 0)
            comm_total += comm
            vat_total += vat
    opening = facts.opening.get(AVAILABLE, 0)
    summary = [
        *_period_fields(facts, "settlePeriodNo"),
        ("openingAmount", "AED " + amount(opening)),
        ("totalCount", str(len(rows))),
        ("totalCredit", "AED " + amount(credit)),
        ("totalDebit", "AED " + amount(debit)),
        ("totalComm", "AED " + amount(comm_total)),
        ("totalVAT", "AED " + amount(vat_total)),
        ("settleToBank", "AED 0.00 success"),
        ("stayAmount", "AED " + amount(opening + credit - debit)),
    ]
    return Statement(summary, rows)


def _account_type(kind: str) -> str:
    return "BASIC" if kind == AVAILABLE else kind.removeprefix(MERCHANT_ACCOUNT_PREFIX)


def fund_statement(facts: StatementFacts) -> Statement:
    balance = beginning = sum(
        fils for kind, fils in facts.opening.items() if kind.startswith(MERCHANT_ACCOUNT_PREFIX)
    )
    rows: list[Row] = []
    income = payout = income_count = payout_count = 0
    for entry in _entries(facts.lines).values():
        numbers = _numbers(facts, entry)
        for line in entry:
            if not _own(facts, line):
                continue
            before, balance = balance, balance + line.amount_fils
            if line.amount_fils > 0:
                income, income_count = income + line.amount_fils, income_count + 1
            else:
                payout, payout_count = payout - line.amount_fils, payout_count + 1
            rows.append(
                {
                    "ACCOUNTING_TIME": uae_time(line.created_at),
                    "TXN_NO": str(line.transaction_id),
                    "PRODUCT": line.entry_kind.replace("_", " ").title(),
                    "BUSINESS_TYPE": line.entry_kind,
                    "DIRECTION": "Income" if line.amount_fils > 0 else "Payout",
                    "TXN_AMT": amount(abs(line.amount_fils)),
                    "BEFORE_AMT": amount(before),
                    "AFTER_AMT": amount(balance),
                    "ACCOUNT_TYPE": _account_type(line.account_kind),
                    "MERCHANT_ORDER_NO": numbers.get("merchantOrderNo", ""),
                    "ORDER_NO": numbers.get("orderNo", ""),
                }
            )
    summary = [
        ("ACCOUNTING_DATE", uae_time(period(facts.day)[0])),
        ("NUMBER_INCOME", str(income_count)),
        ("AMOUNT_INCOME", amount(income)),
        ("NUMBER_PAYOUT", str(payout_count)),
        ("AMOUNT_PAYOUT", amount(payout)),
        ("BEGINNING_BALANCE", amount(beginning)),
        ("ENDING_BALANCE", amount(balance)),
    ]
    return Statement(summary, rows)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
