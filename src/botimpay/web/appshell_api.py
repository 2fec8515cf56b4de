"""The app shell's JSON API under /app/api: sign-in, wallet, and server-side QR scanning.

Every POST needs the CSRF token in the `X-CSRF-Token` header: the session's
token once signed in, before that the double-submit cookie set by GET /app.
A present Origin header must be this gateway's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from botimpay.domain.payer import VisitSource
from botimpay.errors import ApiError, BotimpayError, CheckoutRefused
from botimpay.protocol.money import Money
from botimpay.services.payments import token_from_url
from botimpay.services.qrcodes import MAX_UPLOAD_BYTES, QrImageError, decode_qr
from botimpay.services.wallets import SESSION_TTL_MS, Session
from botimpay.web.body import parse_json_object, read_body
from botimpay.web.checkout_visits import visitor_of
from botimpay.web.responses import WireJSONResponse
from botimpay.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_matches,
    secure_cookies,
    set_cookie,
)
from botimpay.web.state import state_of
from botimpay.web.text_guard import unstorable

router = APIRouter(prefix="/app/api", tags=["App shell"], include_in_schema=False)

CSRF_HEADER = "x-csrf-token"
CHECKOUT_PATH = "/pay-page/main"
GULF = timezone(timedelta(hours=4), "GST")  # the wallet's days are UAE days (no DST)
CHART_DAYS = 7
_JSON_LIMIT = 4096


# --- shared helpers (the /app page and the demo shop use them too) -----------


def public_origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased (what browsers put in Origin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def gateway_origins(request: Request) -> set[str]:
    """The origins this gateway is reached at: its public URL and the request's own."""
    settings = state_of(request).settings
    return {public_origin(settings.public_url), public_origin(str(request.base_url))}


def origin_allowed(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    return origin.lower() in gateway_origins(request)


def display_phone(phone: str) -> str:
    """+971560000001 → +971 56 000 0001 (UAE mobiles); other numbers unchanged."""
    digits = phone.removeprefix("+")
    if phone.startswith("+971") and len(digits) == 12 and digits.isdigit():
        return f"+971 {digits[3:5]} {digits[5:8]} {digits[8:]}"
    return phone


def error(status: int, code: str, message: str) -> WireJSONResponse:
    return WireJSONResponse(
        {"error": code, "message": message}, status, headers={"Cache-Control": "no-store"}
    )


def ok(content: dict[str, Any]) -> WireJSONResponse:
    return WireJSONResponse(content, headers={"Cache-Control": "no-store"})


async def current_session(request: Request) -> Session | None:
    return await state_of(request).wallets.session(request.cookies.get(SESSION_COOKIE))


def csrf_valid(request: Request, session: Session | None) -> bool:
    """Signed in: the session's token; signed out: the double-submit cookie's."""
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    return origin_allowed(request) and csrf_matches(expected, request.headers.get(CSRF_HEADER))


def checkout_link(text: str, origins: set[str]) -> str | None:
    """`text` when it is a tokenUrl of this gateway (its /pay-page/main with an `ft`)."""
    candidate = text.strip()
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or public_origin(candidate) not in origins:
        return None
    if parts.path != CHECKOUT_PATH or not parse_qs(parts.query).get("ft"):
        return None
    return candidate


# --- sign-in ----------------------------------------------------------------


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    if not csrf_valid(request, None):
        return error(403, "CSRF", "Reload the page and try again (security token missing).")
    try:
        body = parse_json_object(await read_body(request, _JSON_LIMIT))
    except ApiError as exc:  # names the field, e.g. `phone: contains a NUL character`
        return error(
            400, "INVALID_PARAMETER", f"Send a JSON object with phone and otp: {exc.message}"
        )
    phone, otp = body.get("phone"), body.get("otp")
    if not isinstance(phone, str) or not isinstance(otp, str) or not phone or not otp:
        return error(400, "INVALID_PARAMETER", "Enter your phone number and the code.")
    try:
        new = await state_of(request).wallets.sign_in(phone[:32], otp[:16])
    except CheckoutRefused as exc:
        return error(400, exc.reason, exc.message)
    response = ok(
        {"memberId": new.member.member_id, "name": new.member.name, "csrfToken": new.csrf_token}
    )
    set_cookie(request, response, SESSION_COOKIE, new.token, SESSION_TTL_MS // 1000)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return error(401, "SIGNED_OUT", "You are not signed in.")
    if not csrf_valid(request, session):
        return error(403, "CSRF", "Reload the page and try again (security token missing).")
    await state_of(request).wallets.sign_out(request.cookies[SESSION_COOKIE])
    response = ok({"signedOut": True})
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response


# --- wallet -----------------------------------------------------------------


def _aed(money: Money) -> str:
    sign = "-" if money.fils < 0 else ""
    return f"{sign}AED {abs(money.amount):,.2f}"


def _day(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, UTC).astimezone(GULF)


def daily_spending(history: list[dict[str, Any]], now_ms: int) -> list[dict[str, Any]]:
    """Money paid out of the wallet per UAE day, the last CHART_DAYS days, oldest first."""
    today = _day(now_ms).date()
    days = [today - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]
    spent = dict.fromkeys(days, 0)
    for item in history:
        day = _day(int(item["time"])).date()
        amount: Money = item["amount"]
        if day in spent and amount.fils < 0:
            spent[day] += -amount.fils
    return [
        {
            "date": day.isoformat(),
            "label": day.strftime("%a"),
            "fils": spent[day],
            "text": _aed(Money(spent[day])),
        }
        for day in days
    ]


@router.get("/wallet")
async def wallet(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return error(401, "SIGNED_OUT", "Sign in to see your wallet.")
    state = state_of(request)
    member = session.member
    balance = await state.wallets.balance(member.member_id)
    history = await state.wallets.history(member.member_id, limit=200)
    items = [
        {
            "amount": item["amount"].to_wire(),
            "amountText": _aed(item["amount"]),
            "kind": item["kind"],
            "memo": item["memo"],
            "orderNo": item["orderNo"],
            "time": item["time"],
            "timeText": _day(int(item["time"])).strftime("%d %b, %H:%M"),
        }
        for item in history[:30]
    ]
    return ok(
        {
            "memberId": member.member_id,
            "name": member.name,
            "phone": display_phone(member.phone),
            "balance": balance.to_wire(),
            "balanceText": _aed(balance),
            "history": items,
            "spending": daily_spending(history, state.clock.now_ms()),
        }
    )


# --- scan -------------------------------------------------------------------


async def _form_fields(request: Request) -> tuple[bytes | None, str | None]:
    """(image bytes, pasted text) of a multipart form, read within MAX_UPLOAD_BYTES."""
    body = await read_body(request, MAX_UPLOAD_BYTES + 64 * 1024)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=4)
    try:
        upload, text = form.get("image"), form.get("text")
        image = await upload.read() if isinstance(upload, UploadFile) else None
        return image, text if isinstance(text, str) else None
    finally:
        await form.close()


@router.post("/scan")
async def scan(request: Request) -> Response:
    """A QR picture (multipart `image`) or a pasted link (`text`) → the tokenUrl to pay."""
    session = await current_session(request)
    if session is None:
        return error(401, "SIGNED_OUT", "Sign in before scanning.")
    if not csrf_valid(request, session):
        return error(403, "CSRF", "Reload the page and try again (security token missing).")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return error(400, "INVALID_PARAMETER", "Send the picture as multipart/form-data.")
    try:
        image, text = await _form_fields(request)
    except BotimpayError:
        return error(413, "TOO_LARGE", f"Pictures are limited to {MAX_UPLOAD_BYTES // 2**20} MiB.")
    except (HTTPException, MultiPartException):  # a malformed form
        return error(400, "INVALID_PARAMETER", "The upload could not be read.")
    if image is None and not text:
        return error(400, "INVALID_PARAMETER", "Choose a picture of a QR code or paste a link.")
    if image is not None:
        try:
            text = await run_in_threadpool(decode_qr, image)
        except QrImageError as exc:
            return error(400, "NO_QR", str(exc))
    problem = unstorable(text or "")
    if problem is not None:  # a pasted link, or what a QR picture decoded to
        return error(400, "INVALID_PARAMETER", f"The link {problem}.")
    link = checkout_link(text or "", gateway_origins(request))
    if link is None:
        return error(
            400, "NOT_BOTIM_PAY", "This code is not a Botim Money payment link of this gateway."
        )
    try:
        visitor = visitor_of(request, session.member.member_id, VisitSource.SCAN)
        order = await state_of(request).payments.order_for_token(token_from_url(link), visitor)
    except CheckoutRefused as exc:
        return error(400, exc.reason, exc.message)
    merchant = await state_of(request).payments.merchant_name(order.payee_mid)
    return ok(
        {
            "tokenUrl": link,
            "orderNo": order.order_no,
            "merchant": merchant,
            "subject": order.subject,
            "amountText": _aed(order.total),
            "status": order.status.value,
        }
    )
