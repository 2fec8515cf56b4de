"""Applying one domain event to a locked order: transition, conditional save, outbox.

Every state change goes through here, so the notification row is always
written in the same transaction as the change it reports.
"""

from __future__ import annotations

from botimpay.domain.order import Event, Order, transition
from botimpay.services.notifications import emit_order_effects
from botimpay.store import orders_repo
from botimpay.store.connection import Connection


async def apply_event(conn: Connection, order: Order, event: Event, now: int) -> Order | None:
    """The order after `event`, saved with its notifications; None if the row moved on
    (its version changed), which callers holding the row lock treat as an error."""
    changed, effects = transition(order, event, now)
    if changed is not order and not await orders_repo.save_transition(conn, order, changed):
        return None
    await emit_order_effects(conn, changed, effects, now)
    return changed
