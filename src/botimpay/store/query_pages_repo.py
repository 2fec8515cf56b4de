"""The page queries' SQL: one merchant's orders or refunds created in a time window,
counted, and one numbered page of them newest first by (created_at, id).

The reference pages by number (sortPageParam.number/size), so a page is an offset.
The offset is walked in the (partner_id, created_at, id, status, device_id) index only,
from whichever end of the window is nearer (a deferred join: the inner SELECT picks the
page's ids, index-only on SQLite and on PostgreSQL once the table is vacuumed), and only
the page's own rows are read in full.
Every scan is bounded by the required date window, the index's second column; a status
or device filter is checked on the index entries the window holds, never on the table
(migration 0014). The count walks the same index range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, func, select

from botimpay.domain.order import Order
from botimpay.domain.refund import Refund
from botimpay.store.connection import Connection
from botimpay.store.orders_repo import to_order
from botimpay.store.refunds_repo import _refund
from botimpay.store.tables import orders, refunds


@dataclass(frozen=True, slots=True)
class PageFilter:
    """One merchant's rows with created_at in [lower, upper); empty lists match all."""

    partner_id: str
    lower: int
    upper: int
    statuses: tuple[str, ...] = ()
    device_ids: tuple[str, ...] = ()


def _where(table: Table, filt: PageFilter) -> list[Any]:
    conditions: list[Any] = [
        table.c.partner_id == filt.partner_id,
        table.c.created_at >= filt.lower,
        table.c.created_at < filt.upper,
    ]
    if filt.statuses:
        conditions.append(table.c.status.in_(filt.statuses))
    if filt.device_ids:
        conditions.append(table.c.device_id.in_(filt.device_ids))
    return conditions


def _count(table: Table, filt: PageFilter) -> Select[Any]:
    return select(func.count()).select_from(table).where(*_where(table, filt))


def _page(table: Table, filt: PageFilter, offset: int, limit: int, total: int) -> Select[Any]:
    """The page `offset`..`offset + limit` of `total` rows, newest first. A page in the
    older half is walked from the oldest end (offset `total - offset - limit`, oldest
    first), so the last page costs what the first does, not a walk over every row."""
    newest_first = (table.c.created_at.desc(), table.c.id.desc())
    order, skip, take = newest_first, offset, limit
    if 2 * offset + limit > total:  # nearer the oldest end
        order = (table.c.created_at.asc(), table.c.id.asc())
        skip, take = max(total - offset - limit, 0), min(limit, total - offset)
    ids = (
        select(table.c.id)
        .where(*_where(table, filt))
        .order_by(*order)
        .offset(skip)
        .limit(take)
        .subquery("page")
    )
    return select(table).join(ids, table.c.id == ids.c.id).order_by(*newest_first)


async def count_orders(conn: Connection, filt: PageFilter) -> int:
    return int(await conn.scalar(_count(orders, filt)) or 0)


async def order_page(
    conn: Connection, filt: PageFilter, offset: int, limit: int, total: int
) -> list[Order]:
    """`total` is count_orders' answer for the same filter (it picks the end to walk from)."""
    page = _page(orders, filt, offset, limit, total)
    return [to_order(row) for row in await conn.execute(page)]


async def count_refunds(conn: Connection, filt: PageFilter) -> int:
    return int(await conn.scalar(_count(refunds, filt)) or 0)


async def refund_page(
    conn: Connection, filt: PageFilter, offset: int, limit: int, total: int
) -> list[Refund]:
    """`total` is count_refunds' answer for the same filter."""
    page = _page(refunds, filt, offset, limit, total)
    return [_refund(row) for row in await conn.execute(page)]
