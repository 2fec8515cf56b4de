"""The console's cookies, sessions and CSRF checks, shared by every console page.

The session cookie holds a random token (only its hash is stored), HttpOnly,
SameSite=Lax, Path=/console, Secure when the gateway's public URL is https. Before
sign-in the login form is guarded by a double-submit cookie; after it every form
carries the session's own CSRF token. A page asked for without a session redirects
(303) to /console/login?next=<the page>.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from botimpay.domain.console import ConsoleSession
from botimpay.services.console_auth import ConsoleAuth
from botimpay.web.checkout_forms import no_store
from botimpay.web.security import CSRF_FIELD, csrf_matches, new_csrf_token, secure_cookies
from botimpay.web.state import state_of
from botimpay.web.templating import render

CONSOLE_PATH = "/console"
SESSION_COOKIE = "bp_console"
LOGIN_CSRF_COOKIE = "bp_console_csrf"
SESSION_COOKIE_AGE = 12 * 3600
LOGIN_CSRF_AGE = 3600

NAV = (
    ("/console/orders", "Orders"),
    ("/console/logs", "Logs"),
    ("/console/notifications", "Notifications"),
    ("/console/developers", "Developers"),
    ("/console/balances", "Balances"),
    ("/console/testplan", "Test plan"),
)


def with_query(path: str, params: dict[str, str]) -> str:
    """`path` with `params` as its query string (none when there are none): the lists'
    paging and filter links, the pages' redirects."""
    return path + (f"?{urlencode(params)}" if params else "")


def console_auth(request: Request) -> ConsoleAuth:
    state = state_of(request)
    return ConsoleAuth(state.db, state.clock)


async def current_session(request: Request) -> ConsoleSession | None:
    return await console_auth(request).session(request.cookies.get(SESSION_COOKIE))


def to_login(request: Request) -> Response:
    """303 to the sign-in page, coming back to this page afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return no_store(RedirectResponse("/console/login?" + urlencode({"next": here}), 303))


def set_console_cookie(
    request: Request, response: Response, name: str, value: str, age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path=CONSOLE_PATH,
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=CONSOLE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def login_csrf(request: Request) -> tuple[str, bool]:
    """The login form's double-submit token, and whether its cookie must be (re)set."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if 20 <= len(existing) <= 64:
        return existing, False
    return new_csrf_token(), True


def login_csrf_ok(request: Request, form: dict[str, str]) -> bool:
    return csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD))


def session_csrf_ok(session: ConsoleSession, form: dict[str, str]) -> bool:
    return csrf_matches(session.csrf_token, form.get(CSRF_FIELD))


def forbidden(request: Request, message: str) -> HTMLResponse:
    response = render(
        request,
        "console/error.html",
        {"title": "Refused", "message": message, "session": None, "nav": NAV},
        status_code=403,
    )
    no_store(response)
    return response


def page(
    request: Request,
    template: str,
    session: ConsoleSession,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """A console page for a signed-in user: the layout's nav, user and sign-out form."""
    return no_store(
        render(
            request,
            template,
            {"session": session, "nav": NAV, "csrf_field": CSRF_FIELD, **context},
            status_code=status_code,
        )
    )
