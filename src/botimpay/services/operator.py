"""What an operator reads and needs from the terminal: an order found by either number,
everything recorded about it, and the business clock and mode of a database.

Used by `botimpay orders|pay|refund|trigger`; read-only except through the services
they hand over to (payments, refunds, orders), so no business rule lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from botimpay.clock import Clock
from botimpay.domain.order import Order, OrderStatus
from botimpay.domain.refund import Refund
from botimpay.domain.scenes import SUPPORTED_SCENES
from botimpay.errors import ConfigError
from botimpay.services.setup import SANDBOX, database_mode
from botimpay.store import (
    ledger_repo,
    orders_repo,
    payment_attempts_repo,
    refunds_repo,
    settings_repo,
)
from botimpay.store.database import Database
from botimpay.store.ledger_repo import RecordedEntry
from botimpay.store.payment_attempts_repo import AttemptRecord


@dataclass(frozen=True, slots=True)
class OrderHistory:
    """One order with its payment attempts, refunds and ledger entries, oldest first."""

    order: Order
    attempts: list[AttemptRecord]
    refunds: list[Refund]
    entries: list[RecordedEntry]


async def gateway_mode(db: Database) -> str:
    """ "sandbox" or "production" as `init` recorded it; ConfigError before any init."""
    mode = await database_mode(db)
    if mode is None:
        raise ConfigError("this database has no gateway set up; run `botimpay init` first")
    return mode


async def is_sandbox(db: Database) -> bool:
    return await gateway_mode(db) == SANDBOX


async def business_clock(db: Database) -> Clock:
    """A clock at the database's business time (the sandbox's time travel included);
    ConfigError before any init."""
    await gateway_mode(db)
    async with db.read() as conn:
        return Clock(offset_ms=await settings_repo.clock_offset(conn))


async def find_order(db: Database, ref: str, *, partner_id: str | None = None) -> Order:
    """The order whose orderNo or merchantOrderNo is `ref` (of `partner_id` if given).

    A merchantOrderNo is unique per merchant only: when several merchants used it,
    ConfigError asks for the partner id instead of picking one."""
    ref = ref.strip()
    await gateway_mode(db)  # a database nobody initialised: one line, not a missing table
    if not ref:
        raise ConfigError("ORDER must be an orderNo or a merchantOrderNo")
    async with db.read() as conn:
        found = await orders_repo.by_ref(conn, ref, partner_id=partner_id)
    by_order_no = [order for order in found if order.order_no == ref]
    if by_order_no:
        return by_order_no[0]
    if not found:
        scope = f" of merchant {partner_id}" if partner_id else ""
        raise ConfigError(f"ORDER: no order{scope} has orderNo or merchantOrderNo {ref!r}")
    partners = sorted({order.partner_id for order in found})
    if len(partners) > 1:
        raise ConfigError(
            f"ORDER: merchantOrderNo {ref!r} is used by merchants {', '.join(partners)};"
            " give --partner-id"
        )
    return found[0]


async def order_history(db: Database, order_no: str) -> OrderHistory:
    """The order as stored now, with everything recorded about it."""
    async with db.read() as conn:
        order = await orders_repo.find_by_order_no(conn, order_no)
        if order is None:
            raise ConfigError(f"ORDER: no order has orderNo {order_no!r}")
        return OrderHistory(
            order=order,
            attempts=await payment_attempts_repo.of_order(conn, order_no),
            refunds=await refunds_repo.of_order(conn, order_no),
            entries=await ledger_repo.entries_of_order(conn, order_no),
        )


async def search_orders(
    db: Database,
    *,
    partner_id: str | None,
    status: str | None,
    scene_code: str | None,
    limit: int,
) -> list[Order]:
    """Orders newest first; `status` is checked here so a typo names the field."""
    await gateway_mode(db)
    wanted: OrderStatus | None = None
    if status is not None:
        try:
            wanted = OrderStatus(status.strip().upper())
        except ValueError:
            names = ", ".join(s.value for s in OrderStatus)
            raise ConfigError(f"--status must be one of {names}, got {status!r}") from None
    if scene_code is not None:
        scene_code = scene_code.strip().upper()
        if scene_code not in SUPPORTED_SCENES:
            names = ", ".join(sorted(SUPPORTED_SCENES))
            raise ConfigError(f"--scene must be one of {names}, got {scene_code!r}")
    async with db.read() as conn:
        return await orders_repo.search(
            conn, partner_id=partner_id, status=wanted, scene_code=scene_code, limit=limit
        )


async def latest_notify_url(db: Database, partner_id: str) -> str | None:
    async with db.read() as conn:
        return await orders_repo.latest_notify_url(conn, partner_id)
