"""The console's rules: who its users are, what they may see, how sessions and the
orders list's keyset cursor work. Pure: no database, no web framework.

- A user is an *operator* (sees every merchant) or a *merchant user* (sees only
  its own partner id: `visible_partner` narrows every query, by list, search and URL).
- Sign-in failures are counted like a wallet member's payment password
  (`domain.member.Lockout`): the fifth wrong password in a row locks the account for
  30 minutes, during which even the right one is refused; a right one clears the count.
- A session is a random token in an HttpOnly cookie; only its SHA-256 is stored, so a
  copy of the database signs nobody in. Each session has its own CSRF token.
- The orders list is newest first by (created_at, id) and pages with a cursor naming
  the last row shown: the next page is every row strictly before it (keyset, no OFFSET).
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from botimpay.domain.member import Lockout

SESSION_MS = 12 * 3600 * 1000
PAGE_SIZE = 50
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
ADMIN = "admin"
MIN_PASSWORD = 8
MAX_ROW_ID = 2**31 - 1  # orders.id is an INTEGER
MAX_BIGINT = 2**63 - 1


class Role(enum.Enum):
    OPERATOR = "operator"
    MERCHANT = "merchant"


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    user_id: int
    username: str
    password_hash: str
    role: Role
    partner_id: str | None
    lock: Lockout = field(default_factory=Lockout)

    @property
    def visible_partner(self) -> str | None:
        """The one merchant this user may see; None for an operator (every merchant)."""
        return self.partner_id if self.role is Role.MERCHANT else None

    def may_see(self, partner_id: str) -> bool:
        return self.visible_partner is None or self.visible_partner == partner_id


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    user: ConsoleUser
    csrf_token: str
    expires_at: int


def new_secret() -> str:
    """A session token, CSRF token or generated password: 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def username_problem(username: str) -> str | None:
    if not USERNAME.match(username):
        return (
            "a username is 1-64 letters, digits, '_', '.', '@' or '-', "
            "starting with a letter or digit"
        )
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"a console password has at least {MIN_PASSWORD} characters"
    if len(password) > 256:
        return "a console password has at most 256 characters"
    return None


def safe_next(target: str | None, default: str = "/console/orders") -> str:
    """Where to go after sign-in: a path of this console only (never another origin)."""
    if (
        not target
        or not target.startswith("/console")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 for ch in target)
    ):
        return default
    return target


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last row of a page: the next page holds the rows strictly before it."""

    created_at: int
    row_id: int

    def text(self) -> str:
        return f"{self.created_at}.{self.row_id}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        created, _, row = raw.partition(".")
        if len(raw) > 40 or not (created.isascii() and created.isdigit()):
            return None
        if not (row.isascii() and row.isdigit()):
            return None
        if int(created) > MAX_BIGINT or int(row) > MAX_ROW_ID:  # beyond the columns' types
            return None
        return cls(int(created), int(row))


def day_start_ms(raw: str | None, *, end: bool = False) -> int | None:
    """A YYYY-MM-DD date (UTC) as epoch ms: its start, or with `end` the next day's start."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if end:
        start += timedelta(days=1)
    return int(start.timestamp()) * 1000
