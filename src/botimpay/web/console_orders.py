"""The console's orders: the list (search, filters, keyset pages) and one order's page.

A merchant user sees only its own merchant's orders: the list and search are
narrowed to it, and another merchant's order page is a 404 like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from botimpay.domain.console import Cursor, day_start_ms
from botimpay.domain.order import OrderStatus
from botimpay.domain.request_log import pretty_body
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.services.console_orders import ConsoleOrders, OrderQuery
from botimpay.web.console_session import current_session, page, to_login
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
        return "/console/orders" + (f"?{urlencode(params)}" if params else "")


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


@router.get("/console/orders/{order_no}")
async def order_page(request: Request, order_no: str) -> Response:
    session = await current_session(request)
    if session is None:
        return to_login(request)
    orders = _orders(request)
    order = await orders.order(session.user, order_no[:64])
    if order is None:
        return page(
            request,
            "console/error.html",
            session,
            {"title": "Not found", "message": "No such order."},
            status_code=404,
        )
    calls = await orders.calls(order)
    return page(
        request,
        "console/order.html",
        session,
        {
            "title": f"Order {order.order_no}",
            "order": order,
            "calls": calls,
            "when": when,
            "pretty": pretty_body,
        },
    )
