"""Sandbox fault injection over HTTP: arm, list and clear a merchant's faults.

JSON, unsigned, like the other /sandbox helpers, and mounted only in sandbox mode
(production answers 404). The body goes through the same FaultRequest.parse as
`botimpay faults add`, so both spell a fault the same way.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from botimpay.errors import InvalidParameter
from botimpay.services.faults import FaultRequest, SandboxOnly
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.responses import WireJSONResponse, sandbox_error
from botimpay.web.state import state_of

router = APIRouter(prefix="/sandbox/api", tags=["Sandbox"])


def _refused(exc: InvalidParameter | SandboxOnly) -> WireJSONResponse:
    if isinstance(exc, SandboxOnly):
        return sandbox_error(404, "SANDBOX_ONLY", exc.message)
    return sandbox_error(400, "INVALID_PARAMETER", exc.message)


def _partner_id(request: Request) -> str:
    """The `partnerId` query parameter (given once, 1 to 12 characters)."""
    given = request.query_params.getlist("partnerId")
    if len(given) != 1 or not 0 < len(given[0]) <= 12:
        raise InvalidParameter("the query parameter partnerId is required (1 to 12 characters)")
    return given[0]


@router.post("/faults", status_code=201, summary="Arm a fault for a merchant's next calls")
async def arm_fault(request: Request) -> WireJSONResponse:
    state = state_of(request)
    try:
        raw = parse_json_object(await read_body(request, state.settings.max_body_bytes))
        armed = await state.faults.arm(FaultRequest.parse(raw))
    except (InvalidParameter, SandboxOnly) as exc:
        return _refused(exc)
    return WireJSONResponse(armed.to_wire(), 201)


@router.get("/faults", summary="A merchant's faults still armed")
async def list_faults(request: Request) -> WireJSONResponse:
    state = state_of(request)
    try:
        armed = await state.faults.list(_partner_id(request))
    except (InvalidParameter, SandboxOnly) as exc:
        return _refused(exc)
    return WireJSONResponse({"faults": [fault.to_wire() for fault in armed]})


@router.delete("/faults", summary="Clear a merchant's faults")
async def clear_faults(request: Request) -> WireJSONResponse:
    state = state_of(request)
    try:
        cleared = await state.faults.clear(_partner_id(request))
    except (InvalidParameter, SandboxOnly) as exc:
        return _refused(exc)
    return WireJSONResponse({"cleared": cleared})
