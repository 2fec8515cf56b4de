"""The console's Notifications page: every outbox row with its state, next attempt and
attempts; one notification's attempts; resend (with a confirmation page); and a signed
test notification sent to a URL right away, showing what the endpoint answered.

A merchant user sees only its own merchant's notifications (another's is a 404 like a
missing one) and sends test notifications as its own merchant only. The test's result
comes back after the POST's 303 in the query string, sealed with an HMAC keyed by the
session's CSRF token, so nobody can link a made-up result into another's console.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import zlib
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from botimpay.domain.console import MAX_ROW_ID, ConsoleSession
from botimpay.domain.notification import NotificationStatus
from botimpay.domain.request_log import pretty_body
from botimpay.errors import ApiError, ConfigError
from botimpay.netguard import NotifyGuard
from botimpay.notify.console import (
    ConsoleNotifications,
    NotificationQuery,
    TestResult,
)
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

STATUSES = [status.value for status in NotificationStatus]
FLASHES = {"resent": "Resent: the notification is due now; the next attempt shows below."}
_RESULT_MAX_AGE_S = 600
_REFUSED = "The form expired or did not come from this console."


def _service(request: Request) -> ConsoleNotifications:
    state = state_of(request)
    return ConsoleNotifications(
        state.db,
        signing_keys=state.authenticator.load,
        guard=NotifyGuard.from_settings(state.settings),
        connect_timeout_ms=state.settings.notify_connect_timeout_ms,
        read_timeout_ms=state.settings.notify_read_timeout_ms,
    )


def _before(raw: str | None) -> int | None:
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ROW_ID:
        return int(raw)
    return None


def _not_found(request: Request, session: ConsoleSession) -> Response:
    return page(
        request,
        "console/error.html",
        session,
        {"title": "Not found", "message": "No such notification."},
        status_code=404,
    )


@router.get("/console/notifications")
async def notifications_list(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    raw = request.query_params
    status = raw.get("status", "").strip()
    status = status if status in STATUSES else ""
    partner = raw.get("partner", "").strip()[:12]
    before = _before(raw.get("before"))
    query = NotificationQuery(
        partner_id=partner or None,
        status=NotificationStatus(status) if status else None,
        before_id=before,
    )
    result = await _service(request).page(session.user, query)
    filters = {"status": status, "partner": partner}

    def url(before_id: int | None) -> str:
        params = {name: value for name, value in filters.items() if value}
        if before_id is not None:
            params["before"] = str(before_id)
        return with_query("/console/notifications", params)

    return page(
        request,
        "console/notifications.html",
        session,
        {
            "title": "Notifications",
            "rows": result.rows,
            "filters": filters,
            "statuses": STATUSES,
            "operator": session.user.visible_partner is None,
            "first_url": url(None) if before else None,
            "next_url": url(result.next_before) if result.next_before else None,
            "when": when,
        },
    )


# --- the test notification (before /{notify_id}, which would match "test") -------------


def _seal(session: ConsoleSession, result: TestResult, partner_id: str) -> str:
    data = orjson.dumps({**asdict(result), "partner": partner_id, "at": int(time.time())})
    packed = base64.urlsafe_b64encode(zlib.compress(data)).decode().rstrip("=")
    mac = hmac.new(session.csrf_token.encode(), packed.encode(), hashlib.sha256).hexdigest()
    return f"{packed}.{mac[:32]}"


def _unseal(session: ConsoleSession, token: str | None) -> dict[str, Any] | None:
    """The sealed result, if this session sealed it in the last few minutes."""
    if not token or len(token) > 6000:
        return None
    packed, _, mac = token.rpartition(".")
    expected = hmac.new(session.csrf_token.encode(), packed.encode(), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest()[:32], mac):
        return None
    try:
        data = zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
        value: dict[str, Any] = orjson.loads(data)
    except (ValueError, zlib.error, orjson.JSONDecodeError):
        return None
    if time.time() - int(value.get("at", 0)) > _RESULT_MAX_AGE_S:
        return None
    return value


async def _test_page(
    request: Request,
    session: ConsoleSession,
    *,
    partner: str,
    url: str | None,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    if url is None and partner:
        url = await _service(request).default_url(partner)
    return page(
        request,
        "console/notification_test.html",
        session,
        {
            "title": "Send a test notification",
            "operator": session.user.visible_partner is None,
            "partner": partner,
            "url": url or "",
            "error": error,
            "result": result,
            "pretty": pretty_body,
        },
        status_code=status_code,
    )


@router.get("/console/notifications/test")
async def test_form(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    partner = session.user.visible_partner or request.query_params.get("partner", "")[:12]
    result = _unseal(session, request.query_params.get("result"))
    if result is not None and result.get("partner") != partner:
        result = None
    url = str(result["url"]) if result is not None else None
    return await _test_page(request, session, partner=partner.strip(), url=url, result=result)


@router.post("/console/notifications/test")
async def send_test(request: Request) -> Response:
    form = await read_form(request)
    session = await current_session(request)
    if session is None:
        return to_login(request)
    if form is None or not session_csrf_ok(session, form):
        return forbidden(request, _REFUSED)
    partner = (session.user.visible_partner or form.get("partner", "")).strip()[:12]
    url = form.get("url", "").strip()
    if not partner:
        return await _test_page(
            request, session, partner="", url=url, error="Choose a merchant.", status_code=400
        )
    state = state_of(request)
    try:
        result = await _service(request).send_test(partner, url, state.clock.now_ms())
    except (ApiError, ConfigError) as exc:
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        return await _test_page(
            request, session, partner=partner, url=url, error=message, status_code=400
        )
    target = "/console/notifications/test?" + urlencode(
        {"partner": partner, "result": _seal(session, result, partner)}
    )
    return no_store(RedirectResponse(target, status_code=303))


# --- one notification ----------------------------------------------------------------


@router.get("/console/notifications/{notify_id}")
async def notification_page(request: Request, notify_id: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    found = await _service(request).detail(session.user, notify_id[:32])
    if found is None:
        return _not_found(request, session)
    return page(
        request,
        "console/notification.html",
        session,
        {
            "title": f"Notification {found.row.notify_id}",
            "row": found.row,
            "attempts": found.attempts,
            "flash": FLASHES.get(request.query_params.get("flash", "")),
            "when": when,
            "pretty": pretty_body,
        },
    )


@router.get("/console/notifications/{notify_id}/resend")
async def resend_confirm(request: Request, notify_id: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    found = await _service(request).detail(session.user, notify_id[:32])
    if found is None:
        return _not_found(request, session)
    return page(
        request,
        "console/notification_resend.html",
        session,
        {"title": "Resend a notification", "row": found.row, "when": when},
    )


@router.post("/console/notifications/{notify_id}/resend")
async def resend(request: Request, notify_id: str) -> Response:
    form = await read_form(request)
    session = await current_session(request)
    if session is None:
        return to_login(request)
    if form is None or not session_csrf_ok(session, form):
        return forbidden(request, _REFUSED)
    if not await _service(request).resend(session.user, notify_id[:32]):
        return _not_found(request, session)
    target = f"/console/notifications/{notify_id[:32]}?flash=resent"
    return no_store(RedirectResponse(target, status_code=303))
