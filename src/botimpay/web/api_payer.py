"""(issue 14, in progress)"""

from __future__ import annotations

from botimpay.web.operation import Operation

OPERATIONS: tuple[Operation, ...] = ()
