"""Wallet members (customers): phone numbers, payment-password lockout, Emirates ID.

Five wrong payment passwords lock the member for 30 minutes of business time.
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
class Member:
    member_id: str
    phone: str
    name: str
    password_hash: str
    eid_hash: str | None
    failed_password_attempts: int = 0
    locked_until: int | None = None

    def is_locked(self, now_ms: int) -> bool:
        return self.locked_until is not None and now_ms < self.locked_until

    def attempts_left(self) -> int:
        return max(0, MAX_PASSWORD_ATTEMPTS - self.failed_password_attempts)


def after_wrong_password(member: Member, now_ms: int) -> Member:
    attempts = member.failed_password_attempts + 1
    if attempts >= MAX_PASSWORD_ATTEMPTS:
        return dataclasses.replace(
            member, failed_password_attempts=0, locked_until=now_ms + LOCK_MS
        )
    return dataclasses.replace(member, failed_password_attempts=attempts)


def after_right_password(member: Member) -> Member:
    if member.failed_password_attempts == 0 and member.locked_until is None:
        return member
    return dataclasses.replace(member, failed_password_attempts=0, locked_until=None)


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
