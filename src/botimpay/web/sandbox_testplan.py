"""The go-live test plan over HTTP: start a case run, read its live grade.

JSON, unsigned, like the other /sandbox helpers, and mounted only in sandbox mode
(production answers 404). `botimpay testplan` drives the same service.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from botimpay.domain.inputs import refuse_unknown_fields
from botimpay.errors import InvalidParameter
from botimpay.services.faults import SandboxOnly
from botimpay.services.testplan import UnknownRun
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.responses import WireJSONResponse, sandbox_error
from botimpay.web.state import state_of

router = APIRouter(prefix="/sandbox/api", tags=["Sandbox"])

_FIELDS = frozenset({"partnerId", "case", "timeScale"})


@router.post("/testplan", status_code=201, summary="Start a test-case run for a merchant")
async def start_run(request: Request) -> WireJSONResponse:
    """`{"partnerId", "case": "001".."009", "timeScale"?: 1}` → 201 `{"id"}`. The run
    binds to the merchant's next placeOrder with a new merchantOrderNo."""
    state = state_of(request)
    try:
        raw = parse_json_object(await read_body(request, state.settings.max_body_bytes))
        refuse_unknown_fields(raw, _FIELDS)
        if "case" not in raw:
            raise InvalidParameter('case is required: "001" to "009"')
        run_id = await state.testplan.start(
            raw.get("partnerId"), raw["case"], raw.get("timeScale", 1)
        )
    except SandboxOnly as exc:
        return sandbox_error(404, "SANDBOX_ONLY", exc.message)
    except InvalidParameter as exc:
        return sandbox_error(400, "INVALID_PARAMETER", exc.message)
    return WireJSONResponse({"id": run_id}, 201)


@router.get("/testplan/{run_id}", summary="A test-case run, graded now")
async def run_status(run_id: str, request: Request) -> WireJSONResponse:
    """`{"id", "case", "status": PENDING|PASS|FAIL, "timeScale", "merchantOrderNo",
    "rules": [{"rule", "status", "evidence"}]}`."""
    try:
        view = await state_of(request).testplan.status(run_id)
    except SandboxOnly as exc:
        return sandbox_error(404, "SANDBOX_ONLY", exc.message)
    except UnknownRun as exc:
        return sandbox_error(404, "NOT_FOUND", exc.message)
    return WireJSONResponse(view.to_wire())
