"""Hand-made request-log records for the grader and lint tests: calls of one order
(merchantOrderNo M-1, orderNo O1) at given seconds after T0."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from botimpay.domain.request_log import RequestRecord
from botimpay.domain.testplan import OrderFacts

T0 = 1_800_000_000_000
S = 1000  # ms per reference second at timeScale 1
_ids = count(1)


def call(
    operation: str, at_s: float, code: str | None = "0", status: str | None = "CREATED"
) -> RequestRecord:
    """A logged call `at_s` seconds after T0 (placeOrder answers in 10 ms)."""
    return RequestRecord(
        trace_code=f"t{next(_ids)}",
        received_at=T0 + int(at_s * S),
        business_at=T0 + int(at_s * S),
        partner_id="200000000888",
        claimed_partner_id=None,
        operation=f"acquire2/{operation}",
        merchant_order_no="M-1",
        order_no="O1",
        refund_merchant_order_no=None,
        code=code,
        msg={"0": "SUCCESS", "500": "SYSTEM_ERROR", None: None}.get(code, "X"),
        order_status=status if code == "0" else None,
        latency_us=10_000,
        client_ip="127.0.0.1",
        request_body="{}",
        response_body="{}",
        record_id=next(_ids),
    )


def place(code: str | None = "0") -> RequestRecord:
    return call("placeOrder", 0, code)


def queries(*at: float, code: str = "0", status: str = "CREATED") -> list[RequestRecord]:
    return [call("getOrder", t, code, status) for t in at]


def cancels(*answers: tuple[float, str]) -> list[RequestRecord]:
    return [call("cancelOrder", t, code, "FAILURE") for t, code in answers]


def order(amount: str = "10.00", status: str = "CREATED", **more: object) -> OrderFacts:
    return OrderFacts("O1", Decimal(amount), status, bool(more.get("notify", True)))


def at(seconds: float) -> int:
    return T0 + int(seconds * S)
