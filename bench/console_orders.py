"""Console orders at scale: the orders list, its pages and its search with 1,000,000 orders.

Requirement (issue 13): with 1M orders the console's orders list and search answer in
under 100 ms. This times the queries the pages run (services.console_orders, so the
store's keyset query and its indexes from migration 0008), not the HTML around them.

Orders are bulk-loaded as bench.scale loads them (rows built by the gateway's own
code), split between two merchants, with created_at spread over the past days so
date filters and pages cross real boundaries.

    python -m bench.console_orders [--orders 1000000] [--db URL]

`make bench` runs it as the `console_orders` scenario (1M orders on each backend; the
smoke run 20k), one scenario row per backend whose errors are the cases over budget.

Without --db a SQLite file in a temporary folder is used. A PostgreSQL URL must name
an empty database (it is migrated here).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import orjson

from bench import signing
from bench.scale import OrderRows, load_pg, load_sqlite
from bench.servers import fresh_database
from botimpay.clock import Clock
from botimpay.domain.console import ConsoleUser, Cursor, Role
from botimpay.domain.order import OrderStatus
from botimpay.services.console_orders import ConsoleOrders, OrderQuery
from botimpay.services.merchants import MerchantService
from botimpay.store import migrate
from botimpay.store.database import Database, normalize_url, open_database

BUDGET_MS = 100.0
FULL_ORDERS = 1_000_000
SMOKE_ORDERS = 20_000
REPEAT = 20
PARTNERS = ("200000000101", "200000000102")


class SpreadRows(OrderRows):
    """OrderRows whose created_at steps back 250 ms per order (1M orders: about 3 days)."""

    def rows(self, start: int, count: int) -> Iterator[tuple[Any, ...]]:
        at = self.columns.index("created_at")
        for i, row in enumerate(super().rows(start, count), start):
            values = list(row)
            values[at] = self.now - 250 * (2_000_000 - i)
            yield tuple(values)


async def _prepare(url: str) -> None:
    """The schema and the two merchants (the orders' foreign keys)."""
    db = open_database(url)
    try:
        await migrate.upgrade(db)
        merchants = MerchantService(db, Clock())
        for partner_id in PARTNERS:
            if await merchants.find(partner_id) is None:
                public = signing.public_pem(signing.new_key_pem()).decode()
                await merchants.add(
                    partner_id=partner_id, name=f"Bench {partner_id}", public_key=public
                )
    finally:
        await db.dispose()


T = TypeVar("T")


async def timed(run: Callable[[], Awaitable[T]], repeat: int) -> tuple[T, dict[str, Any]]:
    """Runs `run` once untimed (warm-up), then `repeat` times: its last result and the
    timing fields of a case (`timed`, `median_ms`, `max_ms`)."""
    result = await run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return result, {
        "timed": repeat + 1,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(times[-1], 2),
    }


async def _time(orders: ConsoleOrders, user: ConsoleUser, query: OrderQuery) -> dict[str, Any]:
    page, timing = await timed(lambda: orders.page(user, query), REPEAT)
    return {
        "rows": len(page.orders),
        **timing,
        "next_cursor": page.next_cursor.text() if page.next_cursor else None,
    }


async def _measure(db: Database, total: int) -> dict[str, dict[str, Any]]:
    orders = ConsoleOrders(db)
    operator = ConsoleUser(0, "bench-operator", "", Role.OPERATOR, None)
    merchant = ConsoleUser(0, "bench-merchant", "", Role.MERCHANT, PARTNERS[1])
    first = await orders.page(operator, OrderQuery())
    middle_no = OrderRows.merchant_order_no(total // 2 + 7)
    cases: dict[str, tuple[ConsoleUser, OrderQuery]] = {
        "operator first page": (operator, OrderQuery()),
        "operator second page": (operator, OrderQuery(after=first.next_cursor)),
        "operator status PAID_SUCCESS (none)": (
            operator,
            OrderQuery(status=OrderStatus.PAID_SUCCESS),
        ),
        "operator status CREATED": (operator, OrderQuery(status=OrderStatus.CREATED)),
        "operator one merchant": (operator, OrderQuery(partner_id=PARTNERS[0])),
        "operator search merchantOrderNo": (operator, OrderQuery(search=middle_no)),
        "operator search traceCode (unknown)": (operator, OrderQuery(search="0123456789abcdef")),
        "operator scene DYNQR (none)": (operator, OrderQuery(scene_code="DYNQR")),
        "merchant user status FAILURE (none)": (
            merchant,
            OrderQuery(status=OrderStatus.FAILURE),
        ),
        "merchant user first page": (merchant, OrderQuery()),
        "merchant user search own": (merchant, OrderQuery(search=middle_no)),
        "merchant user search another's": (
            merchant,
            OrderQuery(search=OrderRows.merchant_order_no(7)),
        ),
    }
    middle = await orders.page(operator, OrderQuery(search=middle_no))
    if middle.orders:
        created = middle.orders[0].created_at
        cases["operator deep page (cursor mid-table)"] = (
            operator,
            OrderQuery(after=Cursor(created, 2**31 - 1)),
        )
        cases["operator day filter"] = (
            operator,
            OrderQuery(created_from=created - 86_400_000, created_before=created),
        )
    return {name: await _time(orders, user, query) for name, (user, query) in cases.items()}


def load_orders(url: str, total: int) -> list[SpreadRows]:
    """Migrates the empty database at `url`, adds the two merchants and bulk-loads
    `total` orders, half each; the rows' makers, one per merchant."""
    asyncio.run(_prepare(url))
    half = total // 2
    made = []
    for index, partner_id in enumerate(PARTNERS):
        rows = SpreadRows(partner_id)
        made.append(rows)
        if url.startswith("sqlite"):
            load_sqlite(Path(url.removeprefix("sqlite:///")), rows, index * half, half)
        else:
            load_pg(normalize_url(url).replace("+asyncpg", ""), rows, index * half, half)
    return made


def scenario_row(name: str, backend: str, report: dict[str, Any]) -> dict[str, Any]:
    """One `make bench` row of a timed-queries report: its errors are the cases whose
    median is over the budget."""
    slowest = max(report["cases"].items(), key=lambda item: item[1]["median_ms"])
    return {
        "scenario": name,
        "backend": backend,
        "orders": report["orders"],
        "requests": sum(case["timed"] for case in report["cases"].values()),
        "errors": len(report["over_budget"]),
        "error_sample": ", ".join(report["over_budget"]),
        "budget_ms": report["budget_ms"],
        "slowest_case": slowest[0],
        "slowest_median_ms": slowest[1]["median_ms"],
        "load_s": report["load_s"],
        "cases": report["cases"],
    }


def measure_console(url: str, total: int) -> dict[str, Any]:
    """Loads `total` orders into the empty database at `url` and times every case."""
    started = time.perf_counter()
    load_orders(url, total)
    loaded = time.perf_counter() - started
    db = open_database(url)

    async def measure() -> dict[str, dict[str, Any]]:
        try:
            return await _measure(db, total)
        finally:
            await db.dispose()

    results = asyncio.run(measure())
    over = [name for name, result in results.items() if result["median_ms"] > BUDGET_MS]
    return {
        "orders": total,
        "backend": "sqlite" if url.startswith("sqlite") else "postgresql",
        "load_s": round(loaded, 1),
        "budget_ms": BUDGET_MS,
        "over_budget": over,
        "cases": results,
    }


def run_console_scenarios(workdir: Path, backends: list[str], smoke: bool) -> list[dict[str, Any]]:
    """The `console_orders` scenario of `make bench` on each backend: 1M orders (smoke:
    20k); its errors are the cases whose median is over the 100 ms budget."""
    total = SMOKE_ORDERS if smoke else FULL_ORDERS
    out: list[dict[str, Any]] = []
    for backend in backends:
        with fresh_database(backend, workdir, f"console_{uuid.uuid4().hex[:8]}") as url:
            out.append(scenario_row("console_orders", backend, measure_console(url, total)))
    return out


def bench_main(
    argv: list[str] | None, doc: str, measure: Callable[[str, int], dict[str, Any]]
) -> int:
    """The command line of a timed-queries bench: `--orders N [--db URL]`, the report
    as JSON on stdout; exit 1 when a case is over its budget."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--orders", type=int, default=FULL_ORDERS)
    parser.add_argument("--db", default=None, help="an empty PostgreSQL database; default SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        report = measure(url, args.orders)
    sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 1 if report["over_budget"] else 0


def main(argv: list[str] | None = None) -> int:
    return bench_main(argv, __doc__, measure_console)


if __name__ == "__main__":
    sys.exit(main())
