"""Notification delivery rules: what counts as acknowledged, and the retry schedule.

After a failed attempt the next one is due 2 m, 10 m, 10 m, 1 h, 2 h, 6 h, 15 h
later (the reference's 7 retries): 8 attempts in all, then the gateway gives up.
The notify_id stays the same on every attempt.
"""

from __future__ import annotations

import re
from enum import StrEnum

MINUTE_MS = 60_000
RETRY_DELAYS_MS: tuple[int, ...] = (
    2 * MINUTE_MS,
    10 * MINUTE_MS,
    10 * MINUTE_MS,
    60 * MINUTE_MS,
    120 * MINUTE_MS,
    360 * MINUTE_MS,
    900 * MINUTE_MS,
)
MAX_ATTEMPTS = len(RETRY_DELAYS_MS) + 1
_SUCCESS_BODY = re.compile(
    rb'^\s*(?:\{\s*"response"\s*:\s*"success"\s*\}|"?success"?)\s*$', re.IGNORECASE
)


class NotificationStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class NotificationKind(StrEnum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    CHARGEBACK = "CHARGEBACK"
    VOID = "VOID"

    @property
    def deprecated_fields(self) -> bool:
        """Whether the body carries `notify_time` and `_input_charset`: the payment
        sample does; the VOID sample and the chargeback page do not."""
        return self in (NotificationKind.PAYMENT, NotificationKind.REFUND)


def is_acknowledged(http_status: int, body: bytes) -> bool:
    """HTTP 2xx with `{"response":"SUCCESS"}` (DESIGN.md), or the plain `success` the
    reference's notification page asks for; any case, any surrounding whitespace."""
    return 200 <= http_status < 300 and bool(_SUCCESS_BODY.match(body))


def next_attempt_delay(attempts_made: int) -> int | None:
    """Delay after the `attempts_made`-th failed attempt, or None to give up."""
    if attempts_made < 1 or attempts_made >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS_MS[attempts_made - 1]
