"""Page queries at scale: queryOrderPage and queryRefundOrderPage with 1,000,000 orders.

Requirement (issue 14): the page queries stay fast at 1M orders. This times what the
two endpoints run (services.query_pages: the count and the page's deferred join in
the (partner_id, created_at, id, status, device_id) index), not the HTTP and JSON
around them.

Orders are bulk-loaded as bench.console_orders loads them (bench.scale's rows, split
between two merchants, created_at 250 ms apart: each merchant's 500k orders span
about 1.5 days), then REFUNDS refund orders of the second merchant's orders. The
refund pages use migration 0014's index of the same shape on refunds.

    python -m bench.query_pages [--orders 1000000] [--db URL]

Without --db a SQLite file in a temporary folder is used. A PostgreSQL URL must name
an empty database (it is migrated here).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.console_orders import (
    PARTNERS,
    SpreadRows,
    bench_main,
    load_orders,
    scenario_row,
    timed,
)
from bench.servers import fresh_database
from botimpay.domain.query_pages import GULF
from botimpay.protocol.query_page_requests import QueryOrderPageBiz, QueryRefundOrderPageBiz
from botimpay.services.query_pages import QueryPages, order_item, refund_item
from botimpay.store.database import Database, normalize_url, open_database

BUDGET_MS = 100.0
FULL_ORDERS = 1_000_000
SMOKE_ORDERS = 20_000
REFUNDS = 200_000
REPEAT = 10
_REFUND_COLUMNS = (
    "refund_no, partner_id, refund_merchant_order_no, origin_order_no, fingerprint, status, "
    "amount_fils, fee_refunded_fils, details, is_revoke, request_time, created_at, updated_at"
)


def _refund_rows(rows: SpreadRows, start: int, count: int) -> Iterator[tuple[Any, ...]]:
    """One AED 1.00 SUCCESS refund for each of `count` bulk orders from `start`, dated
    a second after its order."""
    prefix = f"13{rows.now:013d}"
    for i in range(start, start + count):
        at = rows.now - 250 * (2_000_000 - i) + 1000
        yield (
            f"91{rows.now:013d}{i:07d}",
            rows_partner(rows),
            f"R-SCALE-{i:07d}",
            f"{prefix}{i:07d}",
            "0" * 64,
            "SUCCESS",
            100,
            0,
            "{}",
            False,
            at,
            at,
            at,
        )


def rows_partner(rows: SpreadRows) -> str:
    return str(rows.template[rows.columns.index("partner_id")])


def _load_refunds(url: str, rows: SpreadRows, start: int, count: int) -> None:
    records = list(_refund_rows(rows, start, count))
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            marks = ", ".join("?" * len(records[0]))
            conn.execute("BEGIN")
            sql = f"INSERT INTO refunds ({_REFUND_COLUMNS}) VALUES ({marks})"  # noqa: S608
            conn.executemany(sql, records)
            conn.execute("COMMIT")
        finally:
            conn.close()
        return

    async def copy() -> None:
        import asyncpg

        conn = await asyncpg.connect(normalize_url(url).replace("+asyncpg", ""))
        try:
            columns = [name.strip() for name in _REFUND_COLUMNS.split(",")]
            await conn.copy_records_to_table("refunds", records=records, columns=columns)
            await conn.execute("VACUUM ANALYZE orders")  # what autovacuum does after a load
            await conn.execute("VACUUM ANALYZE refunds")
        finally:
            await conn.close()

    asyncio.run(copy())


def _biz(day_from: str, day_to: str, size: int, number: int, **extra: Any) -> dict[str, Any]:
    return {
        "startDate": day_from,
        "endDate": day_to,
        "sortPageParam": {"number": number, "size": size},
        **extra,
    }


async def _time(run: Any) -> dict[str, Any]:
    (total, rows), timing = await timed(run, REPEAT)
    return {"total": total, "rows": rows, **timing}


def _order_case(pages: QueryPages, partner: str, content: dict[str, Any]) -> Any:
    biz = QueryOrderPageBiz.model_validate(content)

    async def run() -> tuple[int, int]:
        page = await pages.orders(partner, biz)
        items = [order_item(order) for order in page.rows]  # the wire items too
        return page.total, len(items)

    return run


def _refund_case(pages: QueryPages, partner: str, content: dict[str, Any]) -> Any:
    biz = QueryRefundOrderPageBiz.model_validate(content)

    async def run() -> tuple[int, int]:
        page = await pages.refunds(partner, biz)
        return page.total, len([refund_item(refund) for refund in page.rows])

    return run


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(GULF).date().isoformat()


def _days(now_ms: int, total: int) -> tuple[str, str, str]:
    """(first day, last day, a day in the middle of the first merchant's orders), as UAE
    dates; SpreadRows dates order i at now - 250 ms x (2,000,000 - i)."""
    return (
        _day(now_ms - 250 * 2_000_000),
        _day(now_ms + 86_400_000),
        _day(now_ms - 250 * (2_000_000 - total // 4)),
    )


async def _measure(db: Database, url: str, now_ms: int, total: int) -> dict[str, Any]:
    pages = QueryPages(db)
    first, last, middle = _days(now_ms, total)
    half = total // 2
    one, two = PARTNERS
    deepest = (half - 1) // 20
    cases: dict[str, Any] = {
        "orders first page (20)": _order_case(pages, one, _biz(first, last, 20, 0)),
        "orders page 100 (20)": _order_case(pages, one, _biz(first, last, 20, 100)),
        "orders middle page (20)": _order_case(pages, one, _biz(first, last, 20, deepest // 2)),
        "orders last page (20)": _order_case(pages, one, _biz(first, last, 20, deepest)),
        "orders last page (1000)": _order_case(
            pages, one, _biz(first, last, 1000, (half - 1) // 1000)
        ),
        "orders one day, first page": _order_case(pages, one, _biz(middle, middle, 20, 0)),
        "orders status CREATED": _order_case(
            pages, one, _biz(first, last, 20, 0, includeStatusList=["CREATED"])
        ),
        "orders status SETTLED (none)": _order_case(
            pages, one, _biz(first, last, 20, 0, includeStatusList=["SETTLED"])
        ),
        "orders device (none)": _order_case(
            pages, two, _biz(first, last, 20, 0, deviceIdList=["POS-1"])
        ),
    }
    refunds = min(REFUNDS, half)
    refund_cases = {
        "refunds first page (20)": _refund_case(pages, two, _biz(first, last, 20, 0)),
        "refunds last page (20)": _refund_case(
            pages, two, _biz(first, last, 20, (refunds - 1) // 20)
        ),
        "refunds one day": _refund_case(pages, two, _biz(middle, middle, 20, 0)),
    }
    results = {name: await _time(run) for name, run in cases.items()}
    results |= {name: await _time(run) for name, run in refund_cases.items()}
    return results


def measure_query_pages(url: str, total: int) -> dict[str, Any]:
    """Loads `total` orders and their refunds into the empty database at `url`; times
    every case."""
    half = total // 2
    started = time.perf_counter()
    rows_of = load_orders(url, total)
    _load_refunds(url, rows_of[1], half, min(REFUNDS, half))
    loaded = time.perf_counter() - started
    db = open_database(url)

    async def measure() -> dict[str, Any]:
        try:
            return await _measure(db, url, rows_of[0].now, total)
        finally:
            await db.dispose()

    results = asyncio.run(measure())
    over = [name for name, result in results.items() if result["median_ms"] > BUDGET_MS]
    return {
        "orders": total,
        "refunds": min(REFUNDS, half),
        "backend": "sqlite" if url.startswith("sqlite") else "postgresql",
        "load_s": round(loaded, 1),
        "budget_ms": BUDGET_MS,
        "over_budget": over,
        "cases": results,
    }


def run_query_page_scenarios(
    workdir: Path, backends: list[str], smoke: bool
) -> list[dict[str, Any]]:
    """The `query_pages` scenario of `make bench` on each backend: 1M orders (smoke: 20k);
    its errors are the cases whose median is over the 100 ms budget."""
    total = SMOKE_ORDERS if smoke else FULL_ORDERS
    out: list[dict[str, Any]] = []
    for backend in backends:
        with fresh_database(backend, workdir, f"pages_{uuid.uuid4().hex[:8]}") as url:
            out.append(scenario_row("query_pages", backend, measure_query_pages(url, total)))
    return out


def main(argv: list[str] | None = None) -> int:
    return bench_main(argv, __doc__, measure_query_pages)


if __name__ == "__main__":
    sys.exit(main())
