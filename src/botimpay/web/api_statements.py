"""The reconciliation endpoint of the merchant API: acquire2/download/getOrderStatement
(8_Reconciliation/statement-download.mdx)."""

from __future__ import annotations

from botimpay.web.operation import Operation

OPERATIONS: tuple[Operation, ...] = ()
