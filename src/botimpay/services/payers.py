"""Who is at an order's checkout, for the merchant: getOrderPayer by order, and
getCashierUrlInfo by the tokenUrl the merchant showed as a QR.

Both only read: the visits were recorded when the app shell scanned the QR or a signed-in
wallet opened the checkout (services/payments.py), the payer when it paid. Nobody seen
yet is an answer (None), not an error: the reference has no code for it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from botimpay.clock import Clock
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.payer import OrderPayer, latest_visit_of, reported_member
from botimpay.errors import BusinessError
from botimpay.protocol import codes
from botimpay.protocol.requests import OrderRef
from botimpay.store import checkout_visits_repo, members_repo, orders_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database


def token_of(token_url: str) -> str | None:
    """The `ft` of a tokenUrl; None when the text carries none."""
    try:
        values = parse_qs(urlsplit(token_url.strip()).query).get("ft")
    except ValueError:  # e.g. an unbalanced IPv6 bracket in the host
        return None
    return values[0] if values and values[0] else None


def _token_unknown() -> BusinessError:
    return BusinessError(codes.TOKEN_URL_NOT_EXIST, "tokenUrl does not exist or has expired")


def _order_unknown(ref: OrderRef) -> BusinessError:
    if ref.merchantOrderNo is not None:
        return BusinessError(
            codes.MERCHANT_ORDER_NO_NOT_EXIST,
            f"merchantOrderNo {ref.merchantOrderNo} does not exist",
        )
    return BusinessError(codes.ORDER_NO_NOT_EXIST, f"orderNo {ref.orderNo} does not exist")


class PayerService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def order_payer(self, partner_id: str, ref: OrderRef) -> OrderPayer | None:
        """getOrderPayer: the payer of one of the merchant's orders, or whoever is at its
        checkout; 62004 / 62035 for an order the merchant does not have."""
        async with self.db.read() as conn:
            order = await orders_repo.find(
                conn, partner_id, merchant_order_no=ref.merchantOrderNo, order_no=ref.orderNo
            )
            if order is None:
                raise _order_unknown(ref)
            return await _payer(conn, order)

    async def cashier_payer(self, partner_id: str, token_url: str) -> OrderPayer | None:
        """getCashierUrlInfo: who scanned the merchant's tokenUrl; 62082 when the link is
        not one of the merchant's, or its order closed (expired, cancelled, failed)."""
        token = token_of(token_url)
        if token is None:
            raise _token_unknown()
        async with self.db.read() as conn:
            order = await orders_repo.find_by_token(conn, token)
            if order is None or order.partner_id != partner_id or self._closed(order):
                raise _token_unknown()
            return await _payer(conn, order)

    def _closed(self, order: Order) -> bool:
        if order.status is OrderStatus.FAILURE:
            return True
        return order.status is OrderStatus.CREATED and order.is_expired_at(self.clock.now_ms())


async def _payer(conn: Connection, order: Order) -> OrderPayer | None:
    visits = await checkout_visits_repo.of_order(conn, order.order_no)
    member_id = reported_member(order, visits)
    if member_id is None:
        return None
    member = await members_repo.by_id(conn, member_id)
    if member is None:  # a payerMid the merchant named that no wallet has
        return None
    visit = latest_visit_of(member_id, visits)
    return OrderPayer(
        member_id=member_id,
        phone=member.phone,
        ip_address=visit.ip_address if visit else "",
        device_id=visit.device_id if visit else "",
    )
