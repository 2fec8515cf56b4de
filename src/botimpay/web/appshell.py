"""The BOTIM app shell at /app: wallet, scan, and a webview with the payment bridge.

The page itself is static HTML plus /static/app.js; its JSON API lives in
`appshell_api`. It is the one page whose Content-Security-Policy lets frames
load any http(s) site, because its webview shows merchant sites.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from botimpay.web import appshell_api
from botimpay.web.appshell_api import current_session, display_phone, public_origin
from botimpay.web.appshell_text import language, page_labels, script_texts
from botimpay.web.checkout_text import SANDBOX_VALUES, isolated
from botimpay.web.security import (
    CSRF_COOKIE,
    content_security_policy,
    new_csrf_token,
    set_cookie,
)
from botimpay.web.state import state_of
from botimpay.web.templating import render

router = APIRouter(tags=["App shell"], include_in_schema=False)
router.include_router(appshell_api.router)

WEBVIEW_NAME = "botimpay-webview"
WEBVIEW_FRAMES = "'self' http: https:"
_CSRF_COOKIE_AGE = 12 * 3600
SANDBOX_HINT_VALUES = {**SANDBOX_VALUES, "password": "132580"}


@router.get("/app")
async def app_page(request: Request) -> Response:
    state = state_of(request)
    session = await current_session(request)
    pre_login_token = None
    if session is None:
        pre_login_token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    base = str(request.base_url).rstrip("/")
    nonce = getattr(request.state, "csp_nonce", "")
    lang = language(request.query_params.get("lang"))
    tr = page_labels(lang)
    response = render(
        request,
        "app/shell.html",
        {
            "lang": lang,
            "tr": tr,
            "texts": script_texts(lang),
            "switch_url": "/app" if lang == "ar" else "/app?lang=ar",
            "sandbox_hint": isolated(tr["sandbox_hint"], SANDBOX_HINT_VALUES),
            "member": session.member if session else None,
            "phone": display_phone(session.member.phone) if session else "",
            "csrf_token": session.csrf_token if session else pre_login_token,
            "default_url": f"{base}/demo/shop" if state.settings.is_sandbox else "",
            "public_origin": public_origin(state.settings.public_url),
            "sandbox": state.settings.is_sandbox,
            "webview_name": WEBVIEW_NAME,
        },
        headers={
            "Content-Security-Policy": content_security_policy(nonce, frame_src=WEBVIEW_FRAMES),
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )
    if pre_login_token is not None:
        set_cookie(request, response, CSRF_COOKIE, pre_login_token, _CSRF_COOKIE_AGE)
    return response
