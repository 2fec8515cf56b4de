"""What the console shows of orders: the filtered, keyset-paged list and one order with
its timeline (API calls, state changes, payment attempts, ledger entries, refunds,
notifications and their attempts), always narrowed to what the signed-in user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botimpay.domain.console import PAGE_SIZE, ConsoleUser, Cursor
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.request_log import RequestRecord
from botimpay.domain.timeline import Kind, TimelineItem, merge
from botimpay.services.operator import order_history
from botimpay.store import (
    order_events_repo,
    orders_repo,
    outbox_repo,
    refunds_repo,
    request_log_repo,
)
from botimpay.store.database import Database
from botimpay.store.outbox_repo import OutboxRow


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """The list's filters as the page's form gives them (already checked)."""

    search: str | None = None  # merchantOrderNo, orderNo or traceCode
    partner_id: str | None = None  # an operator's merchant filter
    status: OrderStatus | None = None
    scene_code: str | None = None
    created_from: int | None = None
    created_before: int | None = None
    after: Cursor | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One attempt at delivering a notification: what the merchant's endpoint answered."""

    notify_id: str
    kind: str
    attempt_no: int
    started_at: int
    latency_ms: int
    http_status: int | None
    outcome: str
    excerpt: str | None
    fault: str | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """The order page's content: the merged items and the notifications (to resend)."""

    items: list[TimelineItem]
    notifications: list[OutboxRow]


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    next_cursor: Cursor | None  # None on the last page


class ConsoleOrders:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, user: ConsoleUser, query: OrderQuery) -> OrderPage:
        partner = user.visible_partner or query.partner_id
        if user.visible_partner is not None and query.partner_id not in (None, partner):
            return OrderPage([], None)  # a merchant user asked for another merchant
        refs = await self._refs(query.search, partner) if query.search else None
        if refs is not None and not refs:
            return OrderPage([], None)
        async with self.db.read() as conn:
            rows = await orders_repo.console_page(
                conn,
                partner_id=partner,
                refs=refs,
                status=query.status,
                scene_code=query.scene_code,
                created_from=query.created_from,
                created_before=query.created_before,
                after=(query.after.created_at, query.after.row_id) if query.after else None,
                limit=PAGE_SIZE + 1,
            )
        shown = rows[:PAGE_SIZE]
        cursor = None
        if len(rows) > PAGE_SIZE:
            row_id, last = shown[-1]
            cursor = Cursor(last.created_at, row_id)
        return OrderPage([order for _, order in shown], cursor)

    async def _refs(self, search: str, partner: str | None) -> list[str]:
        """The order numbers a search names: itself, and the order a traceCode's call named."""
        refs = [search]
        async with self.db.request_log().read() as conn:
            call = await request_log_repo.by_trace_code(conn, search)
        if call is not None and (partner is None or call.partner_id == partner):
            refs += [ref for ref in (call.order_no, call.merchant_order_no) if ref]
        return refs

    async def order(self, user: ConsoleUser, order_no: str) -> Order | None:
        """The order, or None when there is none the user may see (never says which)."""
        async with self.db.read() as conn:
            found = await orders_repo.find_by_order_no(conn, order_no)
        if found is None or not user.may_see(found.partner_id):
            return None
        return found

    async def calls(self, order: Order) -> list[RequestRecord]:
        """The merchant API calls that named the order, oldest first."""
        async with self.db.request_log().read() as conn:
            return await request_log_repo.calls_for_order(
                conn, order.partner_id, order.merchant_order_no, order.order_no
            )

    async def notifications(self, order: Order) -> list[OutboxRow]:
        """The order's notifications (its payment result and each refund's), oldest first."""
        async with self.db.read() as conn:
            refund_nos = [r.refund_no for r in await refunds_repo.of_order(conn, order.order_no)]
            rows: list[OutboxRow] = []
            for subject in [order.order_no, *refund_nos]:
                rows += await outbox_repo.list_for(conn, subject_no=subject, limit=50)
        return sorted(rows, key=lambda row: row.id)

    async def timeline(self, order: Order) -> Timeline:
        """Everything recorded about `order`, merged oldest first (business time)."""
        history = await order_history(self.db, order.order_no)
        notes = await self.notifications(order)
        items = [TimelineItem(Kind.CREATED, history.order.created_at, 0, history.order)]
        items += [
            TimelineItem(Kind.CALL, c.business_at, i, c)
            for i, c in enumerate(await self.calls(order))
        ]
        items += [
            TimelineItem(Kind.ATTEMPT, a.created_at, a.attempt_id, a) for a in history.attempts
        ]
        items += [
            TimelineItem(Kind.LEDGER, e.created_at, e.transaction_id, e) for e in history.entries
        ]
        items += [
            TimelineItem(Kind.REFUND, r.created_at, i, r) for i, r in enumerate(history.refunds)
        ]
        async with self.db.read() as conn:
            events = await order_events_repo.of_order(conn, order.order_no)
            items += [TimelineItem(Kind.STATE, e.created_at, e.event_id, e) for e in events]
            for note in notes:
                items.append(TimelineItem(Kind.NOTIFICATION, note.created_at, note.id, note))
                for attempt in await outbox_repo.attempts_of(conn, note.id):
                    delivery = _delivery(note, attempt)
                    items.append(
                        TimelineItem(
                            Kind.DELIVERY, delivery.started_at, int(attempt["id"]), delivery
                        )
                    )
        return Timeline(merge(items), notes)


def _delivery(note: OutboxRow, attempt: dict[str, Any]) -> Delivery:
    return Delivery(
        notify_id=note.notify_id,
        kind=note.kind.value,
        attempt_no=int(attempt["attempt_no"]),
        started_at=int(attempt["started_at"]),
        latency_ms=int(attempt["latency_ms"]),
        http_status=attempt["http_status"],
        outcome=str(attempt["outcome"]),
        excerpt=attempt["response_excerpt"],
        fault=attempt["fault"],
    )
