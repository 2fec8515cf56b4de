"""The signed merchant API under /sgs/api: one pipeline, one handler per endpoint.

Pipeline: route (POST to a known path) → Partner-Id → body limit → whitelist,
status, rate, signature over the raw bytes → JSON → requestTime window →
bizContent model → use case. Every request under /sgs/api/, whatever its method,
is answered here (web/fast_path.py adapts it to an ApiCall): HTTP 200 with the
envelope, signed with the merchant's gateway key whenever the merchant is known.
A method other than POST or an unknown path is 404 SERVICE_NOT_AVAILABLE.
A download (getOrderStatement) succeeds with the file itself: a handler returning a
RawAnswer is answered with its bytes, media type and Content-Disposition (signed
too); every refusal stays the signed envelope.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from botimpay.domain.request_log import RequestRecord, body_text, storable
from botimpay.errors import ApiError, AuthenticationError, InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode
from botimpay.protocol.envelope import (
    ApplyStatus,
    check_request_time,
    describe_validation_error,
    encode_response,
    new_trace_code,
)
from botimpay.protocol.requests import (
    Envelope,
)
from botimpay.services.auth import MerchantAuth
from botimpay.store.driver_errors import is_unstorable_text
from botimpay.web import (
    api_invoice,
    api_member,
    api_orders,
    api_payer,
    api_queries,
    api_statements,
    faulting,
)
from botimpay.web.body import parse_json_object
from botimpay.web.operation import Operation, RawAnswer, Reply
from botimpay.web.security import NEUTRAL_HEADERS
from botimpay.web.state import AppState

log = logging.getLogger("botimpay.api")

PREFIX = "/sgs/api/"
JSON_UTF8 = "application/json; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class ApiCall:
    """What the pipeline needs of one HTTP request (made by web/fast_path.py only)."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    client_ip: str | None
    body: Callable[[int], Awaitable[bytes]]  # reads the body, refusing more than n bytes


def _validate(model: type[BaseModel], data: object, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidParameter(describe_validation_error(exc, prefix)) from exc


def _partner_id(call: ApiCall) -> str:
    return (call.headers.get("partner-id") or "").strip()


async def _merchant(state: AppState, partner_id: str) -> MerchantAuth | None:
    """The merchant `partner_id` names, if any (checks nothing else)."""
    return await state.authenticator.load(partner_id) if 0 < len(partner_id) <= 12 else None


async def _authenticate(state: AppState, call: ApiCall) -> MerchantAuth:
    partner_id = _partner_id(call)
    if not partner_id:
        raise InvalidParameter("the Partner-Id header is required")
    auth = await _merchant(state, partner_id)
    if auth is None:
        raise AuthenticationError(f"unknown Partner-Id {partner_id[:12]}")
    return auth


def _no_api(call: ApiCall, operation: Operation | None) -> str:
    """Why no API answers this request, naming its method and path (cut short, and any
    character the JSON encoder refuses escaped)."""
    where = f"{call.method[:16]} {call.path[:128]}"
    where = where.encode("utf-8", "backslashreplace").decode("utf-8")
    return f"no API at {where}" if operation is None else f"no API at {where}; it takes POST"


OPERATIONS: tuple[Operation, ...] = (
    *api_orders.OPERATIONS,
    *api_payer.OPERATIONS,
    *api_queries.OPERATIONS,
    *api_member.OPERATIONS,
    *api_statements.OPERATIONS,
    *api_invoice.OPERATIONS,
)
OPERATIONS_BY_PATH: dict[str, Operation] = {PREFIX + op.path: op for op in OPERATIONS}


@dataclass(slots=True)
class _Seen:
    """What the pipeline learnt of a call on its way, for the request log."""

    auth: MerchantAuth | None = None
    verified: bool = False
    body: bytes = b""
    biz: Any = None
    code: ResponseCode = codes.SUCCESS
    fault: str | None = None
    detail: str | None = None
    order_status: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The pipeline's answer: the envelope and its headers, or (`drop`) no answer at all:
    the connection is closed (a TIMEOUT fault)."""

    payload: bytes
    headers: list[tuple[bytes, bytes]]
    drop: bool = False


async def _run_call(
    state: AppState, call: ApiCall, operation: Operation, seen: _Seen
) -> tuple[Reply | None, bool]:
    """Authentication to use case; the result, and whether to drop the connection."""
    auth = seen.auth = await _authenticate(state, call)
    seen.body = await call.body(state.settings.max_body_bytes)
    await state.authenticator.check(auth, call.client_ip, seen.body, call.headers.get("sign"))
    seen.verified = True
    envelope: Envelope = _validate(Envelope, parse_json_object(seen.body), "")
    window = check_request_time(envelope.requestTime, state.clock.real_ms())
    if window is not None:
        raise ApiError(
            operation.window_refusal(window),
            "requestTime must be within 15 minutes of the current time",
        )
    biz = seen.biz = _validate(operation.biz_model, envelope.bizContent, "bizContent")
    if not faulting.may_apply(state, auth, call.headers):  # production, or nothing armed
        return await operation.handler(state, auth, biz, envelope.requestTime), False
    fault = await faulting.pick(
        state, auth, call.headers, operation.path, getattr(biz, "merchantOrderNo", None)
    )
    if fault is not None:
        seen.fault = fault.label
    outcome = await faulting.run(
        fault, lambda: operation.handler(state, auth, biz, envelope.requestTime)
    )
    return outcome.result, outcome.drop


async def handle(state: AppState, call: ApiCall) -> Answer:
    """Runs the whole pipeline and logs the call; never raises."""
    started = time.perf_counter_ns()
    received_at = state.clock.real_ms()
    trace = new_trace_code()
    seen = _Seen()
    operation = OPERATIONS_BY_PATH.get(call.path)
    drop = False
    raw: RawAnswer | None = None
    try:
        if operation is None or call.method != "POST":
            seen.auth = await _merchant(state, _partner_id(call))  # only to sign the refusal
            raise ApiError(codes.SERVICE_NOT_AVAILABLE, _no_api(call, operation))
        result, drop = await _run_call(state, call, operation, seen)
        payload = b""
        if isinstance(result, RawAnswer):  # a download: the file itself, not the envelope
            raw, payload = result, result.content
        elif not drop:
            assert result is not None
            status = result.get("acquireOrder", {}).get("status")
            seen.order_status = status if isinstance(status, str) else None
            payload = encode_response(codes.SUCCESS, trace_code=trace, body=result)
    except faulting.Injected as injected:
        seen.code = injected.code
        payload = encode_response(injected.code, trace_code=trace)
    except ApiError as exc:
        counted = isinstance(exc, AuthenticationError) or (
            not seen.verified and exc.code is not codes.RATE_LIMIT_REJECT
        )
        seen.code, seen.detail = exc.code, exc.message
        payload = _refusal(state, call, trace, exc, counted=counted, seen=seen)
    except Exception as exc:
        if not is_unstorable_text(exc):
            log.exception("trace=%s path=%s unexpected error", trace, call.path)
            seen.code = codes.SYSTEM_ERROR
            payload = encode_response(codes.SYSTEM_ERROR, trace_code=trace)
        else:  # the second line behind body.py's check: a gap is a 400, and is logged
            kind = type(exc).__name__
            log.warning("trace=%s path=%s unstorable text reached %s", trace, call.path, kind)
            seen.code = codes.INVALID_PARAMETER
            seen.detail = "a text value contains a character that cannot be stored"
            payload = encode_response(codes.INVALID_PARAMETER, trace_code=trace, detail=seen.detail)
    headers = [*(_ANSWER_HEADERS if raw is None else _raw_headers(raw))]
    headers.append((b"content-length", str(len(payload)).encode()))
    if seen.auth is not None:
        headers.append((b"sign", seen.auth.sign(payload).encode()))
    logged = payload if raw is None else _raw_note(raw)
    record = _record(state, call, trace, received_at, started, seen, logged, drop=drop)
    state.metrics.api.observe(
        None if operation is None else operation.path,
        None if drop else seen.code,
        record.latency_us,
    )
    state.request_log.record(record)
    return Answer(payload, headers, drop)


def _text_ref(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return storable(value, 64) if isinstance(value, str) else None


def _record(
    state: AppState,
    call: ApiCall,
    trace: str,
    received_at: int,
    started_ns: int,
    seen: _Seen,
    payload: bytes,
    *,
    drop: bool,
) -> RequestRecord:
    auth = seen.auth
    claimed = None if auth is not None else storable(_partner_id(call), 64) or None
    path = call.path.removeprefix(PREFIX) if call.path in OPERATIONS_BY_PATH else call.path
    # the model's own fields (getattr on a field it lacks costs pydantic an exception)
    fields: dict[str, Any] = vars(seen.biz) if isinstance(seen.biz, BaseModel) else {}
    return RequestRecord(
        trace_code=trace,
        received_at=received_at,
        business_at=received_at + state.clock.offset_ms,
        partner_id=auth.merchant.partner_id if auth is not None else None,
        claimed_partner_id=claimed,
        operation=storable(path, 160) or "",
        merchant_order_no=_text_ref(fields, "merchantOrderNo"),
        order_no=_text_ref(fields, "orderNo"),
        refund_merchant_order_no=_text_ref(fields, "refundMerchantOrderNo"),
        code=None if drop else seen.code.code,
        msg=None if drop else seen.code.msg,
        order_status=seen.order_status,
        latency_us=(time.perf_counter_ns() - started_ns) // 1000,
        client_ip=storable(call.client_ip, 64),
        request_body=body_text(seen.body),
        response_body=body_text(payload),
        fault=seen.fault,
        detail=storable(seen.detail, 300),
    )


def _refusal(
    state: AppState, call: ApiCall, trace: str, exc: ApiError, *, counted: bool, seen: _Seen
) -> bytes:
    """The answer to a refused call. Refusals before the signature verified count
    toward the client IP's budget; past it they are answered 402 RATE_LIMIT_REJECT."""
    if counted and state.authenticator.over_failure_budget(call.client_ip):
        seen.code = codes.RATE_LIMIT_REJECT
        seen.detail = "too many refused requests from this address"
        return encode_response(
            codes.RATE_LIMIT_REJECT,
            trace_code=trace,
            detail="too many refused requests from this address",
        )
    signature_failed = isinstance(exc, AuthenticationError) and exc.signature_failed
    return encode_response(
        exc.code,
        trace_code=trace,
        detail=exc.message,
        apply_status=ApplyStatus.ERROR if signature_failed else None,
    )


_ANSWER_HEADERS = ((b"content-type", JSON_UTF8.encode()), *NEUTRAL_HEADERS)


def _raw_headers(raw: RawAnswer) -> list[tuple[bytes, bytes]]:
    """A file's headers: its media type and `attachment; filename=...` (as the reference
    writes it, unquoted), then the same neutral headers as every answer."""
    disposition = f"attachment; filename={raw.file_name}"
    return [
        (b"content-type", raw.media_type.encode("latin-1")),
        (b"content-disposition", disposition.encode("latin-1")),
        *NEUTRAL_HEADERS,
    ]


def _raw_note(raw: RawAnswer) -> bytes:
    """What the request log keeps of a file answer: its name and size, not its bytes."""
    return f"[{raw.media_type} {raw.file_name}, {len(raw.content)} bytes]".encode()
