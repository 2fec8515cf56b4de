"""What /metrics reads from the database at scrape time: orders by status, outbox rows
by state, delivery attempts by outcome, and the dispatcher's backlog.

One read transaction, a handful of grouped counts. Every worker process answers a
scrape with the same numbers, since they come from the one database, not from memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql.base import Executable

from botimpay.domain.notification import NotificationStatus
from botimpay.store.connection import Connection
from botimpay.store.tables import notification_attempts, notifications, orders


@dataclass(frozen=True, slots=True)
class DatabaseCounts:
    """The database's side of a scrape; statuses and outcomes as stored."""

    orders_by_status: dict[str, int]
    notifications_by_status: dict[str, int]
    attempts_by_outcome: dict[str, int]
    backlog: int  # PENDING rows due at business time `now` (in flight or not)
    oldest_due_at: int | None  # business ms the longest-waiting due row was due at


_ORDERS = select(orders.c.status, func.count()).group_by(orders.c.status)
_NOTIFICATIONS = select(notifications.c.status, func.count()).group_by(notifications.c.status)
_ATTEMPTS = select(notification_attempts.c.outcome, func.count()).group_by(
    notification_attempts.c.outcome
)


async def _grouped(conn: Connection, query: Executable) -> dict[str, int]:
    rows: Any = await conn.execute(query)
    return {str(key): int(count) for key, count in rows}


async def counts(conn: Connection, *, business_now: int) -> DatabaseCounts:
    """The counts at business time `business_now` (the backlog is what is due by then)."""
    backlog: Any = select(func.count(), func.min(notifications.c.next_attempt_at)).where(
        notifications.c.status == NotificationStatus.PENDING.value,
        notifications.c.next_attempt_at <= business_now,
    )
    due = (await conn.execute(backlog)).one()
    return DatabaseCounts(
        orders_by_status=await _grouped(conn, _ORDERS),
        notifications_by_status=await _grouped(conn, _NOTIFICATIONS),
        attempts_by_outcome=await _grouped(conn, _ATTEMPTS),
        backlog=int(due[0]),
        oldest_due_at=None if due[1] is None else int(due[1]),
    )
