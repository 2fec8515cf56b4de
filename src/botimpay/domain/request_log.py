"""One merchant API call as the request log keeps it, and how its text is made storable.

Pure: the front door builds records, the store writes them in batches, the
test-plan grader and `botimpay requests` read them back.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import NamedTuple

import orjson

BODY_LIMIT_BYTES = 8 * 1024  # request and response bodies are cut to this many bytes


def storable(text: str | None, limit: int) -> str | None:
    """`text` cut to `limit` characters, with what no database column takes (NUL, lone
    surrogates) escaped, so any client input can be logged."""
    if text is None:
        return None
    cut = text[:limit]
    if cut.isascii() and "\x00" not in cut:  # the usual case, and the cheap one
        return cut
    if "\x00" in cut:
        cut = cut.replace("\x00", "\\x00")
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


def body_text(raw: bytes, limit: int = BODY_LIMIT_BYTES) -> str:
    """A body as logged: at most `limit` bytes, undecodable bytes and NUL escaped."""
    cut = raw[:limit]
    text = cut.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
    if len(raw) > limit:
        text += f"...[{len(raw) - limit} more bytes]"
    return text


def pretty_body(text: str) -> str:
    """A logged body indented when it is JSON (numbers exactly as sent), else as is:
    how `botimpay requests show` and the console's order page show it."""
    if not text:
        return "(empty)"
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal)
        pretty = orjson.dumps(value, default=_exact, option=orjson.OPT_INDENT_2)
    except (ValueError, TypeError, RecursionError, orjson.JSONEncodeError):
        return text  # cut short, or never JSON
    return pretty.decode()


def _exact(value: object) -> orjson.Fragment:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value).encode())
    raise TypeError


class RequestRecord(NamedTuple):
    """One call: when, who, what it named, how it was answered, and any fault injected.

    A tuple, fields in the table's column order: the front door builds one per call,
    and a batch is written as these tuples as they are (services.request_log)."""

    trace_code: str
    received_at: int  # wall-clock ms
    business_at: int  # business-clock ms
    partner_id: str | None  # the merchant, when the Partner-Id named one
    claimed_partner_id: str | None  # the Partner-Id as given, when it named no merchant
    operation: str  # e.g. acquire2/placeOrder (or the path that named no API)
    merchant_order_no: str | None
    order_no: str | None
    refund_merchant_order_no: str | None
    code: str | None  # head.code; None when no answer was sent (TIMEOUT)
    msg: str | None  # head.msg
    order_status: str | None  # acquireOrder.status in the answer
    latency_us: int
    client_ip: str | None
    request_body: str
    response_body: str
    fault: str | None = None
    detail: str | None = None  # why a call was refused
    record_id: int | None = None  # set once stored

    @property
    def succeeded(self) -> bool:
        return self.code == "0"

    def order_ref(self) -> str:
        return self.merchant_order_no or self.order_no or self.refund_merchant_order_no or "-"

    def to_wire(self) -> dict[str, object]:
        return {
            "id": self.record_id,
            "traceCode": self.trace_code,
            "receivedAt": self.received_at,
            "businessAt": self.business_at,
            "partnerId": self.partner_id or self.claimed_partner_id,
            "knownPartner": self.partner_id is not None,
            "operation": self.operation,
            "merchantOrderNo": self.merchant_order_no,
            "orderNo": self.order_no,
            "refundMerchantOrderNo": self.refund_merchant_order_no,
            "code": self.code,
            "msg": self.msg,
            "orderStatus": self.order_status,
            "latencyMs": round(self.latency_us / 1000, 3),
            "clientIp": self.client_ip,
            "fault": self.fault,
            "detail": self.detail,
        }
