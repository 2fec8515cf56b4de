"""Protocol steps written once, as generators, and the two loops that drive them.

A flow yields `Send(request, timeout)` and gets back the httpx.Response (or the
httpx.RequestError raised while sending), or yields `Sleep(seconds)` and gets
back None; it returns the result. `run_sync` and `run_async` are the only
places that do I/O, so `Client` and `AsyncClient` share every step: signing,
envelope checks, retries, polling, cancelling.

Timing follows the reference's test cases (`Pacing`): a flow notes the clock just
before each Send and sleeps until the next request is due, so an interval runs
from send to send however long the answer took. A paced request waits for its
answer at most until the end of its window's central half (5 s for a query, 8.25 s
for a cancel): a slow answer makes the next request go at once, and a missing one
is given up in time, so neither pushes an interval out of its window. When to
send again, and how long to wait for an answer, is `_schedule`'s.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TypeAlias, TypeVar, cast

import httpx

from botimpay_sdk import _operations as ops
from botimpay_sdk._config import Config
from botimpay_sdk._exceptions import ApiError, InvalidRequestError, SdkError, UnresolvedOrderError
from botimpay_sdk._pacing import aim
from botimpay_sdk._protocol import Call, decode_reply, encode_request
from botimpay_sdk._responses import AcquireOrder, OrderStatus
from botimpay_sdk._schedule import (
    NextSend,
    answer_within,
    cancel_schedule,
    never,
    paced,
    place_order_backoff,
    retry_policy,
)
from botimpay_sdk._types import Clock
from botimpay_sdk.codes import (
    MERCHANT_ORDER_NO_NOT_EXIST,
    ORDER_FAILURE,
    ORDER_PAID,
    ORDER_SETTLED,
)

T = TypeVar("T")
logger = logging.getLogger("botimpay_sdk")


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request
    timeout: float | None = None  # seconds to wait for the answer; None: the client's


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


Effect: TypeAlias = Send | Sleep
Reply: TypeAlias = httpx.Response | Exception | None
Flow: TypeAlias = Generator[Effect, Reply, T]
_CANCELLED_FAIL_CODES = frozenset({None, "", "ORDER_CANCELLED"})
_ALREADY_FINAL: dict[str, OrderStatus] = {
    ORDER_PAID: OrderStatus.PAID_SUCCESS,
    ORDER_SETTLED: OrderStatus.SETTLED,
    ORDER_FAILURE: OrderStatus.FAILURE,
}


def _sleep_until(clock: Clock, moment: float) -> Generator[Effect, Reply, None]:
    delay = moment - clock.monotonic()
    if delay > 0:
        yield Sleep(delay)


def perform(
    config: Config,
    call: Call[T],
    *,
    next_send: NextSend | None = None,
    failures: list[SdkError] | None = None,
    timeout: float | None = None,
) -> Flow[T]:
    """Send `call`; if it is idempotent, send the identical bytes again after retryable
    failures, when `next_send` says (default: the client's RetryPolicy).

    Each failure that led to a resend is appended to `failures` when given. `timeout`
    bounds the wait for each answer (below the client's timeout).
    """
    schedule = (next_send or retry_policy(config)) if call.idempotent else never
    clock = config.clock
    request = encode_request(config, call)
    sent, first = 0, clock.monotonic()
    while True:
        last = clock.monotonic()
        sent += 1
        reply = yield Send(request, timeout)
        if reply is None:
            raise RuntimeError("the driver must answer Send with a response or an error")
        try:
            return decode_reply(config, call, reply)
        except SdkError as exc:
            due = schedule(sent, first, last) if exc.retryable else None
            if due is None:
                raise
            if failures is not None:
                failures.append(exc)
            logger.warning(
                "%s failed (%s); attempt %d in %.2fs",
                call.path,
                exc,
                sent + 1,
                max(0.0, due - clock.monotonic()),
            )
        yield from _sleep_until(clock, due)


def place_order(config: Config, call: Call[T]) -> Flow[T]:
    """placeOrder, resent (identical bytes) after retryable failures per
    `place_order_backoff`."""
    return (yield from perform(config, call, next_send=place_order_backoff(config)))


def get_order(
    config: Config,
    merchant_order_no: str | None,
    order_no: str | None,
    device_id: str | None = None,
) -> Flow[AcquireOrder]:
    """getOrder; resent after retryable failures at the query interval (send to send),
    up to RetryPolicy.attempts requests."""
    call = ops.get_order(merchant_order_no, order_no, device_id)
    window = config.pacing.query_interval
    schedule = paced(config, window, config.retry.attempts)
    return (yield from perform(config, call, next_send=schedule, timeout=answer_within(window)))


def cancel_order(
    config: Config, merchant_order_no: str | None, order_no: str | None
) -> Flow[AcquireOrder]:
    """cancelOrder, resent on retryable failures as `cancel_schedule` says (not at all
    under RetryPolicy.never()), that tells a lost answer from a refusal.

    When an attempt failed without a usable answer (the gateway may have cancelled
    the order all the same) and the resend is refused with 62002 ORDER_FAILURE,
    the order is read: if it is FAILURE because it was cancelled (failCode
    ORDER_CANCELLED, or none given) that order is returned, as the first answer
    would have been. Any other 62002 is raised as usual.
    """
    call = ops.cancel_order(merchant_order_no, order_no)
    schedule = cancel_schedule(config) if config.retry.attempts > 1 else never
    within = answer_within(config.pacing.cancel_interval)
    failures: list[SdkError] = []
    try:
        return (
            yield from perform(config, call, next_send=schedule, failures=failures, timeout=within)
        )
    except ApiError as exc:
        if exc.code != ORDER_FAILURE or not failures:
            raise
        refusal = exc
    order = yield from get_order(config, merchant_order_no, order_no)
    if order.status != OrderStatus.FAILURE or order.fail_code not in _CANCELLED_FAIL_CODES:
        raise refusal
    logger.info(
        "cancelOrder %s: an earlier attempt cancelled the order", merchant_order_no or order_no
    )
    return order


def wait_for_final(
    config: Config, merchant_order_no: str, deadline_s: float | None, placed_at: float | None
) -> Flow[AcquireOrder]:
    """Poll until final; at the deadline cancel, retrying the cancel (see `_settle`).

    Any non-retryable error is raised, e.g. ApiError 62004: the order does not exist.
    """
    order = yield from _settle(config, merchant_order_no, deadline_s, placed_at, missing_ok=False)
    if order is None:
        raise RuntimeError("unreachable: a missing order raises without missing_ok")
    return order


def resolve_order(
    config: Config, merchant_order_no: str, deadline_s: float | None, placed_at: float | None
) -> Flow[AcquireOrder | None]:
    """After placeOrder failed without telling whether the order exists: poll, reading
    62004 MERCHANT_ORDER_NO_NOT_EXIST as "not known yet", then cancel at the deadline.
    None when the cancel too says 62004: the order never existed."""
    return (yield from _settle(config, merchant_order_no, deadline_s, placed_at, missing_ok=True))


def _settle(
    config: Config,
    merchant_order_no: str,
    deadline_s: float | None,
    placed_at: float | None,
    *,
    missing_ok: bool,
) -> Flow[AcquireOrder | None]:
    """The reference's flow for an order that is not final yet.

    getOrder every query_interval (send to send; failures that may pass, and 62004
    if `missing_ok`, are polled through) until PAID_SUCCESS, SETTLED or FAILURE,
    which is returned. The deadline counts from `placed_at` (when this client first
    sent placeOrder) or from now; by default a moment within cancel_after. At the
    deadline: cancelOrder, repeated per `cancel_schedule` while it fails; the
    cancelled order is returned, or the final order if cancel says it already is
    paid, failed or settled. UnresolvedOrderError when no cancel got through.
    """
    if deadline_s is not None and (
        isinstance(deadline_s, bool)
        or not isinstance(deadline_s, int | float)
        or not 0 <= deadline_s < math.inf
    ):
        raise InvalidRequestError("deadline_s must be a non-negative number of seconds")
    clock, rng, pacing = config.clock, config.rng, config.pacing
    now = clock.monotonic()
    start = now if placed_at is None else placed_at
    deadline = start + (aim(pacing.cancel_after, rng) if deadline_s is None else deadline_s)
    due = now if placed_at is None else max(now, placed_at + aim(pacing.query_interval, rng))
    last_status: str | None = None
    while True:
        yield from _sleep_until(clock, min(due, deadline))
        sent_at = clock.monotonic()
        try:
            order = yield from perform(
                config,
                ops.get_order(merchant_order_no, None),
                next_send=never,
                timeout=answer_within(pacing.query_interval),
            )
        except SdkError as exc:
            missing = isinstance(exc, ApiError) and exc.code == MERCHANT_ORDER_NO_NOT_EXIST
            if not (exc.retryable or (missing and missing_ok)):
                raise
            log = logger.info if missing else logger.warning  # 62004: not known yet
            log("getOrder %s: %s; polling on", merchant_order_no, exc)
        else:
            last_status = order.status
            if order.is_final:
                return order
        due = sent_at + aim(pacing.query_interval, rng)
        if due >= deadline:
            break
    yield from _sleep_until(clock, deadline)

    logger.info(
        "order %s not final by the deadline (%s); cancelling", merchant_order_no, last_status
    )
    failures: list[SdkError] = []
    try:
        return (
            yield from perform(
                config,
                ops.cancel_order(merchant_order_no, None),
                next_send=cancel_schedule(config),
                failures=failures,
                timeout=answer_within(pacing.cancel_interval),
            )
        )
    except ApiError as exc:
        if exc.code in _ALREADY_FINAL:
            return (yield from _read_final(config, merchant_order_no, _ALREADY_FINAL[exc.code]))
        if missing_ok and exc.code == MERCHANT_ORDER_NO_NOT_EXIST:
            logger.info(
                "order %s does not exist: its placeOrder never took effect", merchant_order_no
            )
            return None
        if not exc.retryable:
            raise
        last_error: SdkError = exc
    except SdkError as exc:
        if not exc.retryable:
            raise
        last_error = exc
    raise UnresolvedOrderError(
        merchant_order_no,
        last_status,
        f"order {merchant_order_no} is not final and {len(failures) + 1} cancel attempts"
        " failed; confirm its status with the gateway",
    ) from last_error


def _read_final(config: Config, merchant_order_no: str, status: str) -> Flow[AcquireOrder]:
    """getOrder (with paced resends) after cancel said the order is already `status`."""
    try:
        return (yield from get_order(config, merchant_order_no, None))
    except SdkError as exc:
        if not exc.retryable:
            raise
        raise UnresolvedOrderError(
            merchant_order_no,
            status,
            f"order {merchant_order_no} is already {status} but could not be read",
        ) from exc


def _bounded(effect: Send, default: httpx.Timeout) -> httpx.Request:
    """The request, its timeouts cut to `effect.timeout` when that is shorter."""
    request, seconds = effect.request, effect.timeout
    if seconds is not None:

        def cut(value: float | None) -> float:
            return seconds if value is None else min(value, seconds)

        bounded = httpx.Timeout(
            connect=cut(default.connect),
            read=cut(default.read),
            write=cut(default.write),
            pool=cut(default.pool),
        )
        request.extensions = {**request.extensions, "timeout": bounded.as_dict()}
    return request


def run_sync(
    flow: Flow[T],
    send: Callable[[httpx.Request], httpx.Response],
    sleep: Callable[[float], None],
    timeout: httpx.Timeout,
) -> T:
    """Drives `flow` with blocking I/O; `timeout` is the client's."""
    reply: Reply = None
    try:
        while True:
            effect = flow.send(reply)
            if isinstance(effect, Sleep):
                sleep(effect.seconds)
                reply = None
            else:
                try:
                    reply = send(_bounded(effect, timeout))
                except httpx.RequestError as exc:
                    reply = exc
    except StopIteration as stop:
        return cast(T, stop.value)
    finally:
        flow.close()


async def run_async(
    flow: Flow[T],
    send: Callable[[httpx.Request], Awaitable[httpx.Response]],
    sleep: Callable[[float], Awaitable[None]],
    timeout: httpx.Timeout,
) -> T:
    """Drives `flow` with async I/O; `timeout` is the client's."""
    reply: Reply = None
    try:
        while True:
            effect = flow.send(reply)
            if isinstance(effect, Sleep):
                await sleep(effect.seconds)
                reply = None
            else:
                try:
                    reply = await send(_bounded(effect, timeout))
                except httpx.RequestError as exc:
                    reply = exc
    except StopIteration as stop:
        return cast(T, stop.value)
    finally:
        flow.close()
