"""Brings every order the shop placed to a final status in the background, the way Botim
Money's best practice and test cases ask; one asyncio task per unfinished order.

- placeOrder answered: `wait_for_final` polls getOrder every 2-6 s and cancels the order
  if it is still unpaid 20-120 s after it was placed (retrying a failing cancel every
  3-10 s); the notification usually arrives first and the next poll sees it.
- placeOrder failed with an unknown outcome (SYSTEM_ERROR, SERVICE_TIMEOUT, a timeout):
  `resolve_order` queries, then cancels, so an order created behind the failure can never
  be paid later; `None` means it never existed.
- At start-up, `resume` does the same for what an earlier run left unfinished.
- When no cancel gets through (UnresolvedOrderError) the order is flagged and logged at
  ERROR: a person must confirm its status with Botim Money support.
"""

from __future__ import annotations

import asyncio
import logging
import time

from botimpay_sdk import AcquireOrder, AsyncClient, SdkError, UnresolvedOrderError
from starlette.concurrency import run_in_threadpool

from example_shop.store import OrderStore, PaymentUpdate

logger = logging.getLogger("example_shop")

SETTLING = frozenset({"NEW", "UNKNOWN", "CREATED"})
"""The statuses `resume` picks up: NEW and UNKNOWN have an unknown outcome."""


class Resolver:
    """Owns the settling tasks; `aclose` cancels those still running."""

    def __init__(self, client: AsyncClient, store: OrderStore) -> None:
        self.client = client
        self.store = store
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def watch(
        self, merchant_order_no: str, *, placed: bool, deadline_ms: int | None = None
    ) -> None:
        """Settles the order in the background unless that is already under way. `placed`:
        placeOrder answered (else its outcome is unknown). `deadline_ms`: when to cancel it,
        by default within the client's pacing (20-120 s after placeOrder)."""
        if merchant_order_no in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(
            self._settle(merchant_order_no, placed, deadline_ms),
            name=f"settle {merchant_order_no}",
        )
        self._tasks[merchant_order_no] = task
        task.add_done_callback(lambda _: self._tasks.pop(merchant_order_no, None))

    @property
    def settling(self) -> frozenset[str]:
        """The order numbers being settled right now."""
        return frozenset(self._tasks)

    async def resume(self) -> None:
        """Settles what an earlier run left unfinished, cancelling at the same moment after
        placement (the middle of cancel_after) it would have."""
        low, high = self.client.pacing.cancel_after
        cancel_at_ms = int((low + high) / 2 * 1000)
        now_ms = int(time.time() * 1000)
        for order in await run_in_threadpool(self.store.in_status, SETTLING):
            age_ms = now_ms - order.created_at
            self.watch(
                order.merchant_order_no,
                placed=order.status == "CREATED",
                deadline_ms=max(0, cancel_at_ms - age_ms),
            )

    async def drain(self) -> None:
        """Waits until every order being settled is settled (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _settle(self, merchant_order_no: str, placed: bool, deadline_ms: int | None) -> None:
        settle = "wait_for_final" if placed else "resolve_order"
        deadline_s = None if deadline_ms is None else deadline_ms / 1000
        try:
            if placed:
                found: AcquireOrder | None = await self.client.wait_for_final(
                    merchant_order_no, deadline_s
                )
            else:
                found = await self.client.resolve_order(merchant_order_no, deadline_s)
        except UnresolvedOrderError as exc:
            logger.error(
                "order %s is unresolved: %s. Alert a person: confirm its status "
                "with Botim Money support.",
                merchant_order_no,
                exc,
            )
            await run_in_threadpool(
                self.store.flag,
                merchant_order_no,
                "cancel kept failing: confirm with Botim Money support",
            )
            return
        except SdkError as exc:
            logger.error("settling order %s failed: %s", merchant_order_no, exc)
            await run_in_threadpool(self.store.flag, merchant_order_no, f"{settle} failed: {exc}")
            return
        if found is None:
            logger.info("order %s never reached Botim Money", merchant_order_no)
            await run_in_threadpool(self.store.never_placed, merchant_order_no)
            return
        update = PaymentUpdate(
            found.merchant_order_no,
            found.order_no,
            found.status,
            found.total_amount.amount if found.total_amount else None,
        )
        outcome = await run_in_threadpool(self.store.apply_query, update, settle)
        logger.info("order %s settled: %s (%s)", merchant_order_no, found.status, outcome)
