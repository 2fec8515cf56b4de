"""The notification outbox: rows written in the state change's own transaction,
claimed by dispatchers with a lease, and every delivery attempt recorded.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so several workers share
the work; on SQLite the write lock serialises claims. A claim is a lease: if a
dispatcher dies mid-delivery the row becomes due again when the lease ends
(at-least-once delivery).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, insert, or_, select, text, update

from botimpay.domain.notification import NotificationKind, NotificationStatus
from botimpay.store.connection import Connection, run
from botimpay.store.tables import merchants, notification_attempts, notifications, refunds


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    notify_id: str
    partner_id: str
    kind: NotificationKind
    subject_no: str
    url: str
    payload: str
    status: NotificationStatus
    attempts: int
    round_start: int  # attempts made before the current round of the schedule
    next_attempt_at: int
    created_at: int
    delivered_at: int | None
    last_error: str | None
    fault: str | None = None  # sandbox: the notification fault that hit it (its label)
    held_until: int | None = None  # real ms: its first attempt waits until then at most


def _row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=int(row.id),
        notify_id=row.notify_id,
        partner_id=row.partner_id,
        kind=NotificationKind(row.kind),
        subject_no=row.subject_no,
        url=row.url,
        payload=row.payload,
        status=NotificationStatus(row.status),
        attempts=int(row.attempts),
        round_start=int(row.round_start),
        next_attempt_at=int(row.next_attempt_at),
        created_at=int(row.created_at),
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        fault=row.fault,
        held_until=None if row.held_until is None else int(row.held_until),
    )


_ENQUEUE = insert(notifications)


async def enqueue(
    conn: Connection,
    *,
    notify_id: str,
    partner_id: str,
    kind: NotificationKind,
    subject_no: str,
    url: str,
    payload: str,
    now_ms: int,
) -> None:
    await run(
        conn,
        _ENQUEUE,
        {
            "notify_id": notify_id,
            "partner_id": partner_id,
            "kind": kind.value,
            "subject_no": subject_no,
            "url": url,
            "payload": payload,
            "status": NotificationStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now_ms,
            "claimed_until": None,
            "created_at": now_ms,
        },
    )


def _claim_query(*, skip_locked: bool) -> Select[Any]:
    query = (
        select(notifications)
        .where(
            notifications.c.status == NotificationStatus.PENDING.value,
            notifications.c.next_attempt_at <= bindparam("business_now"),
            or_(
                notifications.c.claimed_until.is_(None),
                notifications.c.claimed_until < bindparam("real_now"),
            ),
        )
        .order_by(notifications.c.next_attempt_at, notifications.c.id)
        .limit(bindparam("limit"))
    )
    return query.with_for_update(skip_locked=True) if skip_locked else query


# Statements of the dispatcher's hot path, built once with bind parameters.
_DUE = {skip_locked: _claim_query(skip_locked=skip_locked) for skip_locked in (False, True)}
_LEASE = (
    update(notifications)
    .where(notifications.c.id.in_(bindparam("ids", expanding=True)))
    .values(claimed_until=bindparam("until"))
)
_RECORD = (
    update(notifications)
    .where(
        notifications.c.id == bindparam("row_id"),
        notifications.c.attempts == bindparam("prior_attempts"),
    )
    .values(
        attempts=bindparam("attempt_no"),
        status=bindparam("new_status"),
        next_attempt_at=bindparam("next_at"),
        claimed_until=None,
        delivered_at=bindparam("delivered"),
        last_error=bindparam("error"),
    )
)
_INSERT_ATTEMPT = insert(notification_attempts)


async def claim_due(
    conn: Connection, *, business_now: int, real_now: int, lease_ms: int, limit: int
) -> list[OutboxRow]:
    """Leases up to `limit` due rows to the caller until real time `real_now + lease_ms`."""
    query = _DUE[conn.dialect.name == "postgresql"]
    params = {"business_now": business_now, "real_now": real_now, "limit": limit}
    rows = [_row(r) for r in await conn.execute(query, params)]
    if rows:
        await conn.execute(_LEASE, {"ids": [r.id for r in rows], "until": real_now + lease_ms})
    return rows


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt of an outbox row and the row's state after it."""

    row_id: int
    attempt_no: int
    started_at: int
    real_started_at: int
    latency_ms: int
    http_status: int | None
    outcome: str
    excerpt: str | None
    status: NotificationStatus
    next_attempt_at: int
    delivered_at: int | None
    fault: str | None = None  # sandbox: the notification fault it was made under


# PostgreSQL: a batch's conditional updates in one statement (one round trip), each
# row still updated only if no other dispatcher recorded this attempt first.
_RECORD_MANY_PG = text(
    """
    UPDATE notifications AS n
    SET attempts = v.attempt_no, status = v.new_status, next_attempt_at = v.next_at,
        claimed_until = NULL, delivered_at = v.delivered, last_error = v.error
    FROM unnest(
        CAST(:row_ids AS INTEGER[]), CAST(:attempt_nos AS INTEGER[]),
        CAST(:statuses AS VARCHAR[]), CAST(:next_ats AS BIGINT[]),
        CAST(:delivered AS BIGINT[]), CAST(:errors AS VARCHAR[])
    ) AS v(row_id, attempt_no, new_status, next_at, delivered, error)
    WHERE n.id = v.row_id AND n.attempts = v.attempt_no - 1
    RETURNING n.id
    """
)


def _last_error(a: Attempt) -> str | None:
    return None if a.outcome == "SUCCESS" else f"{a.outcome} {a.http_status or ''}".strip()


async def _update_rows(conn: Connection, attempts: Sequence[Attempt]) -> list[bool]:
    if conn.dialect.name == "postgresql":
        result = await conn.execute(
            _RECORD_MANY_PG,
            {
                "row_ids": [a.row_id for a in attempts],
                "attempt_nos": [a.attempt_no for a in attempts],
                "statuses": [a.status.value for a in attempts],
                "next_ats": [a.next_attempt_at for a in attempts],
                "delivered": [a.delivered_at for a in attempts],
                "errors": [_last_error(a) for a in attempts],
            },
        )
        updated = {int(row_id) for row_id in result.scalars()}
        return [a.row_id in updated for a in attempts]
    saved = []
    for a in attempts:  # SQLite: in-process statements, no round trips to save
        result = await conn.execute(
            _RECORD,
            {
                "row_id": a.row_id,
                "prior_attempts": a.attempt_no - 1,
                "attempt_no": a.attempt_no,
                "new_status": a.status.value,
                "next_at": a.next_attempt_at,
                "delivered": a.delivered_at,
                "error": _last_error(a),
            },
        )
        saved.append(result.rowcount == 1)
    return saved


async def record_attempts(conn: Connection, attempts: Sequence[Attempt]) -> list[bool]:
    """Saves each attempt and its row's new state; False where another worker already did.

    Attempts must be of distinct rows."""
    if not attempts:
        return []
    saved = await _update_rows(conn, attempts)
    history = [
        {
            "notification_id": a.row_id,
            "attempt_no": a.attempt_no,
            "started_at": a.started_at,
            "real_started_at": a.real_started_at,
            "latency_ms": a.latency_ms,
            "http_status": a.http_status,
            "outcome": a.outcome,
            "response_excerpt": a.excerpt,
            "fault": a.fault,
        }
        for a, ok in zip(attempts, saved, strict=True)
        if ok
    ]
    if history:
        await conn.execute(_INSERT_ATTEMPT, history)
    return saved


async def list_for(
    conn: Connection, *, subject_no: str | None = None, limit: int = 100
) -> list[OutboxRow]:
    query = select(notifications).order_by(notifications.c.id.desc()).limit(limit)
    if subject_no is not None:
        query = query.where(notifications.c.subject_no == subject_no)
    return [_row(r) for r in await conn.execute(query)]


async def attempts_of(conn: Connection, notification_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(notification_attempts)
        .where(notification_attempts.c.notification_id == notification_id)
        .order_by(notification_attempts.c.attempt_no)
    )
    return [dict(r._mapping) for r in rows]


async def by_notify_id(conn: Connection, notify_id: str) -> OutboxRow | None:
    row = (
        await conn.execute(select(notifications).where(notifications.c.notify_id == notify_id))
    ).first()
    return _row(row) if row is not None else None


async def resend(conn: Connection, notify_id: str, now_ms: int) -> bool:
    """Makes the notification PENDING and due at `now_ms` with a fresh round of the
    schedule, whatever its state; attempts keep counting (the next one is numbered after
    the last). False if there is no such notification."""
    result = await conn.execute(
        update(notifications)
        .where(notifications.c.notify_id == notify_id)
        .values(
            status=NotificationStatus.PENDING.value,
            round_start=notifications.c.attempts,
            next_attempt_at=now_ms,
            claimed_until=None,
            delivered_at=None,
            last_error=None,
        )
    )
    return result.rowcount == 1


async def mark_fault(
    conn: Connection,
    row_id: int,
    *,
    fault: str,
    held_until: int | None,
    claimed_until: int | None,
) -> bool:
    """Marks a not yet attempted notification with the fault that hit it and, when
    `claimed_until` is given, leases it until then (real ms) instead of the claim's lease;
    False if it was marked or attempted meanwhile."""
    values: dict[str, Any] = {"fault": fault, "held_until": held_until}
    if claimed_until is not None:
        values["claimed_until"] = claimed_until
    result = await conn.execute(
        update(notifications)
        .where(
            notifications.c.id == row_id,
            notifications.c.fault.is_(None),
            notifications.c.attempts == 0,
        )
        .values(**values)
    )
    return result.rowcount == 1


async def hold(conn: Connection, row_id: int, *, until: int) -> None:
    """Keeps a notification held back (not claimed again) until real time `until`."""
    await conn.execute(
        update(notifications)
        .where(notifications.c.id == row_id, notifications.c.attempts == 0)
        .values(claimed_until=until)
    )


async def refund_notice_sent(conn: Connection, order_no: str) -> bool:
    """Whether a refund notification of payment order `order_no` has been attempted."""
    sent = exists().where(
        refunds.c.origin_order_no == order_no,
        notifications.c.subject_no == refunds.c.refund_no,
        notifications.c.kind == NotificationKind.REFUND.value,
        notifications.c.attempts > 0,
    )
    return bool(await conn.scalar(select(sent)))


# --- the console's Notifications page (web/console_notifications.py) ------------------


async def console_page(
    conn: Connection,
    *,
    partner_id: str | None,
    status: NotificationStatus | None,
    before_id: int | None,
    limit: int,
) -> list[OutboxRow]:
    """One page of outbox rows newest first (by id, keyset: ids below `before_id`)."""
    query = select(notifications)
    if partner_id is not None:
        query = query.where(notifications.c.partner_id == partner_id)
    if status is not None:
        query = query.where(notifications.c.status == status.value)
    if before_id is not None:
        query = query.where(notifications.c.id < before_id)
    rows = await conn.execute(query.order_by(notifications.c.id.desc()).limit(limit))
    return [_row(r) for r in rows]


async def default_notify_url(conn: Connection, partner_id: str) -> str | None:
    """The merchant's default notifyUrl (merchants.default_notify_url), if it set one."""
    value = await conn.scalar(
        select(merchants.c.default_notify_url).where(merchants.c.partner_id == partner_id)
    )
    return None if value is None else str(value)
