"""The invoice endpoint of the merchant API: acquire2/download/getInvoice
(8_Reconciliation/invoice-download.mdx)."""

from __future__ import annotations

from botimpay.web.operation import Operation

OPERATIONS: tuple[Operation, ...] = ()
