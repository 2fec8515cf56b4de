"""Recognising a driver's refusals, whichever backend raised them: text it cannot store,
and a row whose unique key is taken.

PostgreSQL refuses NUL in text (SQLSTATE 22021) and in jsonb (22P05); asyncpg and
sqlite3 cannot encode an unpaired surrogate. The edges refuse such text before
it gets here (web/text_guard.py); this is the second line, so a gap becomes a 400
and a log line instead of a 500.

A taken unique key is SQLSTATE 23505 on PostgreSQL and a UNIQUE or PRIMARY KEY
constraint error on SQLite; `Database.write()` raises it as the store's DuplicateKey.
"""

from __future__ import annotations

_UNSTORABLE_SQLSTATES = frozenset({"22021", "22P05"})
_UNIQUE_VIOLATION = "23505"
_SQLITE_KEY_TAKEN = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps: SQLAlchemy's `.orig`, then causes and contexts."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        wrapped = getattr(current, "orig", None)
        current = (
            wrapped
            if isinstance(wrapped, BaseException)
            else current.__cause__ or current.__context__
        )
    return seen


def is_unstorable_text(exc: BaseException) -> bool:
    """True when a database driver refused a text value it cannot store."""
    return any(
        isinstance(item, UnicodeEncodeError)
        or getattr(item, "sqlstate", None) in _UNSTORABLE_SQLSTATES
        for item in _chain(exc)
    )


def is_duplicate_key(exc: BaseException) -> bool:
    """True when a database refused a row because a unique (or primary) key is taken;
    other integrity errors (CHECK, NOT NULL, foreign keys) are not."""
    return any(
        getattr(item, "sqlstate", None) == _UNIQUE_VIOLATION
        or getattr(item, "sqlite_errorname", None) in _SQLITE_KEY_TAKEN
        for item in _chain(exc)
    )
