"""The console's users and sessions in the database (tables from migration 0008)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from botimpay.domain.console import ConsoleSession, ConsoleUser, Role
from botimpay.domain.member import Lockout
from botimpay.store.connection import Connection
from botimpay.store.tables import console_sessions, console_users


def _user(row: Any) -> ConsoleUser:
    return ConsoleUser(
        user_id=int(row.id),
        username=row.username,
        password_hash=row.password_hash,
        role=Role(row.role),
        partner_id=row.partner_id,
        lock=Lockout(int(row.failed_attempts), row.locked_until),
    )


async def insert_user(
    conn: Connection,
    *,
    username: str,
    password_hash: str,
    role: Role,
    partner_id: str | None,
    now_ms: int,
) -> None:
    """Raises DuplicateKey (from Database.write) when the username is taken."""
    await conn.execute(
        insert(console_users).values(
            username=username,
            password_hash=password_hash,
            role=role.value,
            partner_id=partner_id,
            failed_attempts=0,
            locked_until=None,
            created_at=now_ms,
            updated_at=now_ms,
        )
    )


async def user_by_name(
    conn: Connection, username: str, *, for_update: bool = False
) -> ConsoleUser | None:
    query = select(console_users).where(console_users.c.username == username)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return None if row is None else _user(row)


async def set_password(conn: Connection, user_id: int, password_hash: str, now_ms: int) -> None:
    """A new password also clears the lockout and ends every session of the user."""
    await conn.execute(
        update(console_users)
        .where(console_users.c.id == user_id)
        .values(
            password_hash=password_hash, failed_attempts=0, locked_until=None, updated_at=now_ms
        )
    )
    await conn.execute(delete(console_sessions).where(console_sessions.c.user_id == user_id))


async def save_lock(conn: Connection, user_id: int, lock: Lockout, now_ms: int) -> None:
    await conn.execute(
        update(console_users)
        .where(console_users.c.id == user_id)
        .values(failed_attempts=lock.failures, locked_until=lock.locked_until, updated_at=now_ms)
    )


async def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    user_id: int,
    csrf_token: str,
    now_ms: int,
    expires_at: int,
) -> None:
    await conn.execute(
        insert(console_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=now_ms,
            expires_at=expires_at,
        )
    )


async def session_by_hash(conn: Connection, token_hash: str) -> ConsoleSession | None:
    row = (
        await conn.execute(
            select(
                console_users,
                console_sessions.c.csrf_token,
                console_sessions.c.expires_at,
            )
            .join(console_sessions, console_sessions.c.user_id == console_users.c.id)
            .where(console_sessions.c.token_hash == token_hash)
        )
    ).first()
    if row is None:
        return None
    return ConsoleSession(_user(row), row.csrf_token, int(row.expires_at))


async def delete_session(conn: Connection, token_hash: str) -> None:
    await conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))


async def delete_expired_sessions(conn: Connection, user_id: int, now_ms: int) -> None:
    await conn.execute(
        delete(console_sessions).where(
            console_sessions.c.user_id == user_id, console_sessions.c.expires_at <= now_ms
        )
    )
