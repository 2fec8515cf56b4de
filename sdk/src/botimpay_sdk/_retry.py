"""When and how soon to send a request again: exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass

from botimpay_sdk._exceptions import ConfigError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry settings for the calls that are safe to repeat.

    `attempts` counts the first try (1 = never retry). Before retry n the
    client waits `min(max_backoff, backoff * 2**(n-1))`, scaled by a random
    factor in [1 - jitter, 1]. Only failures whose `retryable` is true are
    retried: network errors, HTTP 5xx, codes 500 SYSTEM_ERROR and 504
    SERVICE_TIMEOUT; and only for get_order, cancel_order, get_refund,
    place_order and refund (the last two are idempotent on the merchant
    number, and the identical signed bytes are resent).

    The backoff times get_refund, refund and place_order (whose waits are cut to
    a quarter of `Pacing.query_interval`'s lower bound). get_order and
    cancel_order follow the reference's intervals instead (`Pacing`): get_order
    sends up to `attempts` requests at the query interval; cancel_order keeps
    going at the cancel interval while it fails, for Pacing.min_cancel_attempts
    over Pacing.min_cancel_span, unless `attempts` is 1 (`never()`).

    A resent request keeps its requestTime, which the gateway accepts for 15
    minutes: keep attempts x (timeout + max_backoff) well below that.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError("RetryPolicy.attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ConfigError("RetryPolicy backoff values must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ConfigError("RetryPolicy.jitter must be between 0 and 1")

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retry."""
        return cls(attempts=1)

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry` (1 for the first retry)."""
        base: float = min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))
        return base * (1.0 - self.jitter * rng.random())
