"""The statement ZIP as getOrderStatement serves it: column sets (V1, V2), the
pipe-delimited files, the split at 50,000 lines and the names. Pure (stdlib only).

Names (8_Reconciliation/statement-parameters.mdx): the ZIP
`{partnerId}_{YYYYMMDD}Transaction_Settle_Statement.zip` holds
`Purchase_Statement_{DDMMYYYY}_{no}.csv`, `Purchase_Settle_Statement_{DDMMYYYY}_{no}.csv`
(DDMMYYYY the period's end, as the reference's 20210112 ZIP holds ..._13012021_001.csv)
and `{partnerId}_{YYYYMMDD}_fund_statement_{no}.csv`, numbered from 001.

Each file: the summary line (`name:value|...`; the fund statement's is a header line
and a value line), the column header line, then the detail lines; `|`-delimited,
UTF-8, CRLF, a value holding `|` or `"` quoted as CSV does. A file has at most
`max_lines` lines (50,000, the reference's limit), the summary and header lines
included and repeated in every file; totals in the summary are the whole statement's.
The asterisks around the download page's examples are left out, as the
parameters page shows them. Entry times in the ZIP are the statement's
generation time, so the same data always makes the same bytes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from botimpay.domain.query_pages import GULF
from botimpay.domain.statements import (
    Statement,
    StatementFacts,
    StatementVersion,
    fund_statement,
    next_day,
    ready_at,
    settlement_statement,
    transaction_statement,
)
from botimpay.errors import ConfigError


def _columns(header: str) -> list[str]:
    return header.split("|")


MAX_LINES = 50_000
"""The reference's limit of lines in one CSV file."""

TRANSACTION_V1 = _columns(
    "paidTime|transactionType|totalAmount|orderCurrency|productName|paySceneCode|"
    "merchantOrderNo|orderNo|status|paymentMethodType|subject|payeeMid|terminalId|operatorId|"
    "storeId|merchantName|storeName|originMerchantOrderNo|reserved"
)
TRANSACTION_V2 = _columns(
    "merchantOrderNo|orderNo|paidTime|payeeMid|merchantName|terminalId|operatorId|storeId|"
    "storeName|scheme|orderCurrency|totalAmount|transactionType|productName|paySceneCode|"
    "paymentMethodType|subject|installmentPlan|planAcceptanceID|originMerchantOrderNo|reserved|"
    "status|authCode|cardNumber|cardIssuingCountry|cardLevel|cardType|customerName|mobileNumber|"
    "emailAddress|source|agreementType|authProtocolNo|dccAmount|dccCurrency|exchangeRate|"
    "dccMarkup|dccQuoteId"
)
SETTLEMENT_V1 = _columns(
    "settledTIme|transactionType|direction|settlementAmount|orderCurrency|productName|"
    "paySceneCode|merchantOrderNo|orderNo|paidTime|status|comm|commCurrency|VAT|VATCurrency|"
    "paymentMethodType|subject|payeeMid|terminalId|operatorId|storeId|merchantName|storeName|"
    "originMerchantOrderNo|reserved"
)
SETTLEMENT_V2 = _columns(
    "merchantOrderNo|orderNo|settledTime|paidTime|payeeMid|merchantName|terminalId|operatorId|"
    "storeId|storeName|scheme|orderCurrency|totalAmount|transactionType|direction|productName|"
    "paySceneCode|paymentMethodType|subject|installmentPlan|planAcceptanceID|"
    "originMerchantOrderNo|reserved|status|settlementAmount|commCurrency|comm|VATCurrency|VAT|"
    "authCode|cardNumber|cardIssuingCountry|cardLevel|cardType|source|agreementType|"
    "authProtocolNo|dccAmount|dccCurrency|exchangeRate|dccMarkup|dccQuoteId"
)
FUND = _columns(
    "ACCOUNTING_TIME|TXN_NO|PRODUCT|BUSINESS_TYPE|DIRECTION|TXN_AMT|BEFORE_AMT|AFTER_AMT|"
    "ACCOUNT_TYPE|MERCHANT_ORDER_NO|ORDER_NO"
)
_ALIASES = {"settledTIme": "settledTime"}  # V1's header spells it so; the value is the same


@dataclass(frozen=True, slots=True)
class StatementZip:
    """The downloadable ZIP: its file name and bytes, and the names inside it."""

    filename: str
    content: bytes
    members: tuple[str, ...]


def _lines(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter="|", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def split(
    preamble: list[list[str]], columns: list[str], statement: Statement, max_lines: int
) -> list[bytes]:
    """The statement as files of at most `max_lines` lines, each starting with the
    preamble and the header; at least one file."""
    room = max_lines - len(preamble) - 1
    if room < 1:
        raise ConfigError(f"a statement file needs room for at least {len(preamble) + 2} lines")
    body = [[row.get(_ALIASES.get(name, name), "") for name in columns] for row in statement.rows]
    chunks = [body[i : i + room] for i in range(0, len(body), room)] or [[]]
    return [_lines([*preamble, columns, *chunk]) for chunk in chunks]


def _summary_line(statement: Statement) -> list[list[str]]:
    return [[f"{name}:{value}" for name, value in statement.summary]]


def _fund_preamble(statement: Statement) -> list[list[str]]:
    return [[name for name, _ in statement.summary], [value for _, value in statement.summary]]


def zip_name(partner_id: str, day: date) -> str:
    return f"{partner_id}_{day:%Y%m%d}Transaction_Settle_Statement.zip"


def build_zip(facts: StatementFacts, max_lines: int = MAX_LINES) -> StatementZip:
    """The three statements of `facts`, split and zipped."""
    v1 = facts.version is StatementVersion.V1
    end = next_day(facts.day)
    transactions = transaction_statement(facts)
    settlements = settlement_statement(facts)
    funds = fund_statement(facts)
    parts: list[tuple[str, list[bytes]]] = [
        (
            f"Purchase_Statement_{end:%d%m%Y}_{{:03d}}.csv",
            split(
                _summary_line(transactions),
                TRANSACTION_V1 if v1 else TRANSACTION_V2,
                transactions,
                max_lines,
            ),
        ),
        (
            f"Purchase_Settle_Statement_{end:%d%m%Y}_{{:03d}}.csv",
            split(
                _summary_line(settlements),
                SETTLEMENT_V1 if v1 else SETTLEMENT_V2,
                settlements,
                max_lines,
            ),
        ),
        (
            f"{facts.partner_id}_{facts.day:%Y%m%d}_fund_statement_{{:03d}}.csv",
            split(_fund_preamble(funds), FUND, funds, max_lines),
        ),
    ]
    stamp = datetime.fromtimestamp(ready_at(facts.day) / 1000, GULF).timetuple()[:6]
    buffer = io.BytesIO()
    names: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pattern, files in parts:
            for number, content in enumerate(files, start=1):
                info = zipfile.ZipInfo(pattern.format(number), date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, content)
                names.append(info.filename)
    return StatementZip(zip_name(facts.partner_id, facts.day), buffer.getvalue(), tuple(names))
