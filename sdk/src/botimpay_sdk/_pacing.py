"""The reference's best-practice timings (`Pacing`), where in a window the SDK aims, and
when this client first sent each placeOrder (the start of the cancel window).

Botim Money's test cases grade a merchant's calls for one order in wall-clock time:
getOrder every 2-6 s, the first cancelOrder 20-120 s after placeOrder was first sent,
a failed cancelOrder again every 3-10 s, at least three cancels while they fail. An
interval is measured from one request's arrival to the next one's, so the SDK measures
it from send to send and aims at the central half of each window: network latency of
up to a quarter of the window cannot push an interval out of it.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from botimpay_sdk._exceptions import ConfigError

Window = tuple[float, float]
"""(low, high) seconds."""

_MAX_PLACEMENTS: Final = 10_000


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ConfigError(f"Pacing.{name} must be a number of seconds, not {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(f"Pacing.{name} must be a finite, non-negative number of seconds")
    return seconds


def _window(name: str, value: object) -> Window:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ConfigError(f"Pacing.{name} must be a (low, high) pair of seconds, not {value!r}")
    low, high = _seconds(name, value[0]), _seconds(name, value[1])
    if low > high:
        raise ConfigError(f"Pacing.{name} must be (low, high) with low <= high, not {value!r}")
    return low, high


@dataclass(frozen=True, slots=True)
class Pacing:
    """When to query, cancel and cancel again, as the reference's test cases grade it.

    Each window is (low, high) seconds. Intervals run from one request being sent to
    the next being sent; the SDK picks a moment uniformly in the central half of the
    window (3-5 s of 2-6 s).

    - `query_interval` (2, 6): between two getOrder requests, when polling
      (`wait_for_final`, `resolve_order`) and between get_order's automatic resends.
    - `cancel_after` (20, 120): from placeOrder first sent to the first cancelOrder;
      the default deadline of `wait_for_final` and `resolve_order`.
    - `cancel_interval` (3, 10): between two cancelOrder requests while they fail.
    - `min_cancel_attempts` (3) and `min_cancel_span` (10 s): a failing cancel is
      repeated until at least that many were sent, the first and last a little
      more than `min_cancel_span` apart; then the SDK gives up (UnresolvedOrderError
      from wait_for_final: alert a person).

    `Pacing().scaled(0.1)` divides every duration by ten, for a test-plan run whose
    timeScale is 0.1.
    """

    query_interval: Window = (2.0, 6.0)
    cancel_after: Window = (20.0, 120.0)
    cancel_interval: Window = (3.0, 10.0)
    min_cancel_attempts: int = 3
    min_cancel_span: float = 10.0

    def __post_init__(self) -> None:
        for name in ("query_interval", "cancel_after", "cancel_interval"):
            object.__setattr__(self, name, _window(name, getattr(self, name)))
        attempts = self.min_cancel_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ConfigError("Pacing.min_cancel_attempts must be a whole number of at least 1")
        object.__setattr__(
            self, "min_cancel_span", _seconds("min_cancel_span", self.min_cancel_span)
        )

    def scaled(self, factor: float | Decimal) -> Pacing:
        """This pacing with every duration multiplied by `factor` (a test plan's timeScale);
        the attempt count stays."""
        if isinstance(factor, bool) or not isinstance(factor, int | float | Decimal):
            raise ConfigError(f"Pacing.scaled takes a number, not {factor!r}")
        scale = float(factor)
        if not math.isfinite(scale) or scale <= 0:
            raise ConfigError("Pacing.scaled needs a finite factor greater than 0")

        def times(window: Window) -> Window:
            return window[0] * scale, window[1] * scale

        return Pacing(
            query_interval=times(self.query_interval),
            cancel_after=times(self.cancel_after),
            cancel_interval=times(self.cancel_interval),
            min_cancel_attempts=self.min_cancel_attempts,
            min_cancel_span=self.min_cancel_span * scale,
        )


def aim(window: Window, rng: random.Random) -> float:
    """A moment drawn uniformly from the central half of `window`."""
    low, high = window
    quarter = (high - low) / 4
    return rng.uniform(low + quarter, high - quarter)


class Placements:
    """When this client first sent placeOrder for each merchant order number (monotonic
    seconds), so the cancel window counts from there. Bounded; safe across threads."""

    def __init__(self, limit: int = _MAX_PLACEMENTS) -> None:
        self._limit = limit
        self._first_sent: dict[str, float] = {}
        self._lock = threading.Lock()

    def sending(self, merchant_order_no: str, now: float) -> None:
        """placeOrder for `merchant_order_no` is about to be sent; the first time counts."""
        with self._lock:
            self._first_sent.setdefault(merchant_order_no, now)
            while len(self._first_sent) > self._limit:
                del self._first_sent[next(iter(self._first_sent))]

    def first_sent(self, merchant_order_no: str) -> float | None:
        with self._lock:
            return self._first_sent.get(merchant_order_no)

    def forget(self, merchant_order_no: str) -> None:
        """The order was brought to an end: placing the number again starts a new window."""
        with self._lock:
            self._first_sent.pop(merchant_order_no, None)
