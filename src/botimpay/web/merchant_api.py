"""The signed merchant API under /sgs/api: one pipeline, one handler per endpoint.

Pipeline: route (POST to a known path) → Partner-Id → body limit → whitelist,
status, rate, signature over the raw bytes → JSON → requestTime window →
bizContent model → use case. Every request under /sgs/api/, whatever its method,
is answered here (web/fast_path.py adapts it to an ApiCall): HTTP 200 with the
envelope, signed with the merchant's gateway key whenever the merchant is known.
A method other than POST or an unknown path is 404 SERVICE_NOT_AVAILABLE.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from botimpay.errors import ApiError, AuthenticationError, InvalidParameter
from botimpay.protocol import codes
from botimpay.protocol.envelope import (
    ApplyStatus,
    check_request_time,
    describe_validation_error,
    encode_response,
    new_trace_code,
)
from botimpay.protocol.refund_requests import GetRefundBiz, RefundBiz, RevokeOrderBiz
from botimpay.protocol.requests import (
    CancelOrderBiz,
    Envelope,
    GetOrderBiz,
    PlaceOrderBiz,
    UpdateExpiredTimeBiz,
)
from botimpay.services.auth import MerchantAuth
from botimpay.services.refunds import RefundResult
from botimpay.services.views import acquire_order, refund_order, refund_summary
from botimpay.store.driver_errors import is_unstorable_text
from botimpay.web import schemas
from botimpay.web.body import parse_json_object
from botimpay.web.security import NEUTRAL_HEADERS
from botimpay.web.state import AppState

log = logging.getLogger("botimpay.api")

PREFIX = "/sgs/api/"
JSON_UTF8 = "application/json; charset=UTF-8"

Handler = Callable[[AppState, MerchantAuth, Any, int], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    summary: str
    biz_model: type[BaseModel]
    request_model: type[BaseModel]
    response_model: type[BaseModel]
    handler: Handler


def _refund_body(result: RefundResult) -> dict[str, Any]:
    return {
        "refundOrder": refund_order(result.refund, result.order),
        "refundSummary": refund_summary(result.order),
    }


async def _place_order(
    state: AppState, auth: MerchantAuth, biz: PlaceOrderBiz, request_time: int
) -> dict[str, Any]:
    placed = await state.orders.place(auth.merchant.partner_id, biz, request_time)
    body: dict[str, Any] = {"acquireOrder": acquire_order(placed.order)}
    if placed.token_url is not None:
        body["interActionParams"] = {"tokenUrl": placed.token_url}
    return body


async def _get_order(
    state: AppState, auth: MerchantAuth, biz: GetOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.get(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _cancel_order(
    state: AppState, auth: MerchantAuth, biz: CancelOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.cancel(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _update_expired_time(
    state: AppState, auth: MerchantAuth, biz: UpdateExpiredTimeBiz, request_time: int
) -> dict[str, Any]:
    order = await state.orders.update_expiry(
        auth.merchant.partner_id, biz, biz.expiredTime, request_time
    )
    return {"acquireOrder": acquire_order(order)}


async def _revoke_order(
    state: AppState, auth: MerchantAuth, biz: RevokeOrderBiz, request_time: int
) -> dict[str, Any]:
    order = await state.refunds.revoke(auth.merchant.partner_id, biz)
    return {"acquireOrder": acquire_order(order)}


async def _refund(
    state: AppState, auth: MerchantAuth, biz: RefundBiz, request_time: int
) -> dict[str, Any]:
    return _refund_body(await state.refunds.refund(auth.merchant.partner_id, biz, request_time))


async def _get_refund(
    state: AppState, auth: MerchantAuth, biz: GetRefundBiz, request_time: int
) -> dict[str, Any]:
    return _refund_body(await state.refunds.get(auth.merchant.partner_id, biz))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "acquire2/placeOrder",
        "Create a JSAPI or DYNQR order",
        PlaceOrderBiz,
        schemas.PlaceOrderRequest,
        schemas.PlaceOrderResponse,
        _place_order,
    ),
    Operation(
        "acquire2/getOrder",
        "Retrieve an order",
        GetOrderBiz,
        schemas.GetOrderRequest,
        schemas.OrderResponse,
        _get_order,
    ),
    Operation(
        "acquire2/cancelOrder",
        "Cancel an unpaid order",
        CancelOrderBiz,
        schemas.CancelOrderRequest,
        schemas.OrderResponse,
        _cancel_order,
    ),
    Operation(
        "acquire2/updateExpiredTime",
        "Change an unpaid order's expiry",
        UpdateExpiredTimeBiz,
        schemas.UpdateExpiredTimeRequest,
        schemas.OrderResponse,
        _update_expired_time,
    ),
    Operation(
        "acquire2/revokeOrder",
        "Revoke an order: close it if unpaid, refund it in full if paid",
        RevokeOrderBiz,
        schemas.RevokeOrderRequest,
        schemas.OrderResponse,
        _revoke_order,
    ),
    Operation(
        "acquire2/refund/placeOrder",
        "Refund a paid order in full or in part",
        RefundBiz,
        schemas.RefundRequest,
        schemas.RefundResponse,
        _refund,
    ),
    Operation(
        "acquire2/refund/getOrder",
        "Retrieve a refund",
        GetRefundBiz,
        schemas.GetRefundRequest,
        schemas.RefundResponse,
        _get_refund,
    ),
)


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


OPERATIONS_BY_PATH: dict[str, Operation] = {PREFIX + op.path: op for op in OPERATIONS}


async def handle(state: AppState, call: ApiCall) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Runs the whole pipeline; never raises. The answer: the envelope and its headers."""
    trace = new_trace_code()
    auth: MerchantAuth | None = None
    verified = False
    operation = OPERATIONS_BY_PATH.get(call.path)
    try:
        if operation is None or call.method != "POST":
            auth = await _merchant(state, _partner_id(call))  # only to sign the refusal
            raise ApiError(codes.SERVICE_NOT_AVAILABLE, _no_api(call, operation))
        auth = await _authenticate(state, call)
        body = await call.body(state.settings.max_body_bytes)
        state.authenticator.check(auth, call.client_ip, body, call.headers.get("sign"))
        verified = True
        envelope: Envelope = _validate(Envelope, parse_json_object(body), "")
        window = check_request_time(envelope.requestTime, state.clock.real_ms())
        if window is not None:
            raise ApiError(window, "requestTime must be within 15 minutes of the current time")
        biz = _validate(operation.biz_model, envelope.bizContent, "bizContent")
        result = await operation.handler(state, auth, biz, envelope.requestTime)
        payload = encode_response(codes.SUCCESS, trace_code=trace, body=result)
    except AuthenticationError as exc:
        log.info("trace=%s path=%s refused: %s", trace, call.path, exc.message)
        payload = _refusal(state, call, trace, exc, counted=True)
    except ApiError as exc:
        counted = not verified and exc.code is not codes.RATE_LIMIT_REJECT
        payload = _refusal(state, call, trace, exc, counted=counted)
        log.info("trace=%s path=%s code=%s %s", trace, call.path, exc.code.code, exc.message)
    except Exception as exc:
        if not is_unstorable_text(exc):
            log.exception("trace=%s path=%s unexpected error", trace, call.path)
            payload = encode_response(codes.SYSTEM_ERROR, trace_code=trace)
        else:  # the second line behind body.py's check: a gap is a 400, and is logged
            kind = type(exc).__name__
            log.warning("trace=%s path=%s unstorable text reached %s", trace, call.path, kind)
            payload = encode_response(
                codes.INVALID_PARAMETER,
                trace_code=trace,
                detail="a text value contains a character that cannot be stored",
            )
    headers = [*_ANSWER_HEADERS, (b"content-length", str(len(payload)).encode())]
    if auth is not None:
        headers.append((b"sign", auth.sign(payload).encode()))
    return payload, headers


def _refusal(state: AppState, call: ApiCall, trace: str, exc: ApiError, *, counted: bool) -> bytes:
    """The answer to a refused call. Refusals before the signature verified count
    toward the client IP's budget; past it they are answered 402 RATE_LIMIT_REJECT."""
    if counted and state.authenticator.over_failure_budget(call.client_ip):
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
