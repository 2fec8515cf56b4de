"""Who a checkout request comes from, as getOrderPayer and getCashierUrlInfo report it:
the signed-in wallet, the client's address, and a device id drawn from its session."""

from __future__ import annotations

from starlette.requests import Request

from botimpay.domain.payer import Visitor, VisitSource, device_id_of
from botimpay.web.security import SESSION_COOKIE


def visitor_of(request: Request, member_id: str, source: VisitSource) -> Visitor:
    """The app shell and the checkout share the session cookie, so one browser is one
    device whether it scanned the QR or opened the link."""
    client = request.client
    return Visitor(
        member_id=member_id,
        source=source,
        ip_address=client.host if client is not None else "",
        device_id=device_id_of(request.cookies.get(SESSION_COOKIE, "")),
    )
