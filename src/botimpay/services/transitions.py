"""Every state change of an order, and the one way a service runs the transaction around it.

`apply_event` applies one domain event to a locked order: transition, conditional
save (on the version read) and the notification in the outbox, all in the caller's
transaction, so the notification row is always written with the change it reports.
Orders, payments, refunds, revokes and settlement change orders only through it.

`write_retrying` is the one retry policy: when a save finds its order changed since
it was read (RowChanged), the whole transaction is rolled back and run again from
the start, at most CONFLICT_ATTEMPTS times in all, then OrderBusy. Orders are
locked before they are read, so this is the guard, not the expected path.

`first_writer_wins` answers an insert that lost a race on a unique key (the store's
DuplicateKey: a concurrent placeOrder or refund with the same merchant number) with
the row that won.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from botimpay.domain.order import Event, FailPayment, Order, Pay, transition
from botimpay.errors import ApiError
from botimpay.protocol import codes
from botimpay.services.notifications import emit_order_effects
from botimpay.store import order_events_repo, orders_repo
from botimpay.store.conflicts import DuplicateKey, RowChanged
from botimpay.store.connection import Connection
from botimpay.store.database import Database

log = logging.getLogger(__name__)

CONFLICT_ATTEMPTS = 3

T = TypeVar("T")
Work = Callable[[Connection], Awaitable[T]]


class OrderBusy(ApiError):
    """Raised by `write_retrying` when an order changed under every one of its
    CONFLICT_ATTEMPTS tries; the caller may simply try again later."""

    def __init__(self) -> None:
        super().__init__(codes.SYSTEM_ERROR, "the order is busy, please retry")


async def apply_event(conn: Connection, order: Order, event: Event, now: int) -> Order:
    """The order after `event` at business time `now`, saved with its notifications.

    Raises BusinessError when the rules refuse the event (nothing saved), and
    RowChanged when the row is no longer at `order`'s version."""
    changed, effects = transition(order, event, now)
    if changed is not order and not await orders_repo.save_transition(conn, order, changed):
        raise RowChanged(f"order {order.order_no} changed after version {order.version}")
    if changed.status is not order.status or changed.revoked != order.revoked:
        await _record_change(conn, order, changed, event, now)
    await emit_order_effects(conn, changed, effects, now)
    return changed


async def _record_change(
    conn: Connection, before: Order, after: Order, event: Event, now: int
) -> None:
    """One order_events row for the console's timeline: only status or revoked changes
    (a handful per order), so the hot paths pay one small insert at most."""
    if isinstance(event, Pay):
        detail: str | None = f"{event.channel} by {event.payer_mid or 'card without a wallet'}"
    elif isinstance(event, FailPayment):
        detail = event.reason
    elif after.fail_code and after.fail_code != before.fail_code:
        detail = f"{after.fail_code}: {after.fail_des}" if after.fail_des else after.fail_code
    else:
        detail = "revoked" if after.revoked and not before.revoked else None
    await order_events_repo.insert(
        conn,
        order_no=after.order_no,
        event=type(event).__name__,
        from_status=before.status.value,
        to_status=after.status.value,
        detail=detail,
        created_at=now,
    )


async def write_retrying(
    db: Database, work: Work[T], *, commit_before: tuple[type[Exception], ...] = ()
) -> T:
    """`work`'s result, run in one write transaction; again, from the start, on RowChanged.

    A refusal of a `commit_before` type is raised after the transaction commits, so
    what `work` saved before it refused (an expiry found on the way, a failed
    attempt, a wrong-password count) stays; any other error rolls everything back."""
    for _attempt in range(CONFLICT_ATTEMPTS):
        refusal: Exception | None = None
        try:
            async with db.write() as conn:
                try:
                    return await work(conn)
                except commit_before as exc:
                    refusal = exc  # leave the block normally: the transaction commits
        except RowChanged as exc:
            log.warning("%s; running the transaction again", exc)
            continue
        if refusal is not None:
            raise refusal
    log.error("an order changed under each of %d attempts; giving up", CONFLICT_ATTEMPTS)
    raise OrderBusy


async def first_writer_wins(
    db: Database, work: Work[T], winner: Callable[[Connection], Awaitable[T | None]]
) -> T:
    """`work` under `write_retrying`; if its insert lost a race on a unique key, what
    `winner` finds instead, read through the writer, which sees whatever beat us.
    DuplicateKey again if it finds nothing: the key that clashed was another one (a
    token, astronomically rarely)."""
    try:
        return await write_retrying(db, work)
    except DuplicateKey:
        async with db.write() as conn:
            found = await winner(conn)
        if found is None:
            raise
        return found
