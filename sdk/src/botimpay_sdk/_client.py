"""`Client` and `AsyncClient`: thin sync and async shells over the shared flows.

Each method builds its call in `_operations`, and runs the flow from `_flows`
with blocking or async I/O. Nothing about the protocol lives here. The reporting
methods (pages, payer, balance, downloads) are mixed in from `_client_reports`.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime
from types import TracebackType
from typing import Self, TypeVar

import httpx

from botimpay_sdk import _flows
from botimpay_sdk import _operations as ops
from botimpay_sdk._client_reports import AsyncReports, SyncReports
from botimpay_sdk._config import (
    Config,
    SystemClock,
    check_language,
    check_partner_id,
    resolve_base_url,
)
from botimpay_sdk._exceptions import ConfigError
from botimpay_sdk._notifications import Notification, parse_notification
from botimpay_sdk._pacing import Pacing, Placements
from botimpay_sdk._protocol import Call
from botimpay_sdk._requests import PlaceOrderRequest, RefundRequest
from botimpay_sdk._responses import AcquireOrder, PlaceOrderResult, RefundResult
from botimpay_sdk._retry import RetryPolicy
from botimpay_sdk._types import (
    AsyncSleep,
    Clock,
    HeaderTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
    SyncSleep,
)
from botimpay_sdk.wire import load_private_key, load_public_key

T = TypeVar("T")
_DEFAULT_TIMEOUT = 30.0


class _BaseClient:
    """Settings and the I/O-free parts shared by both clients."""

    def __init__(
        self,
        *,
        partner_id: str,
        private_key: PrivateKeyTypes,
        gateway_public_key: PublicKeyTypes,
        base_url: str,
        retry: RetryPolicy | None,
        pacing: Pacing | None,
        language: str | None,
        clock: Clock | None,
        rng: random.Random | None,
    ) -> None:
        if pacing is not None and not isinstance(pacing, Pacing):
            raise ConfigError("pacing must be a botimpay_sdk.Pacing")
        self._config = Config(
            partner_id=check_partner_id(partner_id),
            private_key=load_private_key(private_key),
            gateway_public_key=load_public_key(gateway_public_key),
            base_url=resolve_base_url(base_url),
            retry=retry if retry is not None else RetryPolicy(),
            clock=clock if clock is not None else SystemClock(),
            rng=rng if rng is not None else random.Random(),  # noqa: S311 - jitter, not crypto
            language=check_language(language),
            pacing=pacing if pacing is not None else Pacing(),
        )
        self._placements = Placements()

    @property
    def partner_id(self) -> str:
        return self._config.partner_id

    @property
    def base_url(self) -> str:
        """The resolved base URL, e.g. https://uat.test2pay.com/sgs/api."""
        return self._config.base_url

    @property
    def pacing(self) -> Pacing:
        """The timings of polling and cancelling (the reference's best practice by default)."""
        return self._config.pacing

    def parse_notification(self, headers: HeaderTypes, body: bytes) -> Notification:
        """Verifies and parses a notification POSTed to your notifyUrl (see
        `botimpay_sdk.parse_notification`); answer NOTIFICATION_SUCCESS_BODY."""
        return parse_notification(headers, body, gateway_public_key=self._config.gateway_public_key)

    def _perform(self, call: Call[T]) -> _flows.Flow[T]:
        return _flows.perform(self._config, call)

    def _place_order(self, order: PlaceOrderRequest) -> _flows.Flow[PlaceOrderResult]:
        """placeOrder, noting when it was first sent: the cancel window counts from there."""
        call = ops.place_order(order)
        self._placements.sending(order.merchant_order_no, self._config.clock.monotonic())
        return _flows.place_order(self._config, call)

    def _wait_for_final(
        self, merchant_order_no: str, deadline_s: float | None
    ) -> _flows.Flow[AcquireOrder]:
        placed_at = self._placements.first_sent(merchant_order_no)
        return self._ended(
            merchant_order_no,
            _flows.wait_for_final(self._config, merchant_order_no, deadline_s, placed_at),
        )

    def _resolve_order(
        self, merchant_order_no: str, deadline_s: float | None
    ) -> _flows.Flow[AcquireOrder | None]:
        placed_at = self._placements.first_sent(merchant_order_no)
        return self._ended(
            merchant_order_no,
            _flows.resolve_order(self._config, merchant_order_no, deadline_s, placed_at),
        )

    def _ended(self, merchant_order_no: str, flow: _flows.Flow[T]) -> _flows.Flow[T]:
        """Runs `flow`; once it has brought the order to an end, placing the same number
        again starts a new cancel window."""
        result = yield from flow
        self._placements.forget(merchant_order_no)
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} partner_id={self.partner_id!r} base_url={self.base_url!r}>"


class Client(_BaseClient, SyncReports):
    """Blocking client for the Botim Money acquiring API.

        with Client(partner_id="200000000888", private_key="merchant.pem",
                    gateway_public_key="gateway.pem", base_url="uat") as client:
            result = client.place_order(PlaceOrderRequest(
                merchant_order_no="M1", subject="Tea", total_amount=Money.aed("10.50"),
                scene=jsapi(), notify_url="https://shop.example/notify"))

    Keys are PEM text, bare base64 DER or a file path. `base_url` is "uat",
    "production", "local" or any URL. Every response's `sign` is verified with
    `gateway_public_key` before anything is returned. `pacing` sets the timings
    of polling and cancelling (`Pacing()`, the reference's, by default;
    `Pacing().scaled(0.1)` against a test plan run at timeScale 0.1).
    `transport`, `clock`, `sleep` and `rng` exist for tests (e.g.
    `httpx.MockTransport`).
    """

    def __init__(
        self,
        *,
        partner_id: str,
        private_key: PrivateKeyTypes,
        gateway_public_key: PublicKeyTypes,
        base_url: str,
        retry: RetryPolicy | None = None,
        pacing: Pacing | None = None,
        timeout: float | httpx.Timeout = _DEFAULT_TIMEOUT,
        language: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        sleep: SyncSleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            partner_id=partner_id,
            private_key=private_key,
            gateway_public_key=gateway_public_key,
            base_url=base_url,
            retry=retry,
            pacing=pacing,
            language=language,
            clock=clock,
            rng=rng,
        )
        self._sleep: SyncSleep = sleep if sleep is not None else time.sleep
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)

    def _run(self, flow: _flows.Flow[T]) -> T:
        return _flows.run_sync(flow, self._http.send, self._sleep, self._http.timeout)

    def place_order(self, order: PlaceOrderRequest) -> PlaceOrderResult:
        """Creates a payment order (acquire2/placeOrder); `.token_url` is what the
        customer opens (JSAPI) or scans (DYNQR). Retried safely: the same request
        returns the existing order (backoff per RetryPolicy, each wait at most a
        quarter of the pacing's lowest query interval).

        An error whose `retryable` is true (SYSTEM_ERROR, SERVICE_TIMEOUT, a network
        error or timeout) leaves the outcome unknown: the order may exist, so call
        `resolve_order(merchant_order_no)`. After any other error it was not created."""
        return self._run(self._place_order(order))

    def get_order(
        self,
        merchant_order_no: str | None = None,
        *,
        order_no: str | None = None,
        device_id: str | None = None,
    ) -> AcquireOrder:
        """The order's current state (acquire2/getOrder), by exactly one of the numbers.
        Resent after retryable failures at the pacing's query interval."""
        return self._run(_flows.get_order(self._config, merchant_order_no, order_no, device_id))

    def cancel_order(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> AcquireOrder:
        """Cancels a CREATED order (acquire2/cancelOrder); it becomes FAILURE.
        ApiError 62001 / 62002 / 62003 when it is already paid / failed / settled.
        Retried while it fails retryably, at the pacing's cancel interval, until
        at least min_cancel_attempts were sent over min_cancel_span (then the last
        error is raised); a resend after a lost answer that finds the order
        cancelled returns it instead of raising 62002."""
        return self._run(_flows.cancel_order(self._config, merchant_order_no, order_no))

    def update_expired_time(
        self,
        merchant_order_no: str | None = None,
        *,
        expired_time: int | datetime,
        order_no: str | None = None,
    ) -> AcquireOrder:
        """Moves a CREATED order's expiry (acquire2/updateExpiredTime); `expired_time`
        in epoch milliseconds or an aware datetime, at most 15 days ahead. Not retried."""
        return self._run(
            self._perform(ops.update_expired_time(expired_time, merchant_order_no, order_no))
        )

    def revoke_order(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> AcquireOrder:
        """Revokes an order whose outcome is uncertain (acquire2/revokeOrder): unpaid
        orders fail, paid ones are refunded; `revoked` becomes true. Not retried."""
        return self._run(self._perform(ops.revoke_order(merchant_order_no, order_no)))

    def refund(self, request: RefundRequest) -> RefundResult:
        """Refunds all or part of a paid order (acquire2/refund/placeOrder). Retried
        safely: the same request returns the existing refund."""
        return self._run(self._perform(ops.refund(request)))

    def get_refund(
        self, refund_merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> RefundResult:
        """The refund's current state (acquire2/refund/getOrder)."""
        return self._run(self._perform(ops.get_refund(refund_merchant_order_no, order_no)))

    def wait_for_final(
        self, merchant_order_no: str, deadline_s: float | None = None
    ) -> AcquireOrder:
        """Polls getOrder at the pacing's query interval until PAID_SUCCESS, SETTLED
        or FAILURE, polling on through retryable failures. At the deadline it
        cancels the order, retrying a failing cancel at the cancel interval, and
        returns its final state (FAILURE after the cancel; PAID_SUCCESS/SETTLED if
        it was paid meanwhile).

        `deadline_s` counts from when this client first sent placeOrder for the
        order (from this call for an order it did not place); by default a moment
        within the pacing's cancel_after (20-120 s). Raises UnresolvedOrderError if
        no cancel got through (alert a person), ApiError 62004 if there is no such
        order."""
        return self._run(self._wait_for_final(merchant_order_no, deadline_s))

    def resolve_order(
        self, merchant_order_no: str, deadline_s: float | None = None
    ) -> AcquireOrder | None:
        """Settles an order whose placeOrder failed with an unknown outcome (a
        retryable error): as `wait_for_final`, but 62004 MERCHANT_ORDER_NO_NOT_EXIST
        means "not known yet" while polling. Returns the final order (FAILURE once
        cancelled), or None when the cancel also answers 62004: the order never
        existed, and the number may be placed again."""
        return self._run(self._resolve_order(merchant_order_no, deadline_s))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient, AsyncReports):
    """Async client for the Botim Money acquiring API; the same methods as
    `Client`, awaited, driven by the same protocol steps.

        async with AsyncClient(partner_id=..., private_key=..., gateway_public_key=...,
                               base_url="uat") as client:
            order = await client.get_order("M1")
    """

    def __init__(
        self,
        *,
        partner_id: str,
        private_key: PrivateKeyTypes,
        gateway_public_key: PublicKeyTypes,
        base_url: str,
        retry: RetryPolicy | None = None,
        pacing: Pacing | None = None,
        timeout: float | httpx.Timeout = _DEFAULT_TIMEOUT,
        language: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        sleep: AsyncSleep | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            partner_id=partner_id,
            private_key=private_key,
            gateway_public_key=gateway_public_key,
            base_url=base_url,
            retry=retry,
            pacing=pacing,
            language=language,
            clock=clock,
            rng=rng,
        )
        self._sleep: AsyncSleep = sleep if sleep is not None else asyncio.sleep
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)

    async def _run(self, flow: _flows.Flow[T]) -> T:
        return await _flows.run_async(flow, self._http.send, self._sleep, self._http.timeout)

    async def place_order(self, order: PlaceOrderRequest) -> PlaceOrderResult:
        """See `Client.place_order`."""
        return await self._run(self._place_order(order))

    async def get_order(
        self,
        merchant_order_no: str | None = None,
        *,
        order_no: str | None = None,
        device_id: str | None = None,
    ) -> AcquireOrder:
        """See `Client.get_order`."""
        return await self._run(
            _flows.get_order(self._config, merchant_order_no, order_no, device_id)
        )

    async def cancel_order(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> AcquireOrder:
        """See `Client.cancel_order`."""
        return await self._run(_flows.cancel_order(self._config, merchant_order_no, order_no))

    async def update_expired_time(
        self,
        merchant_order_no: str | None = None,
        *,
        expired_time: int | datetime,
        order_no: str | None = None,
    ) -> AcquireOrder:
        """See `Client.update_expired_time`."""
        return await self._run(
            self._perform(ops.update_expired_time(expired_time, merchant_order_no, order_no))
        )

    async def revoke_order(
        self, merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> AcquireOrder:
        """See `Client.revoke_order`."""
        return await self._run(self._perform(ops.revoke_order(merchant_order_no, order_no)))

    async def refund(self, request: RefundRequest) -> RefundResult:
        """See `Client.refund`."""
        return await self._run(self._perform(ops.refund(request)))

    async def get_refund(
        self, refund_merchant_order_no: str | None = None, *, order_no: str | None = None
    ) -> RefundResult:
        """See `Client.get_refund`."""
        return await self._run(self._perform(ops.get_refund(refund_merchant_order_no, order_no)))

    async def wait_for_final(
        self, merchant_order_no: str, deadline_s: float | None = None
    ) -> AcquireOrder:
        """See `Client.wait_for_final`."""
        return await self._run(self._wait_for_final(merchant_order_no, deadline_s))

    async def resolve_order(
        self, merchant_order_no: str, deadline_s: float | None = None
    ) -> AcquireOrder | None:
        """See `Client.resolve_order`."""
        return await self._run(self._resolve_order(merchant_order_no, deadline_s))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
