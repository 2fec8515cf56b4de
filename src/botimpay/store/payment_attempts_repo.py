"""Payment attempts in the database: every try at paying an order, and the card
payments the bank has yet to confirm (PENDING until the sweeper resolves them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from botimpay.domain.payment import AttemptStatus, Method, Reason
from botimpay.protocol.money import Money
from botimpay.store.connection import Connection
from botimpay.store.tables import payment_attempts


@dataclass(frozen=True, slots=True)
class PendingAttempt:
    attempt_id: int
    order_no: str
    member_id: str | None  # None: a card without a wallet


async def record(
    conn: Connection,
    *,
    order_no: str,
    member_id: str | None,
    method: Method,
    status: AttemptStatus,
    reason: Reason | None,
    amount: Money,
    now_ms: int,
) -> None:
    """One attempt; resolved at once unless it is PENDING."""
    await conn.execute(
        insert(payment_attempts).values(
            order_no=order_no,
            member_id=member_id,
            method=method.value,
            status=status.value,
            reason=reason.value if reason else None,
            amount_fils=amount.fils,
            created_at=now_ms,
            resolved_at=None if status is AttemptStatus.PENDING else now_ms,
        )
    )


async def has_pending(conn: Connection, order_no: str) -> bool:
    """Whether a card payment of the order is still being confirmed."""
    found = await conn.scalar(
        select(payment_attempts.c.id).where(
            payment_attempts.c.order_no == order_no,
            payment_attempts.c.status == AttemptStatus.PENDING.value,
        )
    )
    return found is not None


async def pending_since(conn: Connection, cutoff_ms: int, limit: int) -> list[PendingAttempt]:
    """Pending attempts made at or before `cutoff_ms`."""
    rows = await conn.execute(
        select(payment_attempts.c.id, payment_attempts.c.order_no, payment_attempts.c.member_id)
        .where(
            payment_attempts.c.status == AttemptStatus.PENDING.value,
            payment_attempts.c.created_at <= cutoff_ms,
        )
        .limit(limit)
    )
    return [PendingAttempt(int(row.id), row.order_no, row.member_id) for row in rows]


async def find_pending(conn: Connection, attempt_id: int) -> PendingAttempt | None:
    """The attempt if it is still pending (another sweeper may have resolved it)."""
    row = (
        await conn.execute(
            select(
                payment_attempts.c.id, payment_attempts.c.order_no, payment_attempts.c.member_id
            ).where(
                payment_attempts.c.id == attempt_id,
                payment_attempts.c.status == AttemptStatus.PENDING.value,
            )
        )
    ).first()
    return None if row is None else PendingAttempt(int(row.id), row.order_no, row.member_id)


async def resolve(
    conn: Connection, attempt_id: int, status: AttemptStatus, reason: Reason | None, now_ms: int
) -> None:
    await conn.execute(
        update(payment_attempts)
        .where(payment_attempts.c.id == attempt_id)
        .values(status=status.value, reason=reason.value if reason else None, resolved_at=now_ms)
    )


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One payment attempt as recorded (operator views)."""

    attempt_id: int
    member_id: str | None
    method: Method
    status: AttemptStatus
    reason: str | None
    amount: Money
    created_at: int
    resolved_at: int | None


async def of_order(conn: Connection, order_no: str) -> list[AttemptRecord]:
    """Every attempt at paying `order_no`, oldest first."""
    rows = await conn.execute(
        select(payment_attempts)
        .where(payment_attempts.c.order_no == order_no)
        .order_by(payment_attempts.c.id)
    )
    return [
        AttemptRecord(
            attempt_id=int(row.id),
            member_id=row.member_id,
            method=Method(row.method),
            status=AttemptStatus(row.status),
            reason=row.reason,
            amount=Money(int(row.amount_fils)),
            created_at=int(row.created_at),
            resolved_at=None if row.resolved_at is None else int(row.resolved_at),
        )
        for row in rows
    ]
