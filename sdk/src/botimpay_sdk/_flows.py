"""Protocol steps written once, as generators, and the two loops that drive them.

A flow yields `Send(request)` and gets back the httpx.Response (or the
httpx.RequestError raised while sending), or yields `Sleep(seconds)` and gets
back None; it returns the result. `run_sync` and `run_async` are the only
places that do I/O, so `Client` and `AsyncClient` share every step: signing,
envelope checks, retries, polling, cancelling.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TypeAlias, TypeVar, cast

import httpx

from botimpay_sdk import _operations as ops
from botimpay_sdk._config import Config
from botimpay_sdk._exceptions import ApiError, InvalidRequestError, SdkError, UnresolvedOrderError
from botimpay_sdk._protocol import Call, decode_reply, encode_request
from botimpay_sdk._responses import AcquireOrder, OrderStatus
from botimpay_sdk._retry import RetryPolicy
from botimpay_sdk.codes import ORDER_FAILURE, ORDER_PAID, ORDER_SETTLED

T = TypeVar("T")
logger = logging.getLogger("botimpay_sdk")


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request


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


def perform(
    config: Config,
    call: Call[T],
    *,
    retry: RetryPolicy | None = None,
    failures: list[SdkError] | None = None,
) -> Flow[T]:
    """Send `call`; resend the identical bytes on retryable failures if it is idempotent.

    Each failure that led to a resend is appended to `failures` when given.
    """
    policy = retry if retry is not None else config.retry
    attempts = policy.attempts if call.idempotent else 1
    request = encode_request(config, call)
    attempt = 1
    while True:
        reply = yield Send(request)
        if reply is None:
            raise RuntimeError("the driver must answer Send with a response or an error")
        try:
            return decode_reply(config, call, reply)
        except SdkError as exc:
            if attempt >= attempts or not exc.retryable:
                raise
            if failures is not None:
                failures.append(exc)
            delay = policy.delay(attempt, config.rng)
            logger.warning(
                "%s failed (%s); retry %d of %d in %.1fs",
                call.path, exc, attempt, attempts - 1, delay,
            )
        yield Sleep(delay)
        attempt += 1


def cancel_order(
    config: Config, merchant_order_no: str | None, order_no: str | None
) -> Flow[AcquireOrder]:
    """cancelOrder, resent on retryable failures, that tells a lost answer from a refusal.

    When an attempt failed without a usable answer (the gateway may have cancelled
    the order all the same) and the resend is refused with 62002 ORDER_FAILURE,
    the order is read: if it is FAILURE because it was cancelled (failCode
    ORDER_CANCELLED, or none given) that order is returned, as the first answer
    would have been. Any other 62002 is raised as usual.
    """
    failures: list[SdkError] = []
    try:
        return (
            yield from perform(
                config, ops.cancel_order(merchant_order_no, order_no), failures=failures
            )
        )
    except ApiError as exc:
        if exc.code != ORDER_FAILURE or not failures:
            raise
        refusal = exc
    order = yield from perform(config, ops.get_order(merchant_order_no, order_no))
    if order.status != OrderStatus.FAILURE or order.fail_code not in _CANCELLED_FAIL_CODES:
        raise refusal
    logger.info("cancelOrder %s: an earlier attempt cancelled the order",
                merchant_order_no or order_no)
    return order


def _check_range(name: str, bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if not 0 <= low <= high:
        raise InvalidRequestError(f"{name} must be (low, high) with 0 <= low <= high")
    return low, high


def wait_for_final(
    config: Config,
    merchant_order_no: str,
    deadline_s: float,
    *,
    interval: tuple[float, float] = (2.0, 6.0),
    cancel_attempts: int = 4,
    cancel_interval: tuple[float, float] = (3.0, 10.0),
) -> Flow[AcquireOrder]:
    """Poll getOrder until a final status; at the deadline cancel, retrying the cancel.

    Follows the reference's best practice and test cases: queries every 2-6 s,
    then cancelOrder, repeated every 3-10 s while it fails. Returns the order in
    its final status (FAILURE after a successful cancel; PAID_SUCCESS/SETTLED if
    it was paid meanwhile). Raises UnresolvedOrderError if every cancel failed,
    and any non-retryable error (e.g. ApiError 62004: the order does not exist).
    """
    if deadline_s < 0:
        raise InvalidRequestError("deadline_s must not be negative")
    if cancel_attempts < 1:
        raise InvalidRequestError("cancel_attempts must be at least 1")
    low, high = _check_range("interval", interval)
    cancel_low, cancel_high = _check_range("cancel_interval", cancel_interval)
    clock, rng = config.clock, config.rng
    deadline = clock.monotonic() + deadline_s
    last_status: str | None = None
    once = RetryPolicy.never()

    while True:
        try:
            order = yield from perform(config, ops.get_order(merchant_order_no, None), retry=once)
        except SdkError as exc:
            if not exc.retryable:
                raise
            logger.warning("getOrder %s failed (%s); polling on", merchant_order_no, exc)
        else:
            last_status = order.status
            if order.is_final:
                return order
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            break
        pause = rng.uniform(low, high)
        if pause >= remaining:
            yield Sleep(remaining)
            break
        yield Sleep(pause)

    logger.info("order %s not final by the deadline (%s); cancelling", merchant_order_no,
                last_status)
    last_error: SdkError | None = None
    for attempt in range(1, cancel_attempts + 1):
        try:
            return (
                yield from perform(config, ops.cancel_order(merchant_order_no, None), retry=once)
            )
        except ApiError as exc:
            if exc.code in _ALREADY_FINAL:
                return (yield from _read_final(config, merchant_order_no, _ALREADY_FINAL[exc.code]))
            if not exc.retryable:
                raise
            last_error = exc
        except SdkError as exc:
            if not exc.retryable:
                raise
            last_error = exc
        logger.warning("cancelOrder %s attempt %d failed (%s)", merchant_order_no, attempt,
                       last_error)
        if attempt < cancel_attempts:
            yield Sleep(rng.uniform(cancel_low, cancel_high))
    raise UnresolvedOrderError(
        merchant_order_no,
        last_status,
        f"order {merchant_order_no} is not final and {cancel_attempts} cancel attempts failed;"
        " confirm its status with the gateway",
    ) from last_error


def _read_final(config: Config, merchant_order_no: str, status: str) -> Flow[AcquireOrder]:
    """getOrder (with retries) after cancel said the order is already `status`."""
    try:
        return (yield from perform(config, ops.get_order(merchant_order_no, None)))
    except SdkError as exc:
        if not exc.retryable:
            raise
        raise UnresolvedOrderError(
            merchant_order_no,
            status,
            f"order {merchant_order_no} is already {status} but could not be read",
        ) from exc


def run_sync(
    flow: Flow[T],
    send: Callable[[httpx.Request], httpx.Response],
    sleep: Callable[[float], None],
) -> T:
    """Drives `flow` with blocking I/O."""
    reply: Reply = None
    try:
        while True:
            effect = flow.send(reply)
            if isinstance(effect, Sleep):
                sleep(effect.seconds)
                reply = None
            else:
                try:
                    reply = send(effect.request)
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
) -> T:
    """Drives `flow` with async I/O."""
    reply: Reply = None
    try:
        while True:
            effect = flow.send(reply)
            if isinstance(effect, Sleep):
                await sleep(effect.seconds)
                reply = None
            else:
                try:
                    reply = await send(effect.request)
                except httpx.RequestError as exc:
                    reply = exc
    except StopIteration as stop:
        return cast(T, stop.value)
    finally:
        flow.close()
