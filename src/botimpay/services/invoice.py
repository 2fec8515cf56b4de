"""acquire2/download/getInvoice: a merchant's monthly fee invoice, read from the ledger
and rendered as a PDF (services/invoice_pdf.py).

No second bookkeeping: the lines are the merchant's fee postings of the month as
ledger_repo.merchant_fee_sums reads them, in one read transaction with the merchant's
onboarding time; the month rules and the VAT are domain/invoice.py's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from botimpay.domain.invoice import BillingMonth, BusinessType, Invoice, build_invoice, check_month
from botimpay.errors import InvalidParameter
from botimpay.protocol.invoice_requests import GetInvoiceBiz
from botimpay.services.invoice_pdf import render
from botimpay.store import ledger_repo, merchants_repo
from botimpay.store.database import Database


@dataclass(frozen=True, slots=True)
class InvoiceFile:
    """The invoice and its PDF, named as the page's convention says."""

    invoice: Invoice
    content: bytes

    @property
    def file_name(self) -> str:
        return self.invoice.file_name


async def monthly_invoice(
    db: Database, partner_id: str, merchant_name: str, biz: GetInvoiceBiz, now_ms: int
) -> InvoiceFile:
    """The invoice of `biz.statementDate` for merchant `partner_id` at business time
    `now_ms`; 400 REQUESTTIME_TOO_EARLY / _TOO_LATER for a month before onboarding or
    not yet over, 62013 when the month has no fee posting."""
    month = BillingMonth.parse(biz.statementDate)
    if month is None:  # the request model already refused it; never trust one layer
        raise InvalidParameter("bizContent.statementDate: must be a month in YYYYMM format")
    async with db.read() as conn:
        onboarded = await merchants_repo.onboarded_at(conn, partner_id)
        if onboarded is None:  # an authenticated merchant always has its row
            raise InvalidParameter(f"unknown Partner-Id {partner_id}")
        check_month(month, onboarded, now_ms)
        sums = await ledger_repo.merchant_fee_sums(conn, partner_id, month.start_ms, month.end_ms)
    business_type = None if biz.businessType is None else BusinessType(biz.businessType)
    invoice = build_invoice(partner_id, merchant_name, month, business_type, sums)
    # rendering takes some 10-20 ms of CPU: off the event loop
    return InvoiceFile(invoice, await asyncio.to_thread(render, invoice))
