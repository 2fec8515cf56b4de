"""The response envelope `{"head": {...}, "body": {...}}` and its exact bytes.

`body` is present only for applyStatus SUCCESS with code "0" (the reference's rule).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

import orjson
from pydantic import ValidationError

from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode
from botimpay.protocol.money import wire_default

REQUEST_WINDOW_MS = 15 * 60 * 1000


class ApplyStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    ERROR = "ERROR"


def new_trace_code() -> str:
    """An opaque id that ties a response to the server log line."""
    return secrets.token_hex(8)


def render_message(code: ResponseCode, detail: str | None) -> str:
    if not detail or detail == code.msg:
        return code.msg
    return f"{code.msg}: {detail}"


def encode_response(
    code: ResponseCode,
    *,
    trace_code: str,
    body: dict[str, Any] | None = None,
    detail: str | None = None,
    apply_status: ApplyStatus | None = None,
) -> bytes:
    """The exact response bytes; business codes are SUCCESS, global codes FAIL."""
    if apply_status is None:
        apply_status = (
            ApplyStatus.FAIL if code.is_global and code.code != "0" else ApplyStatus.SUCCESS
        )
    head = {
        "applyStatus": apply_status.value,
        "code": code.code,
        "msg": render_message(code, detail),
        "traceCode": trace_code,
    }
    envelope: dict[str, Any] = {"head": head}
    if body is not None and apply_status is ApplyStatus.SUCCESS and code.code == "0":
        envelope["body"] = body
    return orjson.dumps(envelope, default=wire_default)


def check_request_time(request_time_ms: int, real_now_ms: int) -> ResponseCode | None:
    """The ±15 minute window, always against the real clock; None when inside it."""
    if request_time_ms < real_now_ms - REQUEST_WINDOW_MS:
        return codes.REQUESTTIME_TOO_EARLY
    if request_time_ms > real_now_ms + REQUEST_WINDOW_MS:
        return codes.REQUESTTIME_TOO_LATER
    return None


def describe_validation_error(error: ValidationError, prefix: str) -> str:
    """One line naming every bad field by its wire path, e.g. `bizContent.subject: ...`."""
    parts: list[str] = []
    for item in error.errors(include_url=False)[:5]:
        path = (
            ".".join([prefix, *(str(p) for p in item["loc"])])
            if prefix
            else ".".join(str(p) for p in item["loc"])
        )
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        if message.startswith("."):
            # A nested value's own field, e.g. Money's ".amount must be greater than 0".
            sub_field, _, message = message.partition(" ")
            path = f"{path}{sub_field}"
        parts.append(f"{path or 'body'}: {message}")
    return "; ".join(parts)
