"""The console at /console: sign-in, sign-out, and the router every console page joins.

Operators see every merchant; a merchant user sees only its own (the services
narrow every query to `ConsoleUser.visible_partner`). Pages are server-rendered
under the same strict CSP as the checkout: no inline script or style.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from botimpay.domain.console import safe_next
from botimpay.web import (
    console_balances,
    console_developers,
    console_logs,
    console_notifications,
    console_orders,
    console_testplan,
)
from botimpay.web.checkout_forms import no_store, read_form
from botimpay.web.console_session import (
    LOGIN_CSRF_AGE,
    LOGIN_CSRF_COOKIE,
    NAV,
    SESSION_COOKIE,
    SESSION_COOKIE_AGE,
    clear_session_cookie,
    console_auth,
    current_session,
    forbidden,
    login_csrf,
    login_csrf_ok,
    session_csrf_ok,
    set_console_cookie,
    to_login,
)
from botimpay.web.security import CSRF_FIELD
from botimpay.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_MODULES = (
    console_orders,
    console_logs,
    console_notifications,
    console_developers,
    console_balances,
    console_testplan,
)
for page_module in PAGE_MODULES:
    router.include_router(page_module.router)


@router.get("/console")
async def console_home(request: Request) -> Response:
    if await current_session(request) is None:
        return to_login(request)
    return no_store(RedirectResponse("/console/orders", status_code=303))


def _login_page(
    request: Request, *, next_path: str, message: str | None = None, status_code: int = 200
) -> Response:
    token, fresh = login_csrf(request)
    response = render(
        request,
        "console/login.html",
        {
            "title": "Sign in",
            "session": None,
            "nav": NAV,
            "csrf_field": CSRF_FIELD,
            "csrf": token,
            "next_path": next_path,
            "message": message,
        },
        status_code=status_code,
    )
    if fresh:
        set_console_cookie(request, response, LOGIN_CSRF_COOKIE, token, LOGIN_CSRF_AGE)
    return no_store(response)


@router.get("/console/login")
async def login_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    if await current_session(request) is not None:
        return no_store(RedirectResponse(next_path, status_code=303))
    return _login_page(request, next_path=next_path)


@router.post("/console/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    if form is None or not login_csrf_ok(request, form):
        return forbidden(request, "The form expired or did not come from this console.")
    next_path = safe_next(form.get("next"))
    result = await console_auth(request).sign_in(
        form.get("username", "").strip(), form.get("password", "")
    )
    if result.token is None:
        message = (
            "Too many wrong passwords: this account is locked for 30 minutes."
            if result.locked
            else "Wrong username or password."
        )
        return _login_page(request, next_path=next_path, message=message, status_code=401)
    response = no_store(RedirectResponse(next_path, status_code=303))
    set_console_cookie(request, response, SESSION_COOKIE, result.token, SESSION_COOKIE_AGE)
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request)
    session = await current_session(request)
    if session is None:
        return to_login(request)
    if form is None or not session_csrf_ok(session, form):
        return forbidden(request, "The form expired or did not come from this console.")
    await console_auth(request).sign_out(request.cookies.get(SESSION_COOKIE))
    response = no_store(RedirectResponse("/console/login", status_code=303))
    clear_session_cookie(request, response)
    return response
