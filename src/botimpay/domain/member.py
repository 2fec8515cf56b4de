"""Wallet members (customers): phone numbers, Emirates ID, and the lockouts of their
two secrets, the payment password and the sign-in code (OTP).

Each secret has its own `Lockout`, counted the same way: five wrong ones in a row
lock it for 30 minutes of business time; a right one clears the count. A locked
payment password still lets the member sign in; a locked sign-in still lets an
existing session pay.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from botimpay.errors import ConfigError

MAX_PASSWORD_ATTEMPTS = 5
LOCK_MS = 30 * 60 * 1000
_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class Lockout:
    """Wrong attempts in a row at one secret, and the lock they earned."""

    failures: int = 0
    locked_until: int | None = None

    def is_locked(self, now_ms: int) -> bool:
        return self.locked_until is not None and now_ms < self.locked_until

    def attempts_left(self) -> int:
        return max(0, MAX_PASSWORD_ATTEMPTS - self.failures)

    def after_failure(self, now_ms: int) -> Lockout:
        """The MAX_PASSWORD_ATTEMPTS-th failure locks for LOCK_MS and restarts the count."""
        failures = self.failures + 1
        if failures >= MAX_PASSWORD_ATTEMPTS:
            return Lockout(0, now_ms + LOCK_MS)
        return Lockout(failures, self.locked_until)

    def after_success(self) -> Lockout:
        return self if self == Lockout() else Lockout()


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    phone: str
    name: str
    password_hash: str
    eid_hash: str | None
    password_lock: Lockout = Lockout()
    otp_lock: Lockout = Lockout()


def after_wrong_password(member: Member, now_ms: int) -> Member:
    return dataclasses.replace(member, password_lock=member.password_lock.after_failure(now_ms))


def after_right_password(member: Member) -> Member:
    return dataclasses.replace(member, password_lock=member.password_lock.after_success())


def after_wrong_otp(member: Member, now_ms: int) -> Member:
    return dataclasses.replace(member, otp_lock=member.otp_lock.after_failure(now_ms))


def after_right_otp(member: Member) -> Member:
    return dataclasses.replace(member, otp_lock=member.otp_lock.after_success())


def normalize_phone(raw: str) -> str:
    """`+971 56 000 0000`, `00971560000000` and `971-56-0000000` are one number."""
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0") and len(digits) == 10:  # national format 056 000 0000
        digits = "971" + digits[1:]
    if not 8 <= len(digits) <= 15:
        raise ConfigError(f"{raw!r} is not a phone number")
    return "+" + digits
