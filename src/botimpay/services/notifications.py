"""Emitting notifications: the outbox row is written in the state change's transaction.

Payment notifications go out when an order becomes PAID_SUCCESS or FAILURE;
refund notifications when a refund becomes SUCCESS or FAILURE. Only orders
and refunds with a notifyUrl get one. In production a notifyUrl must lead to a
public address (check_notify_url, at placeOrder and refund/placeOrder).
"""

from __future__ import annotations

import secrets
from typing import Any

from botimpay.domain.notification import NotificationKind
from botimpay.domain.order import Effect, Order
from botimpay.errors import InvalidParameter
from botimpay.netguard import NotifyGuard, TargetRefused
from botimpay.services.views import acquire_order
from botimpay.store import jsonfield, outbox_repo
from botimpay.store.connection import Connection


async def check_notify_url(guard: NotifyGuard | None, url: str | None) -> None:
    """Refuses (400 INVALID_PARAMETER) a notifyUrl whose host does not resolve or resolves
    to an address the guard refuses; no guard (sandbox) allows every URL."""
    if guard is None or not url:
        return
    try:
        await guard.check_url(url)
    except TargetRefused as exc:
        raise InvalidParameter(
            f"bizContent.notifyUrl is refused: {exc.message} "
            "(production sends notifications to public addresses only)"
        ) from None


def new_notify_id(now_ms: int) -> str:
    """20 digits like the reference's `202004170007499051`: time then randomness."""
    return f"{now_ms:013d}{secrets.randbelow(10**7):07d}"


async def emit_order_effects(
    conn: Connection, order: Order, effects: list[Effect], now_ms: int
) -> None:
    """One payment notification for each effect that asks for one."""
    if not effects or not order.notify_url:
        return
    await enqueue(
        conn,
        kind=NotificationKind.PAYMENT,
        partner_id=order.partner_id,
        subject_no=order.order_no,
        url=order.notify_url,
        body={"acquireOrder": acquire_order(order)},
        now_ms=now_ms,
    )


async def enqueue(
    conn: Connection,
    *,
    kind: NotificationKind,
    partner_id: str,
    subject_no: str,
    url: str,
    body: dict[str, Any],
    now_ms: int,
) -> str:
    notify_id = new_notify_id(now_ms)
    await outbox_repo.enqueue(
        conn,
        notify_id=notify_id,
        partner_id=partner_id,
        kind=kind,
        subject_no=subject_no,
        url=url,
        payload=jsonfield.dumps(body),
        now_ms=now_ms,
    )
    return notify_id
