"""Sandbox chargebacks and VOIDs over HTTP: POST /sandbox/api/chargeback and /void.

JSON, unsigned, like the other /sandbox helpers, and mounted only in sandbox mode
(production answers 404). The bodies are parsed by domain/chargeback.py, as the CLI's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request

from botimpay.domain.chargeback import ChargebackKind, parse_chargeback, parse_void
from botimpay.domain.ledger import InsufficientFunds
from botimpay.errors import BusinessError, InvalidParameter
from botimpay.services.chargebacks import (
    ChargebackResult,
    ChargebackService,
    acquire_chargeback,
    void_order,
)
from botimpay.services.faults import SandboxOnly
from botimpay.services.views import acquire_order
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.responses import WireJSONResponse, sandbox_error
from botimpay.web.state import state_of

router = APIRouter(prefix="/sandbox/api", tags=["Sandbox"])


def _service(request: Request) -> ChargebackService:
    state = state_of(request)
    return ChargebackService(state.db, state.clock, sandbox=state.settings.is_sandbox)


async def _body(request: Request) -> dict[str, Any]:
    return parse_json_object(await read_body(request, state_of(request).settings.max_body_bytes))


def _refused(exc: Exception) -> WireJSONResponse:
    if isinstance(exc, SandboxOnly):
        return sandbox_error(404, "SANDBOX_ONLY", exc.message)
    if isinstance(exc, InsufficientFunds):
        return sandbox_error(
            409,
            "INSUFFICIENT_BALANCE",
            f"the merchant's {exc.account.kind.value} balance is short of the amount;"
            " nothing was posted",
        )
    if isinstance(exc, BusinessError):
        return sandbox_error(409, exc.code.msg, exc.message)
    return sandbox_error(400, "INVALID_PARAMETER", str(getattr(exc, "message", exc)))


def _answer(result: ChargebackResult) -> WireJSONResponse:
    item, order = result.chargeback, result.order
    if item.kind is ChargebackKind.VOID:
        wire: dict[str, Any] = {"voidOrder": void_order(item, order)}
    else:
        wire = {
            "acquireChargeback": acquire_chargeback(item, order),
            "chargebackNo": item.chargeback_no,
        }
    wire.update(
        result="SUCCESS",
        notifyId=result.notify_id,
        refundableLeft=(order.total - order.refunded).to_wire(),
        acquireOrder=acquire_order(order),
    )
    return WireJSONResponse(wire)


@router.post("/chargeback", summary="Charge back (part of) a paid order and notify the merchant")
async def chargeback(request: Request) -> WireJSONResponse:
    try:
        result = await _service(request).chargeback(parse_chargeback(await _body(request)))
    except (InvalidParameter, BusinessError, InsufficientFunds, SandboxOnly) as exc:
        return _refused(exc)
    return _answer(result)


@router.post("/void", summary="VOID a whole unsettled payment and notify the merchant")
async def void(request: Request) -> WireJSONResponse:
    try:
        result = await _service(request).void(parse_void(await _body(request)))
    except (InvalidParameter, BusinessError, InsufficientFunds, SandboxOnly) as exc:
        return _refused(exc)
    return _answer(result)
