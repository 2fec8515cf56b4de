"""The invoice endpoint of the merchant API: acquire2/download/getInvoice
(8_Reconciliation/invoice-download.mdx)."""

from __future__ import annotations

from pydantic import BaseModel

from botimpay.protocol.invoice_requests import GetInvoiceBiz
from botimpay.services.auth import MerchantAuth
from botimpay.services.invoice import monthly_invoice
from botimpay.web.operation import Operation, RawAnswer
from botimpay.web.schemas import ResponseHead, Strict, _request
from botimpay.web.state import AppState

PDF = "application/pdf"


class GetInvoiceRefusal(Strict):
    """The answer when no PDF is sent: the signed envelope's `head` alone (the PDF
    itself, on success, is `application/pdf` with a Content-Disposition file name)."""

    head: ResponseHead


GetInvoiceRequest: type[BaseModel] = _request("GetInvoiceRequest", GetInvoiceBiz)


async def _get_invoice(
    state: AppState, auth: MerchantAuth, biz: GetInvoiceBiz, request_time: int
) -> RawAnswer:
    merchant = auth.merchant
    found = await monthly_invoice(
        state.db, merchant.partner_id, merchant.name, biz, state.clock.now_ms()
    )
    return RawAnswer(found.content, PDF, found.file_name)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2/download/getInvoice",
        "Download the merchant's fee invoice of a closed month as a PDF",
        GetInvoiceBiz,
        GetInvoiceRequest,
        GetInvoiceRefusal,
        _get_invoice,
        file_media_type=PDF,
    ),
)
