"""Writes that collided with another transaction's, as the store's own errors.

Services never see a driver's IntegrityError for a taken key: `Database.write()`
raises DuplicateKey instead (recognised in driver_errors.py, on either backend),
with the driver's error as its cause for the log. A conditional save that finds
its row changed since it was read (optimistic locking on `version`) is RowChanged;
services/transitions.py runs the whole transaction again on it, by one policy.
"""

from __future__ import annotations

from botimpay.errors import BotimpayError


class DuplicateKey(BotimpayError):
    """Raised by `Database.write()` when an INSERT's unique key (an idempotency key, an
    order or refund number, a partner id) is taken, by a concurrent transaction that won
    the race or by an earlier row; the transaction is rolled back."""

    def __init__(self) -> None:
        # Never the driver's text: it holds the key's value (a checkout token, say).
        super().__init__("a unique key of the row is taken")


class RowChanged(BotimpayError):
    """Raised when a conditional save finds the row's version moved on since it was
    read: another transaction saved it first, and this one must start again."""
