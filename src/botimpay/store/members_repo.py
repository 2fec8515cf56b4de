"""Wallet members and customer sessions in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from botimpay.domain.member import Lockout, Member
from botimpay.store.connection import Connection
from botimpay.store.tables import customer_sessions, members


def _member(row: Row[Any]) -> Member:
    return Member(
        member_id=row.member_id,
        phone=row.phone,
        name=row.name,
        password_hash=row.password_hash,
        eid_hash=row.eid_hash,
        password_lock=Lockout(int(row.failed_password_attempts), row.locked_until),
        otp_lock=Lockout(int(row.failed_otp_attempts), row.otp_locked_until),
    )


async def insert_member(conn: Connection, member: Member, now_ms: int) -> None:
    await conn.execute(
        insert(members).values(
            member_id=member.member_id,
            phone=member.phone,
            name=member.name,
            password_hash=member.password_hash,
            eid_hash=member.eid_hash,
            failed_password_attempts=member.password_lock.failures,
            locked_until=member.password_lock.locked_until,
            failed_otp_attempts=member.otp_lock.failures,
            otp_locked_until=member.otp_lock.locked_until,
            created_at=now_ms,
        )
    )


async def by_phone(conn: Connection, phone: str, *, for_update: bool = False) -> Member | None:
    query = select(members).where(members.c.phone == phone)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _member(row) if row is not None else None


async def by_id(conn: Connection, member_id: str, *, for_update: bool = False) -> Member | None:
    query = select(members).where(members.c.member_id == member_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _member(row) if row is not None else None


async def any_of(conn: Connection, member_ids: list[str]) -> bool:
    """True when at least one of `member_ids` is a member."""
    found = await conn.scalar(
        select(members.c.member_id).where(members.c.member_id.in_(member_ids)).limit(1)
    )
    return found is not None


async def save_password_state(conn: Connection, member: Member) -> None:
    """Writes the payment password's lockout (the member row is locked by the caller)."""
    await conn.execute(
        update(members)
        .where(members.c.member_id == member.member_id)
        .values(
            failed_password_attempts=member.password_lock.failures,
            locked_until=member.password_lock.locked_until,
        )
    )


async def save_otp_state(conn: Connection, member: Member) -> None:
    """Writes the sign-in code's lockout (the member row is locked by the caller)."""
    await conn.execute(
        update(members)
        .where(members.c.member_id == member.member_id)
        .values(
            failed_otp_attempts=member.otp_lock.failures,
            otp_locked_until=member.otp_lock.locked_until,
        )
    )


async def list_members(conn: Connection) -> list[Member]:
    rows = await conn.execute(select(members).order_by(members.c.member_id))
    return [_member(row) for row in rows]


async def create_session(
    conn: Connection, token_hash: str, member_id: str, csrf: str, now_ms: int, ttl_ms: int
) -> None:
    await conn.execute(
        insert(customer_sessions).values(
            token_hash=token_hash,
            member_id=member_id,
            csrf_token=csrf,
            created_at=now_ms,
            expires_at=now_ms + ttl_ms,
        )
    )


async def session(conn: Connection, token_hash: str, now_ms: int) -> tuple[str, str] | None:
    """(member_id, csrf_token) of a live session."""
    row = (
        await conn.execute(
            select(customer_sessions.c.member_id, customer_sessions.c.csrf_token).where(
                customer_sessions.c.token_hash == token_hash,
                customer_sessions.c.expires_at > now_ms,
            )
        )
    ).first()
    return (row.member_id, row.csrf_token) if row is not None else None


async def delete_session(conn: Connection, token_hash: str) -> None:
    await conn.execute(
        delete(customer_sessions).where(customer_sessions.c.token_hash == token_hash)
    )
