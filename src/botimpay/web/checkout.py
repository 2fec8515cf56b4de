"""The built-in checkout at the tokenUrl (/pay-page/...): sign in, pay, result.

In sandbox the customer signs in to a test wallet (phone and OTP, `wallet_router`)
and pays from its balance or by card. Production has no customer wallets (no SMS
provider for OTPs): `wallet_router` is not served and the page takes cards only,
without a session, its form guarded by the double-submit CSRF cookie.

Pages work without JavaScript. A POST that succeeds redirects (303); one the
services refuse re-renders the checkout with the message (409); a missing or
wrong CSRF token is a 403 page and changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from botimpay.domain.member import Member
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.payer import Visitor, VisitSource
from botimpay.domain.payment import (
    CardOutcome,
    Method,
    Reason,
    refuse_if_locked,
    refuse_unless_payable,
    refuse_without_wallet,
    refuse_wrong_payer,
    requires_password,
)
from botimpay.errors import CheckoutRefused
from botimpay.services.payments import Card
from botimpay.services.setup import DEMO_PARTNER_ID
from botimpay.services.wallets import Session
from botimpay.web.checkout_forms import (
    Visit,
    current_session,
    end_session,
    no_store,
    presign_csrf,
    presign_csrf_ok,
    read_form,
    remember_csrf,
    session_csrf_ok,
    start_session,
)
from botimpay.web.checkout_text import SANDBOX_VALUES, isolated, labels, message
from botimpay.web.checkout_visits import visitor_of
from botimpay.web.security import SESSION_COOKIE
from botimpay.web.state import state_of
from botimpay.web.templating import render

router = APIRouter(tags=["Checkout"], include_in_schema=False)
wallet_router = APIRouter(tags=["Checkout"], include_in_schema=False)  # sandbox only

BRIDGE_RESULTS = {
    "success": "PAYMENT_SUCCESS",
    "failed": "PAYMENT_FAILED",
    "cancelled": "CANCELLED",
    "pending": "",  # not over yet: the page polls, then shows one of the others
}
RESULTS = ("PAYMENT_SUCCESS", "PAYMENT_FAILED", "CANCELLED", "PENDING")
RESULT_REASONS = (Reason.INSUFFICIENT_BALANCE.value, Reason.CARD_DECLINED.value)


# --- pages -----------------------------------------------------------------------------------


@router.get("/pay-page/main")
async def main(request: Request) -> Response:
    return await _checkout_page(request, Visit.of(request.query_params))


@router.get("/pay-page/result")
async def result(request: Request) -> Response:
    visit = Visit.of(request.query_params)
    order = await _order(request, visit)
    if order is None:
        return _error_page(request, visit, "not_found_title", "not_found", 404)
    wanted = request.query_params.get("result", "")
    wanted = wanted if wanted in RESULTS else ""
    now = state_of(request).clock.now_ms()
    if order.is_paid:
        kind = "success"
    elif order.status is OrderStatus.FAILURE or wanted == "PAYMENT_FAILED":
        kind = "failed"  # closed: cancelled by the merchant, expired or failed
    elif wanted == "CANCELLED":
        kind = "cancelled"  # the customer left; the order stays open (CREATED)
    elif wanted == "PENDING":
        kind = "pending"
    else:
        return no_store(RedirectResponse(visit.main_url, status_code=303))
    tr = labels(visit.lang)
    closed = _closed_message(order, now)
    merchant = await state_of(request).payments.merchant_name(order.payee_mid)
    reason = request.query_params.get("reason", "")
    reason = reason if reason in RESULT_REASONS else ""
    extra = {"result": wanted} | ({"reason": reason} if reason else {})
    switch_url = visit.other_language_url("/pay-page/result", **extra)
    context = _base_context(request, visit, switch_url) | {
        "order": order,
        "merchant": merchant,
        "kind": kind,
        "heading": tr[f"result_{kind}"],
        "notes": _result_notes(visit, order, kind, closed, reason, merchant),
        "bridge_result": (
            "CANCELLED" if wanted == "CANCELLED" and kind == "failed" else BRIDGE_RESULTS[kind]
        ),
        "can_retry": closed is None,
        "status_url": visit.url("/pay-page/status") if kind == "pending" else "",
        "merchant_url": merchant_site(order, state_of(request).settings.is_sandbox),
        "back_to_merchant": tr["back_to_merchant"].format(merchant=merchant),
    }
    return no_store(render(request, "checkout/result.html", context))


@router.get("/pay-page/status")
async def status(request: Request) -> Response:
    """What the pending page polls: the order's status."""
    visit = Visit.of(request.query_params)
    order = await _order(request, visit)
    if order is None:
        return no_store(JSONResponse({"error": Reason.TOKEN_UNKNOWN.value}, status_code=404))
    return no_store(JSONResponse({"status": order.status.value, "orderNo": order.order_no}))


# --- forms -----------------------------------------------------------------------------------


@wallet_router.post("/pay-page/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    if form is None:
        return _error_page(request, Visit.of({}), "forbidden_title", "bad_form", 400)
    visit = Visit.of(form)
    if not presign_csrf_ok(request, form):
        return _error_page(request, visit, "forbidden_title", "forbidden", 403)
    phone = form.get("phone", "")
    try:
        new = await state_of(request).wallets.sign_in(phone, form.get("otp", ""))
    except CheckoutRefused as exc:
        return await _checkout_page(request, visit, error=exc.message, status=409, phone=phone)
    response = RedirectResponse(visit.main_url, status_code=303)
    start_session(request, response, new.token)
    return no_store(response)


@wallet_router.post("/pay-page/sign-out")
async def sign_out(request: Request) -> Response:
    form = await read_form(request)
    if form is None:
        return _error_page(request, Visit.of({}), "forbidden_title", "bad_form", 400)
    visit = Visit.of(form)
    session = await current_session(request)
    if not session_csrf_ok(session, form):
        return _error_page(request, visit, "forbidden_title", "forbidden", 403)
    await state_of(request).wallets.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(visit.main_url, status_code=303)
    end_session(response)
    return no_store(response)


@router.post("/pay-page/pay")
async def pay(request: Request) -> Response:
    state = state_of(request)
    form = await read_form(request)
    if form is None:
        return _error_page(request, Visit.of({}), "forbidden_title", "bad_form", 400)
    visit = Visit.of(form)
    member_id = None  # production: a card without a wallet
    if state.settings.is_sandbox:
        session = await current_session(request)
        if session is None:
            return _error_page(request, visit, "forbidden_title", "session_ended", 403)
        if not session_csrf_ok(session, form):
            return _error_page(request, visit, "forbidden_title", "forbidden", 403)
        member_id = session.member.member_id
    elif not presign_csrf_ok(request, form):
        return _error_page(request, visit, "forbidden_title", "forbidden", 403)
    try:
        method = Method(form.get("method", (Method.BALANCE if member_id else Method.CARD).value))
        outcome = CardOutcome(form.get("outcome", CardOutcome.SUCCESS.value))
    except ValueError:
        return _error_page(request, visit, "forbidden_title", "bad_form", 400)
    if not state.settings.is_sandbox:
        outcome = CardOutcome.SUCCESS
        if method is not Method.CARD:
            return _error_page(request, visit, "forbidden_title", "bad_form", 400)
    card = None
    if method is Method.CARD:
        card = Card(
            form.get("card_number", ""), form.get("card_expiry", ""), form.get("card_cvv", "")
        )
    try:
        paid = await state.payments.pay(
            member_id=member_id,
            method=method,
            token=visit.ft,
            password=form.get("password") or None,
            card=card,
            outcome=outcome,
        )
    except CheckoutRefused as exc:
        if exc.reason == Reason.TOKEN_UNKNOWN:
            return _error_page(request, visit, "not_found_title", "not_found", 404)
        return await _checkout_page(request, visit, error=exc.message, status=409, method=method)
    if paid.status == "SUCCESS":
        return no_store(RedirectResponse(visit.result_url("PAYMENT_SUCCESS"), status_code=303))
    if paid.status == "PENDING":
        return no_store(RedirectResponse(visit.result_url("PENDING"), status_code=303))
    if paid.order.status is OrderStatus.FAILURE:
        reason = paid.reason.value if paid.reason else ""
        target = visit.result_url("PAYMENT_FAILED", reason=reason)
        return no_store(RedirectResponse(target, status_code=303))
    return await _checkout_page(
        request, visit, error=paid.message, status=409, method=method, failed=True
    )


# --- rendering -------------------------------------------------------------------------------


async def _order(request: Request, visit: Visit, visitor: Visitor | None = None) -> Order | None:
    if not visit.ft:
        return None
    try:
        return await state_of(request).payments.order_for_token(visit.ft, visitor)
    except CheckoutRefused:
        return None


async def _checkout_page(
    request: Request,
    visit: Visit,
    *,
    error: str | None = None,
    status: int = 200,
    phone: str = "",
    method: Method = Method.BALANCE,
    failed: bool = False,
) -> Response:
    state = state_of(request)
    card_only = not state.settings.is_sandbox
    session = None if card_only else await current_session(request)
    member = session.member if session else None
    visitor = visitor_of(request, member.member_id, VisitSource.CHECKOUT) if member else None
    order = await _order(request, visit, visitor)
    if order is None:
        return _error_page(request, visit, "not_found_title", "not_found", 404)
    tr = labels(visit.lang)
    now = state.clock.now_ms()
    closed = _closed_message(order, now)
    signed_out = member is None and not card_only
    blocked = None if closed or signed_out else _blocked_message(order, member, now)
    closed, blocked = _in(visit, closed), _in(visit, blocked)
    shown_error = _in(visit, error)
    if shown_error in (closed, blocked):
        shown_error = None
    csrf, fresh_cookie = _csrf_for(request, session)
    ms_left = max(0, order.expired_time - now)
    context = _base_context(request, visit) | {
        "order": order,
        "merchant": await state.payments.merchant_name(order.payee_mid),
        "subject": (order.subject_ar or order.subject) if visit.lang == "ar" else order.subject,
        "status_label": tr[f"status_{order.status.value}"],
        "ms_left": ms_left,
        "minutes_left": tr["minutes"].format(n=(ms_left + 59_999) // 60_000),
        "closed": closed,
        "blocked": blocked,
        "error": shown_error,
        "failed": failed,
        "member": member,
        "balance": await state.wallets.balance(member.member_id) if member else None,
        "csrf": csrf,
        "phone": phone,
        "method": method.value,
        "methods": [m.value for m in Method],
        "card_only": card_only,
        "outcomes": [o.value for o in CardOutcome],
        "password_required": requires_password(order),
        "pay_label": tr["pay"].format(amount=f"AED {order.total.amount:,.2f}"),
    }
    response = render(request, "checkout/main.html", context, status_code=status)
    if fresh_cookie:
        remember_csrf(request, response, csrf)
    return no_store(response)


def _base_context(request: Request, visit: Visit, switch_url: str = "") -> dict[str, Any]:
    tr = labels(visit.lang)
    return {
        "visit": visit,
        "switch_url": switch_url,
        "lang": visit.lang,
        "tr": tr,
        "sandbox": state_of(request).settings.is_sandbox,
        "sandbox_hint": isolated(tr["sandbox_otp"], SANDBOX_VALUES),
        "test_card_hint": isolated(tr["test_card"], SANDBOX_VALUES),
    }


def _csrf_for(request: Request, session: Session | None) -> tuple[str, bool]:
    if session is not None:
        return session.csrf_token, False
    return presign_csrf(request)


def _closed_message(order: Order, now: int) -> str | None:
    """Why nobody can pay this order any more (paid, cancelled, expired, failed)."""
    try:
        refuse_unless_payable(order, now)
    except CheckoutRefused as exc:
        return exc.message
    return None


def _blocked_message(order: Order, member: Member | None, now: int) -> str | None:
    """Why this signed-in member (locked, wrong payer, Emirates ID), or a card without a
    wallet (an order naming its payer), cannot pay it."""
    try:
        if member is None:
            refuse_without_wallet(order, Method.CARD)
            return None
        refuse_if_locked(member, now)
        refuse_wrong_payer(order, member, member.eid_hash)
    except CheckoutRefused as exc:
        return exc.message
    return None


def merchant_site(order: Order, sandbox: bool) -> str | None:
    """Where "Back to <merchant>" leads from a checkout opened in a browser of its own:
    the sandbox demo shop for its orders, else the site of the order's notifyUrl (the
    only address of the merchant the order carries; JSAPI and DYNQR have no return URL).
    None when there is neither: the page then says nothing about going back."""
    if sandbox and order.partner_id == DEMO_PARTNER_ID and not order.notify_url:
        return "/demo/shop"
    if not order.notify_url:
        return None
    parts = urlsplit(order.notify_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/"


def _in(visit: Visit, text: str | None) -> str | None:
    return message(visit.lang, text) if text else None


def _result_notes(
    visit: Visit, order: Order, kind: str, closed: str | None, reason: str, merchant: str
) -> list[str]:
    """What the result page says under its heading."""
    tr = labels(visit.lang)
    if kind == "success":
        return [tr["paid_note"].format(merchant=merchant)]
    if kind == "pending":
        return [tr["pending_note"]]
    if kind == "cancelled":
        return [tr["cancelled_note"].format(merchant=merchant)]
    notes = []
    if reason in RESULT_REASONS:
        notes.append(tr[f"reason_{reason}"])
    if closed is None:
        notes.append(tr["failed_note"])
        return notes
    notes.append(message(visit.lang, closed))
    if order.fail_code == "PAYMENT_FAILED":
        notes.append(tr["one_time_note"])
    return notes


def _error_page(request: Request, visit: Visit, title: str, text: str, status: int) -> Response:
    context = _base_context(request, visit) | {"title_key": title, "text_key": text}
    return no_store(render(request, "checkout/error.html", context, status_code=status))
