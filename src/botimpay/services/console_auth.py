"""Console accounts and sessions: add users, set passwords, sign in (with the lockout),
resolve a session cookie, sign out.

Password hashing (scrypt, ~50 ms) runs on a worker thread, outside any transaction,
so a sign-in never holds the database or the event loop while it hashes. Times are
wall-clock (`Clock.real_ms`): moving the sandbox's business clock neither unlocks an
account nor expires a session.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from botimpay.clock import Clock
from botimpay.domain.console import (
    ADMIN,
    SESSION_MS,
    ConsoleSession,
    ConsoleUser,
    Role,
    new_secret,
    password_problem,
    token_hash,
    username_problem,
)
from botimpay.errors import ConfigError
from botimpay.services.passwords import hash_password, verify_password
from botimpay.store import console_repo, merchants_repo
from botimpay.store.conflicts import DuplicateKey
from botimpay.store.database import Database


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases take as long
    (made on first use: importing this module must not cost a scrypt)."""
    return hash_password(new_secret())


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in's outcome: the session token for the cookie, or why there is none."""

    token: str | None = None
    session: ConsoleSession | None = None
    locked: bool = False


class ConsoleAuth:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add_user(
        self, username: str, password: str, *, partner_id: str | None = None
    ) -> ConsoleUser:
        """An operator, or with `partner_id` a user of that merchant. ConfigError when the
        name or password is unusable, the name is taken or the merchant does not exist."""
        for problem in (username_problem(username), password_problem(password)):
            if problem:
                raise ConfigError(problem)
        hashed = await asyncio.to_thread(hash_password, password)
        role = Role.OPERATOR if partner_id is None else Role.MERCHANT
        try:
            async with self.db.write() as conn:
                if partner_id is not None and not await merchants_repo.exists(conn, partner_id):
                    raise ConfigError(f"no merchant with partner id {partner_id}")
                await console_repo.insert_user(
                    conn,
                    username=username,
                    password_hash=hashed,
                    role=role,
                    partner_id=partner_id,
                    now_ms=self.clock.real_ms(),
                )
                user = await console_repo.user_by_name(conn, username)
        except DuplicateKey:
            raise ConfigError(f"console user {username} already exists") from None
        assert user is not None
        return user

    async def set_password(self, username: str, password: str) -> None:
        """Also clears the lockout and signs the user out everywhere."""
        problem = password_problem(password)
        if problem:
            raise ConfigError(problem)
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.db.write() as conn:
            user = await console_repo.user_by_name(conn, username, for_update=True)
            if user is None:
                raise ConfigError(f"no console user {username}")
            await console_repo.set_password(conn, user.user_id, hashed, self.clock.real_ms())

    async def ensure_admin(self, password: str | None) -> str | None:
        """`botimpay init`: creates the operator `admin` (with `password`, or a random one)
        when missing, or sets its password when `password` is given. Returns the password
        to print once when one was generated; None otherwise."""
        async with self.db.read() as conn:
            existing = await console_repo.user_by_name(conn, ADMIN)
        if existing is not None:
            if password is not None:
                await self.set_password(ADMIN, password)
            return None
        generated = password is None
        chosen = password if password is not None else new_secret()
        try:
            await self.add_user(ADMIN, chosen)
        except ConfigError:
            async with self.db.read() as conn:  # a concurrent init created it first
                if await console_repo.user_by_name(conn, ADMIN) is None:
                    raise
            if password is not None:
                await self.set_password(ADMIN, password)
            return None
        return chosen if generated else None

    async def sign_in(self, username: str, password: str) -> SignIn:
        """A new session for the right password of an unlocked account. A wrong one counts
        towards the lockout; a locked account is refused even the right one."""
        async with self.db.read() as conn:
            user = await console_repo.user_by_name(conn, username)
        now = self.clock.real_ms()
        if user is None:
            await asyncio.to_thread(verify_password, password, _dummy_hash())
            return SignIn()
        if user.lock.is_locked(now):
            return SignIn(locked=True)
        right = await asyncio.to_thread(verify_password, password, user.password_hash)
        async with self.db.write() as conn:
            current = await console_repo.user_by_name(conn, username, for_update=True)
            if current is None or current.password_hash != user.password_hash:
                return SignIn()  # removed or given a new password meanwhile
            if current.lock.is_locked(now):
                return SignIn(locked=True)
            if not right:
                lock = current.lock.after_failure(now)
                await console_repo.save_lock(conn, current.user_id, lock, now)
                return SignIn(locked=lock.is_locked(now))
            if current.lock.failures:
                await console_repo.save_lock(
                    conn, current.user_id, current.lock.after_success(), now
                )
            await console_repo.delete_expired_sessions(conn, current.user_id, now)
            token, csrf = new_secret(), new_secret()
            await console_repo.insert_session(
                conn,
                token_hash=token_hash(token),
                user_id=current.user_id,
                csrf_token=csrf,
                now_ms=now,
                expires_at=now + SESSION_MS,
            )
        return SignIn(token=token, session=ConsoleSession(current, csrf, now + SESSION_MS))

    async def session(self, token: str | None) -> ConsoleSession | None:
        """The unexpired session of a cookie's token; None for none, unknown or expired."""
        if not token or len(token) > 128:
            return None
        async with self.db.read() as conn:
            found = await console_repo.session_by_hash(conn, token_hash(token))
        if found is None or found.expires_at <= self.clock.real_ms():
            return None
        return found

    async def sign_out(self, token: str | None) -> None:
        if token and len(token) <= 128:
            async with self.db.write() as conn:
                await console_repo.delete_session(conn, token_hash(token))
