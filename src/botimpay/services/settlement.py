"""Settlement: paid orders become SETTLED and their net amount available to the merchant
(and each sharing member's part of it to that member).

Runs after a configurable delay (the sweeper) or at once (`/sandbox/api/settle`);
the order changes through services/transitions.py.
"""

from __future__ import annotations

from botimpay.clock import Clock
from botimpay.domain.order import OrderStatus, Settle
from botimpay.services import sharing
from botimpay.services.transitions import apply_event, write_retrying
from botimpay.store import ledger_repo, orders_repo
from botimpay.store.connection import Connection
from botimpay.store.database import Database

DEFAULT_SETTLE_DELAY_MS = 24 * 3600 * 1000


class SettlementService:
    def __init__(self, db: Database, clock: Clock, *, delay_ms: int = DEFAULT_SETTLE_DELAY_MS):
        self.db = db
        self.clock = clock
        self.delay_ms = delay_ms

    async def settle_due(self, limit: int = 500) -> int:
        """Settles orders paid at least `delay_ms` ago (business time)."""
        return await self._settle_paid_before(self.clock.now_ms() - self.delay_ms, limit)

    async def settle_all(self, limit: int = 10_000) -> int:
        """Settles every paid order now."""
        return await self._settle_paid_before(self.clock.now_ms(), limit)

    async def _settle_paid_before(self, paid_before_ms: int, limit: int) -> int:
        async with self.db.read() as conn:
            due = await orders_repo.due_for_settlement(conn, paid_before_ms, limit)
        settled = 0
        for order_no in due:
            settled += await self.settle(order_no)
        return settled

    async def settle(self, order_no: str) -> int:
        """Settles one order if it is still PAID_SUCCESS; 1 if it was settled now."""

        async def settle_one(conn: Connection) -> int:
            order = await orders_repo.find_by_order_no(conn, order_no, for_update=True)
            if order is None or order.status is not OrderStatus.PAID_SUCCESS:
                return 0
            now = self.clock.now_ms()
            entry = await sharing.settlement_entry(conn, order)  # with each member's part
            if entry is not None:
                await ledger_repo.post(conn, entry, now)
            await apply_event(conn, order, Settle(), now)
            return 1

        return await write_retrying(self.db, settle_one)
