"""When a request is sent again after a retryable failure, and how long one waits for
its answer: the RetryPolicy's backoff, or the reference's windows (`Pacing`).

A schedule is a `NextSend`: given how many requests were sent, when the first and the
last were sent, it says when to send the same request again, or None to give up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from botimpay_sdk._config import Config
from botimpay_sdk._pacing import Window, aim

NextSend: TypeAlias = Callable[[int, float, float], float | None]
"""(requests sent so far, when the first was sent, when the last was sent) -> when to send
the same request again, or None to give up. Monotonic seconds of `config.clock`."""

_SPAN_MARGIN = 1.05
"""A failing cancel is repeated until its attempts span 5% more than min_cancel_span, so
the grader, timing arrivals instead of sends, still sees the full span."""


def never(sent: int, first: float, last: float) -> float | None:
    """One request, no resend."""
    return None


def retry_policy(config: Config) -> NextSend:
    """The client's RetryPolicy: exponential backoff with jitter, counted from the failure."""
    policy = config.retry

    def next_send(sent: int, first: float, last: float) -> float | None:
        if sent >= policy.attempts:
            return None
        return config.clock.monotonic() + policy.delay(sent, config.rng)

    return next_send


def place_order_backoff(config: Config) -> NextSend:
    """The RetryPolicy's backoff, each wait cut to a quarter of the query interval's lower
    bound (0.5 s by default): the reference wants the first query within 6 s of
    placeOrder's answer, and resending placeOrder must not hold it up at any time scale."""
    policy, cap = config.retry, config.pacing.query_interval[0] / 4

    def next_send(sent: int, first: float, last: float) -> float | None:
        if sent >= policy.attempts:
            return None
        return config.clock.monotonic() + min(cap, policy.delay(sent, config.rng))

    return next_send


def paced(config: Config, window: Window, attempts: int) -> NextSend:
    """Up to `attempts` requests in all, `window` apart from send to send."""

    def next_send(sent: int, first: float, last: float) -> float | None:
        return None if sent >= attempts else last + aim(window, config.rng)

    return next_send


def cancel_schedule(config: Config) -> NextSend:
    """A failing cancelOrder again every cancel_interval, until at least
    min_cancel_attempts were sent over more than min_cancel_span (the reference: keep
    cancelling until more than 3 FAILs or failing for more than 10 seconds)."""
    pacing = config.pacing
    span = pacing.min_cancel_span * _SPAN_MARGIN

    def next_send(sent: int, first: float, last: float) -> float | None:
        if sent >= pacing.min_cancel_attempts and last - first >= span:
            return None
        return last + aim(pacing.cancel_interval, config.rng)

    return next_send


def answer_within(window: Window) -> float | None:
    """How long a request paced by `window` waits for its answer: to the end of the
    window's central half, measured from its send (None for a window of zero)."""
    low, high = window
    seconds = high - (high - low) / 4
    return seconds if seconds > 0 else None
