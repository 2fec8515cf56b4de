"""The console's Test plan page (sandbox): arm the go-live cases and watch their verdicts.

GET /console/testplan shows one merchant's cases, each with its latest run graded now
(rendered on the server: reload works without script). POST /console/testplan/arm
starts a run through TestPlanService.start, the service behind POST
/sandbox/api/testplan, then redirects back (303). /static/console-testplan.js polls
GET /console/testplan/verdicts every 2 s (session cookie, JSON) and updates the page.
A merchant user always gets its own merchant. On a production gateway the page says
the test plan is a sandbox feature and the POST is refused.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from botimpay.domain.console import ConsoleSession
from botimpay.domain.testplan_cases import parse_case
from botimpay.errors import InvalidParameter
from botimpay.services.console_testplan import ConsoleTestPlan
from botimpay.services.faults import SandboxOnly
from botimpay.web.checkout_forms import no_store, read_form
from botimpay.web.console_orders import when
from botimpay.web.console_session import (
    current_session,
    forbidden,
    page,
    session_csrf_ok,
    to_login,
    with_query,
)
from botimpay.web.state import state_of

router = APIRouter(include_in_schema=False)

PATH = "/console/testplan"
TIME_SCALES = ("1", "0.5", "0.2", "0.1", "0.05")
FEATURE_TEXT = "The test plan is a sandbox feature"


def _service(request: Request) -> ConsoleTestPlan:
    state = state_of(request)
    return ConsoleTestPlan(state.db, state.testplan)


def _partner(session: ConsoleSession, asked: str | None) -> str | None:
    """The merchant shown: a merchant user's own, or the operator's choice."""
    own = session.user.visible_partner
    if own is not None:
        return own
    return (asked or "").strip()[:12] or None


def _here(partner: str | None, **extra: str) -> str:
    params = {"partner": partner} if partner else {}
    params.update(extra)
    return with_query(PATH, params)


@router.get(PATH)
async def testplan_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    state = state_of(request)
    context: dict[str, object] = {"title": "Test plan", "sandbox": state.settings.is_sandbox}
    if not state.settings.is_sandbox:
        return page(request, "console/testplan.html", session, context)
    partner = _partner(session, request.query_params.get("partner"))
    service = _service(request)
    known = partner is not None and await service.merchant_exists(partner)
    context.update(
        partner=partner or "",
        operator=session.user.visible_partner is None,
        known=known,
        boards=await service.board(partner) if known and partner else [],
        armed=request.query_params.get("armed", "")[:3],
        error=request.query_params.get("error", "")[:200],
        scales=TIME_SCALES,
        verdicts_url=f"{PATH}/verdicts?{urlencode({'partner': partner})}" if known else "",
        when=when,
        now_ms=state.clock.real_ms(),
    )
    return page(request, "console/testplan.html", session, context)


@router.post(PATH + "/arm")
async def arm_case(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    form = await read_form(request)
    if form is None or not session_csrf_ok(session, form):
        return forbidden(request, "The form expired or did not come from this console.")
    state = state_of(request)
    if not state.settings.is_sandbox:
        return forbidden(request, f"{FEATURE_TEXT}; this gateway runs in production mode.")
    partner = _partner(session, form.get("partner"))
    case = form.get("case", "")
    try:
        await state.testplan.start(partner, case, form.get("time_scale", "1") or "1")
    except SandboxOnly as exc:
        return forbidden(request, exc.message)
    except InvalidParameter as exc:
        return no_store(RedirectResponse(_here(partner, error=exc.message), 303))
    number = parse_case(case)
    target = _here(partner, armed=number) + f"#case-{number}"
    return no_store(RedirectResponse(target, 303))


@router.get(PATH + "/verdicts")
async def verdicts(request: Request) -> Response:
    """The page's cases as JSON, for the polling script (same session as the page)."""
    session = await current_session(request)
    if session is None:
        return no_store(JSONResponse({"error": "signed out"}, 401))
    state = state_of(request)
    if not state.settings.is_sandbox:
        return no_store(JSONResponse({"error": "sandbox only"}, 404))
    partner = _partner(session, request.query_params.get("partner"))
    service = _service(request)
    if partner is None or not await service.merchant_exists(partner):
        return no_store(JSONResponse({"error": "no such merchant"}, 404))
    boards = await service.board(partner)
    return no_store(JSONResponse({"partnerId": partner, "cases": [b.to_wire() for b in boards]}))
