"""Wallet members: registration, sign-in by phone and OTP, sessions, balance, history.

Sessions are server-side rows (so every worker process sees them); the
cookie holds a random token and the database only its SHA-256. Wrong codes
count against the wallet like wrong payment passwords (domain.member.Lockout).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from botimpay.clock import Clock
from botimpay.domain import ledger
from botimpay.domain.member import Member, after_right_otp, after_wrong_otp, normalize_phone
from botimpay.domain.payment import Reason, refuse_if_sign_in_locked
from botimpay.errors import CheckoutRefused, ConfigError
from botimpay.protocol.money import Money
from botimpay.services.passwords import hash_password
from botimpay.store import ledger_repo, members_repo, orders_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database

SANDBOX_OTP = "123456"
SESSION_TTL_MS = 8 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class Session:
    member: Member
    csrf_token: str


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf_token: str
    member: Member


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WalletService:
    def __init__(self, db: Database, clock: Clock, *, sandbox: bool) -> None:
        self.db = db
        self.clock = clock
        self.sandbox = sandbox

    async def register(
        self,
        *,
        member_id: str,
        phone: str,
        name: str,
        password: str,
        eid_hash: str | None = None,
        opening_balance: Money | None = None,
    ) -> Member:
        """Creates a member with a wallet; idempotent on the phone number."""
        normalized = normalize_phone(phone)
        async with self.db.write() as conn:
            existing = await members_repo.by_phone(conn, normalized)
            if existing is not None:
                return existing
            member = Member(member_id, normalized, name, hash_password(password), eid_hash)
            now = self.clock.now_ms()
            await members_repo.insert_member(conn, member, now)
            await ledger_repo.account_id(conn, ledger.wallet(member_id))
            if opening_balance is not None and opening_balance.fils > 0:
                await ledger_repo.post(conn, ledger.funding_entry(member_id, opening_balance), now)
        return member

    async def sign_in(self, phone: str, otp: str) -> NewSession:
        """Phone + one-time code; the sandbox code is 123456 (there is no SMS here).

        The fifth wrong code in a row locks the wallet's sign-in for 30 minutes of
        business time, during which even the right code is refused; a right code
        clears the count. Refusals raise CheckoutRefused after the count is saved."""
        try:
            normalized = normalize_phone(phone)
        except ConfigError as exc:
            raise CheckoutRefused(Reason.SIGN_IN_FAILED, "Enter a valid phone number.") from exc
        if not self.sandbox:
            raise CheckoutRefused(
                Reason.SIGN_IN_FAILED, "OTP sign-in needs an SMS provider (sandbox mode only)."
            )
        async with self.db.write() as conn:
            try:
                return await self._sign_in(conn, normalized, otp)
            except CheckoutRefused as exc:
                refusal = exc  # leave the block normally so the failure count is committed
        raise refusal

    async def _sign_in(self, conn: Connection, phone: str, otp: str) -> NewSession:
        right = hmac.compare_digest(otp.strip().encode(), SANDBOX_OTP.encode())
        member = await members_repo.by_phone(conn, phone, for_update=True)
        if member is None:  # no wallet to lock
            if not right:
                raise CheckoutRefused(Reason.SIGN_IN_FAILED, "The verification code is wrong.")
            raise CheckoutRefused(Reason.SIGN_IN_FAILED, "No wallet has this phone number.")
        now = self.clock.now_ms()
        refuse_if_sign_in_locked(member, now)
        if not right:
            member = after_wrong_otp(member, now)
            await members_repo.save_otp_state(conn, member)
            refuse_if_sign_in_locked(member, now)
            raise CheckoutRefused(
                Reason.SIGN_IN_FAILED,
                f"The verification code is wrong. {member.otp_lock.attempts_left()} attempts left.",
            )
        cleared = after_right_otp(member)
        if cleared != member:  # earlier wrong codes are forgiven
            member = cleared
            await members_repo.save_otp_state(conn, member)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        await members_repo.create_session(
            conn, _token_hash(token), member.member_id, csrf, self.clock.real_ms(), SESSION_TTL_MS
        )
        return NewSession(token, csrf, member)

    async def session(self, token: str | None) -> Session | None:
        if not token:
            return None
        async with self.db.read() as conn:
            found = await members_repo.session(conn, _token_hash(token), self.clock.real_ms())
            if found is None:
                return None
            member = await members_repo.by_id(conn, found[0])
        return Session(member, found[1]) if member is not None else None

    async def sign_out(self, token: str) -> None:
        async with self.db.write() as conn:
            await members_repo.delete_session(conn, _token_hash(token))

    async def member_by_phone(self, phone: str) -> Member:
        try:
            normalized = normalize_phone(phone)
        except ConfigError as exc:
            raise CheckoutRefused(Reason.SIGN_IN_FAILED, "Enter a valid phone number.") from exc
        async with self.db.read() as conn:
            member = await members_repo.by_phone(conn, normalized)
        if member is None:
            raise CheckoutRefused(Reason.SIGN_IN_FAILED, "No wallet has this phone number.")
        return member

    async def balance(self, member_id: str) -> Money:
        async with self.db.read() as conn:
            return await ledger_repo.balance(conn, ledger.wallet(member_id))

    async def history(self, member_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Wallet movements, newest first, with the merchant and subject of each payment."""
        async with self.db.read() as conn:
            moves = await ledger_repo.history(conn, ledger.wallet(member_id), limit)
            paid = {
                o.order_no: o for o in await orders_repo.payments_of_member(conn, member_id, limit)
            }
        items: list[dict[str, Any]] = []
        for move in moves:
            order = paid.get(move["order_no"] or "")
            items.append(
                {
                    "amount": Money(int(move["amount_fils"])),
                    "kind": move["kind"],
                    "memo": order.subject if order else move["memo"],
                    "orderNo": move["order_no"],
                    "time": int(move["created_at"]),
                }
            )
        return items

    async def list_members(self) -> list[Member]:
        async with self.db.read() as conn:
            return await members_repo.list_members(conn)
