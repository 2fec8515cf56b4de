"""The console's orders: the list (search, filters, keyset pages) and one order's page,
a timeline of everything that happened to it, with its action buttons.

A merchant user sees only its own merchant's orders: the list and search are
narrowed to it, and another merchant's order page (or action) is a 404 like a
missing one. Every action is a POST with the session's CSRF token that first
answers a confirmation page (a JS confirm() skips it by sending confirmed=yes),
then acts through the API's own services and redirects (303) back to the order
with a flash message: what happened, or the business rule that refused it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from botimpay.domain.console import Cursor, day_start_ms
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.payment import Method
from botimpay.domain.request_log import pretty_body
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.domain.timeline import Kind
from botimpay.errors import ApiError, CheckoutRefused, ConfigError
from botimpay.notify.admin import resend
from botimpay.services.console_actions import ADVANCE_CHOICES, ConsoleActions, ConsoleRefused
from botimpay.services.console_orders import ConsoleOrders, OrderQuery
from botimpay.services.setup import TEST_WALLETS
from botimpay.web.checkout_forms import no_store, read_form
from botimpay.web.console_session import (
    current_session,
    forbidden,
    page,
    session_csrf_ok,
    set_console_cookie,
    to_login,
    with_query,
)
from botimpay.web.state import state_of

router = APIRouter(include_in_schema=False)

STATUSES = [status.value for status in OrderStatus]
SCENES = sorted(SUPPORTED_SCENES)
_FILTERS = ("q", "partner", "status", "scene", "from", "to")


def _orders(request: Request) -> ConsoleOrders:
    return ConsoleOrders(state_of(request).db)


def when(ms: int | None) -> str:
    """Epoch ms as 'YYYY-MM-DD HH:MM:SS' UTC; '' for none."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def when_ms(ms: int) -> str:
    """Epoch ms as 'YYYY-MM-DD HH:MM:SS.mmm' UTC: a timeline's steps share seconds."""
    return when(ms) + f".{ms % 1000:03d}"


@dataclass(frozen=True, slots=True)
class Filters:
    """The list's query string, as given (shown back in the form) and as a query."""

    values: dict[str, str]
    query: OrderQuery

    @classmethod
    def of(cls, request: Request) -> Filters:
        raw = request.query_params
        values = {name: raw.get(name, "").strip()[:64] for name in _FILTERS}
        status = values["status"] if values["status"] in STATUSES else ""
        scene = values["scene"] if values["scene"] in SCENES else ""
        values.update(status=status, scene=scene)
        return cls(
            values,
            OrderQuery(
                search=values["q"] or None,
                partner_id=values["partner"] or None,
                status=OrderStatus(status) if status else None,
                scene_code=scene or None,
                created_from=day_start_ms(values["from"]),
                created_before=day_start_ms(values["to"], end=True),
                after=Cursor.parse(raw.get("after")),
            ),
        )

    def url(self, after: Cursor | None) -> str:
        params = {name: value for name, value in self.values.items() if value}
        if after is not None:
            params["after"] = after.text()
        return with_query("/console/orders", params)


@router.get("/console/orders")
async def orders_list(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    filters = Filters.of(request)
    result = await _orders(request).page(session.user, filters.query)
    return page(
        request,
        "console/orders.html",
        session,
        {
            "title": "Orders",
            "orders": result.orders,
            "filters": filters.values,
            "statuses": STATUSES,
            "scenes": SCENES,
            "operator": session.user.visible_partner is None,
            "first_url": filters.url(None) if filters.query.after else None,
            "next_url": filters.url(result.next_cursor) if result.next_cursor else None,
            "when": when,
        },
    )


FLASH_COOKIE = "bp_console_flash"
ACTIONS = ("cancel", "refund", "revoke", "resend", "pay", "advance-clock")
SANDBOX_ACTIONS = ("pay", "advance-clock")
_KEPT = ("amount", "reason", "notify_id", "wallet", "method", "seconds")  # re-posted on confirm


def _actions(request: Request) -> ConsoleActions:
    state = state_of(request)
    return ConsoleActions(
        clock=state.clock,
        orders=state.orders,
        refunds=state.refunds,
        payments=state.payments,
        wallets=state.wallets,
        sandbox_clock=state.sandbox_clock,
        sandbox=state.settings.is_sandbox,
    )


def _order_url(order_no: str) -> str:
    return f"/console/orders/{quote(order_no, safe='')}"


def _flash_of(request: Request) -> dict[str, Any] | None:
    """The message the last action left (set on its 303), read once."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        return None
    return {"ok": bool(value.get("ok")), "text": value["text"][:500]}


def _back(request: Request, order_no: str, ok: bool, text: str) -> Response:
    """303 to the order page, which shows `text` once."""
    response = no_store(RedirectResponse(_order_url(order_no), 303))
    packed = json.dumps({"ok": ok, "text": text[:500]}).encode()
    value = base64.urlsafe_b64encode(packed).decode("ascii")
    set_console_cookie(request, response, FLASH_COOKIE, value, 120)
    return response


def _not_found(request: Request, session: Any, message: str = "No such order.") -> Response:
    return page(
        request,
        "console/error.html",
        session,
        {"title": "Not found", "message": message},
        status_code=404,
    )


@router.get("/console/orders/{order_no}")
async def order_page(request: Request, order_no: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    orders = _orders(request)
    order = await orders.order(session.user, order_no[:64])
    if order is None:
        return _not_found(request, session)
    timeline = await orders.timeline(order)
    flash = _flash_of(request)
    response = page(
        request,
        "console/order.html",
        session,
        {
            "title": f"Order {order.order_no}",
            "order": order,
            "items": timeline.items,
            "notifications": timeline.notifications,
            "left": order.total - order.refunded,
            "sandbox": state_of(request).settings.is_sandbox,
            "wallets": range(TEST_WALLETS),
            "methods": [m.value for m in Method],
            "advance_choices": ADVANCE_CHOICES,
            "flash": flash,
            "kind": Kind,
            "when": when,
            "when_ms": when_ms,
            "pretty": pretty_body,
        },
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return response


def _question(action: str, order: Order, form: dict[str, str]) -> str:
    """What the confirmation page asks."""
    left = order.total - order.refunded
    match action:
        case "cancel":
            return f"Cancel order {order.order_no}? It becomes FAILURE and cannot be paid."
        case "refund":
            amount = form.get("amount", "").strip()
            shown = f"AED {amount}" if amount else f"all that is left (AED {left.amount})"
            return f"Refund {shown} of order {order.order_no}? Money goes back to the payer."
        case "revoke":
            return (
                f"Revoke order {order.order_no}? An unpaid order fails; a paid one is"
                " refunded in full."
            )
        case "resend":
            return f"Resend notification {form.get('notify_id', '')} to the merchant now?"
        case "pay":
            return (
                f"Pay order {order.order_no} (AED {order.total.amount}) as test wallet"
                f" {form.get('wallet', '')} by {form.get('method', '')}?"
            )
        case _:
            return (
                f"Move business time forward {form.get('seconds', '')} s? It moves for"
                " every order of this sandbox."
            )


async def _act(
    request: Request, action: str, order: Order, form: dict[str, str], username: str
) -> tuple[bool, str]:
    """(succeeded, message) of one confirmed action."""
    actions = _actions(request)
    try:
        match action:
            case "cancel":
                return True, await actions.cancel(order)
            case "refund":
                text = await actions.refund(
                    order, form.get("amount", ""), form.get("reason", ""), username
                )
                return True, text
            case "revoke":
                return True, await actions.revoke(order)
            case "resend":
                return await _resend(request, order, form.get("notify_id", ""))
            case "pay":
                return await actions.pay(order, form.get("wallet", ""), form.get("method", ""))
            case _:
                return True, await actions.advance_clock(order, form.get("seconds", ""))
    except ApiError as exc:
        return False, f"Refused ({exc.code.code}): {exc.message}"
    except (CheckoutRefused, ConsoleRefused) as exc:
        return False, f"Refused: {exc.message}"
    except ConfigError as exc:
        return False, f"Refused: {exc}"


async def _resend(request: Request, order: Order, notify_id: str) -> tuple[bool, str]:
    """Resends one of this order's notifications (never another order's)."""
    notes = await _orders(request).notifications(order)
    if notify_id not in {note.notify_id for note in notes}:
        return False, "Refused: that notification is not one of this order's."
    await resend(state_of(request).db, notify_id)
    return True, f"Notification {notify_id} queued again: it is sent within seconds."


@router.post("/console/orders/{order_no}/{action}")
async def order_action(request: Request, order_no: str, action: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    form = await read_form(request)
    if form is None or not session_csrf_ok(session, form):
        return forbidden(request, "The form expired or came from another site. Go back and retry.")
    order = await _orders(request).order(session.user, order_no[:64])
    if order is None or action not in ACTIONS:
        return _not_found(request, session)
    if action in SANDBOX_ACTIONS and not state_of(request).settings.is_sandbox:
        return _not_found(request, session, "This action exists in sandbox mode only.")
    if form.get("confirmed") != "yes":
        return page(
            request,
            "console/order_confirm.html",
            session,
            {
                "title": "Confirm",
                "order": order,
                "action": action,
                "question": _question(action, order, form),
                "kept": {name: form[name] for name in _KEPT if name in form},
                "order_url": _order_url(order.order_no),
            },
        )
    ok, text = await _act(request, action, order, form, session.user.username)
    return _back(request, order.order_no, ok, text)
