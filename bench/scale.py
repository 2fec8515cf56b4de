"""Scale: getOrder at 10,000 and 1,000,000 orders, and worker memory over 1,000,000 requests.

Requirement: getOrder's p99 with 1M orders in the database is at most 1.5x its p99 with 10k
(`p99_growth`), and a worker's RSS stays flat over 1M getOrder requests (`rss_growth_mib`).

The orders are bulk-loaded straight into the database (setup, not the measured path) as rows
built by the gateway's own code, so they are CREATED orders exactly as placeOrder writes them.
The gateway is stopped while loading and started again afterwards, so both sizes are measured
by an identically configured, freshly started gateway after the same untimed warm-up.
Scenario names are the full run's; in smoke mode (1k/10k orders) `orders_in_db` tells.

    python -m bench.scale [--smoke] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import math
import random
import secrets
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, cast

import orjson

from bench import procstat, servers, signing, wrk
from bench.servers import Server
from botimpay.clock import Clock
from botimpay.domain.order import MAX_EXPIRY_MS
from botimpay.domain.scenes import parse_scene_params
from botimpay.protocol.envelope import REQUEST_WINDOW_MS
from botimpay.protocol.requests import PlaceOrderBiz
from botimpay.services.orders import OrderService, fingerprint
from botimpay.store import jsonfield, orders_repo
from botimpay.store.database import Database
from botimpay.web.body import parse_json_object

PARTNER_ID = "300000000001"  # bench/run.py's merchant (not imported: run.py imports us)
BACKENDS = ("sqlite", "postgresql")
GET_ORDER = "/sgs/api/acquire2/getOrder"
ROWS_PER_TRANSACTION = 100_000
RSS_INTERVAL_S = 2.0
MIN_SEGMENT_S = 3  # the memory run's wrk runs: the shortest top-up ...
MAX_SEGMENT_S = 120  # ... and the longest run, so a pessimistic first rate wastes little
SIGNED_MARGIN_S = 90  # a signed requestTime must still be inside the window when wrk ends


@dataclass(frozen=True)
class Sizes:
    """Everything smoke mode shrinks."""

    small: int  # orders for the first measurement
    large: int  # orders for the second and for the memory run
    distinct: int  # pre-signed getOrder requests a measurement cycles through
    memory_requests: int  # the memory run goes on until this many requests are done
    memory_cap_s: int  # ... or this long, whichever is first
    load: wrk.Load
    warmup_s: int  # untimed wrk after each gateway start: its first seconds are slow


FULL = Sizes(10_000, 1_000_000, 20_000, 1_000_000, 570, wrk.Load(2, 64, 10), 6)
SMOKE = Sizes(1_000, 10_000, 2_000, 3_000, 5, wrk.Load(2, 8, 1), 0)


class BenchLike(Protocol):
    """What we need of bench.run.Bench: the merchant's key pair."""

    merchant_pem: bytes
    merchant_pub: Path


def _say(started: float, text: str) -> None:
    print(f"  [{time.monotonic() - started:6.1f} s] {text}", file=sys.stderr, flush=True)


# --- rows ------------------------------------------------------------------


def _parse(wire: dict[str, object]) -> PlaceOrderBiz:
    """bizContent as the gateway parses it off the wire (exact Decimal amounts)."""
    body = parse_json_object(orjson.dumps(wire))
    return PlaceOrderBiz.model_validate(body)


class OrderRows:
    """Order rows for one merchant, built once by the gateway's own code, varied per order.

    OrderService._new_order and orders_repo._values are what placeOrder runs, so every
    column has the gateway's format (JSON text, fils, ms timestamps); only order_no, token,
    merchant_order_no and the fingerprint (which covers merchantOrderNo) differ per row.
    expiredTime is the furthest placeOrder accepts (48 h) so nothing expires mid-run.
    """

    PLACEHOLDER = "@MERCHANT_ORDER_NO@"

    def __init__(self, partner_id: str) -> None:
        clock = Clock()
        self.now = clock.now_ms()
        wire = signing.place_biz(self.PLACEHOLDER) | {"expiredTime": self.now + MAX_EXPIRY_MS}
        self.wire = wire
        biz = _parse(wire)
        scene = parse_scene_params(biz.paySceneCode, biz.paySceneParams)
        service = OrderService(cast(Database, None), clock, "http://bench")  # db unused
        order = service._new_order(partner_id, biz, scene, fingerprint(biz, scene), self.now)
        values = orders_repo._values(order)
        self.columns = list(values)
        self.template = list(values.values())
        self._at = {name: self.columns.index(name) for name in self.columns}
        # the fingerprint's canonical JSON, split around merchantOrderNo (sha256 per row only)
        canonical = biz.model_dump(exclude={"paySceneParams"})
        canonical["paySceneParams"] = scene.to_wire()
        text = jsonfield.dumps(canonical)
        self._before, self._after = text.split(json.dumps(self.PLACEHOLDER))

    @staticmethod
    def merchant_order_no(i: int) -> str:
        return f"SCALE-{i:07d}"

    def fingerprint(self, merchant_order_no: str) -> str:
        text = f'{self._before}"{merchant_order_no}"{self._after}'
        return hashlib.sha256(text.encode()).hexdigest()

    def check(self, i: int) -> None:
        """Our per-row fingerprint equals the gateway's for the same request."""
        no = self.merchant_order_no(i)
        biz = _parse(self.wire | {"merchantOrderNo": no})
        expected = fingerprint(biz, parse_scene_params(biz.paySceneCode, biz.paySceneParams))
        if self.fingerprint(no) != expected:
            raise AssertionError("bulk-loaded fingerprint differs from the gateway's")

    def rows(self, start: int, count: int) -> Iterator[tuple[Any, ...]]:
        at, row = self._at, list(self.template)
        prefix = f"13{self.now:013d}"  # new_order_no: 13, ms, 7 digits (here a sequence)
        for i in range(start, start + count):
            no = self.merchant_order_no(i)
            row[at["order_no"]] = f"{prefix}{i:07d}"
            row[at["merchant_order_no"]] = no
            row[at["fingerprint"]] = self.fingerprint(no)
            row[at["token"]] = secrets.token_urlsafe(24)
            yield tuple(row)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(itertools.islice(rows, ROWS_PER_TRANSACTION)):
        yield chunk


def load_sqlite(path: Path, rows: OrderRows, start: int, count: int) -> int:
    """executemany in large transactions, synchronous=OFF on this (loading) connection only."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB: the token index is random
        names = ", ".join(rows.columns)
        marks = ", ".join("?" * len(rows.columns))
        sql = f"INSERT INTO orders ({names}) VALUES ({marks})"  # noqa: S608 (our column names)
        for chunk in _chunks(rows.rows(start, count)):
            conn.execute("BEGIN")
            conn.executemany(sql, chunk)
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(conn.execute("SELECT count(*) FROM orders").fetchone()[0])
    finally:
        conn.close()


async def _load_pg(url: str, rows: OrderRows, start: int, count: int) -> int:
    import asyncpg  # only with --backends postgresql

    conn = await asyncpg.connect(url)
    try:
        for chunk in _chunks(rows.rows(start, count)):
            await conn.copy_records_to_table("orders", records=chunk, columns=rows.columns)
        await conn.execute("ANALYZE orders")  # what autovacuum would do shortly after
        return int(await conn.fetchval("SELECT count(*) FROM orders"))
    finally:
        await conn.close()


def load_pg(url: str, rows: OrderRows, start: int, count: int) -> int:
    """COPY (asyncpg copy_records_to_table), in chunks."""
    return asyncio.run(_load_pg(url, rows, start, count))


# --- measuring -------------------------------------------------------------


def measure(server: Server, requests_file: Path, load: wrk.Load, log: Path) -> dict[str, Any]:
    """One wrk run plus the gateway tree's CPU and peak RSS (the keys bench/run.py reports)."""
    before = procstat.cpu_seconds(procstat.tree(server.process.pid))
    result = wrk.run(server.url, requests_file, load, log)
    pids = procstat.tree(server.process.pid)
    cpu = procstat.cpu_delta(before, procstat.cpu_seconds(pids))
    requests = result["requests"]
    result["cpu_s_per_1k_requests"] = round(cpu / requests * 1000, 3) if requests else None
    result["peak_rss_mib"] = round(procstat.peak_rss_kib(pids) / 1024, 1)
    return result


def worker_pids(root: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing spawn children) under the gateway."""
    children = [pid for pid in procstat.tree(root) if pid != root]
    workers = [pid for pid in children if "spawn_main" in procstat.cmdline(pid)]
    return sorted(workers or children)


class RssSampler(threading.Thread):
    """RSS of every gateway worker every RSS_INTERVAL_S, until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.samples: list[dict[str, Any]] = []
        self._stop_event = threading.Event()
        self._t0 = time.monotonic()

    def sample(self) -> None:
        rss = {pid: procstat.rss_kib([pid]) for pid in worker_pids(self.root)}  # 0: gone
        self.samples.append(
            {
                "t_s": round(time.monotonic() - self._t0, 1),
                "rss_mib": {str(pid): round(kib / 1024, 1) for pid, kib in rss.items() if kib},
            }
        )

    def run(self) -> None:
        while not self._stop_event.wait(RSS_INTERVAL_S):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()


def rss_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per worker: start, end, and max(last quarter) - max(first quarter) of the samples."""
    quarter = max(1, len(samples) // 4)
    workers: dict[str, dict[str, float]] = {}
    for pid in sorted({p for s in samples for p in s["rss_mib"]}):
        series = [s["rss_mib"][pid] for s in samples if pid in s["rss_mib"]]
        q = max(1, len(series) // 4)
        workers[pid] = {
            "start_mib": series[0],
            "end_mib": series[-1],
            "growth_mib": round(max(series[-q:]) - max(series[:q]), 1),
            "samples": len(series),
        }
    growth = max((w["growth_mib"] for w in workers.values()), default=None)
    return {"rss_growth_mib": growth, "quarter_samples": quarter, "workers": workers}


def _combine(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """Consecutive wrk runs as one result.

    Percentiles of the union are not kept by wrk: latency_ms is the request-weighted mean of
    the runs' percentiles (max is the true max); wrk_runs has each run's own p99."""
    requests = sum(s["requests"] for s in segments)
    seconds = sum(s["duration_s"] for s in segments)
    cpu = sum((s["cpu_s_per_1k_requests"] or 0) * s["requests"] for s in segments)
    keys = [key for key in (segments[0]["latency_ms"] if segments else {}) if key != "max"]
    latency = {
        key: round(sum(s["latency_ms"][key] * s["requests"] for s in segments) / requests, 2)
        for key in keys
        if requests
    }
    if segments:
        latency["max"] = max(s["latency_ms"]["max"] for s in segments)
    out: dict[str, Any] = {
        "requests": requests,
        "duration_s": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "latency_ms": latency,
        "errors": sum(s["errors"] for s in segments),
        "error_detail": {
            key: sum(s["error_detail"][key] for s in segments)
            for key in ("bad_responses", "socket_errors", "timeouts")
        },
        "wrapped": sum(s["wrapped"] for s in segments),
        "cpu_s_per_1k_requests": round(cpu / requests, 3) if requests else None,
        "peak_rss_mib": max((s["peak_rss_mib"] for s in segments), default=None),
        "wrk_runs": [
            {
                "requests": s["requests"],
                "duration_s": s["duration_s"],
                "rps": s["rps"],
                "p99_ms": s["latency_ms"]["p99"],
            }
            for s in segments
        ],
    }
    if sample := next((s["error_sample"] for s in segments if "error_sample" in s), None):
        out["error_sample"] = sample
    return out


# --- the scenarios ---------------------------------------------------------


class ScaleRun:
    """One backend: load, measure at both sizes, then the long memory run."""

    def __init__(
        self, keys: BenchLike, workdir: Path, sizes: Sizes, partner_id: str, started: float
    ) -> None:
        self.keys = keys
        self.workdir = workdir
        self.sizes = sizes
        self.partner_id = partner_id
        self.started = started
        self.random = random.Random(20_000)  # noqa: S311 (which orders, not secrets)

    def sign(self, name: str, indices: list[int]) -> tuple[Path, float]:
        """Pre-signed getOrder requests for these orders; returns the file and when signed."""
        path = self.workdir / f"{name}.requests"
        bizs: list[dict[str, object]] = [
            {"merchantOrderNo": OrderRows.merchant_order_no(i)} for i in indices
        ]
        signing.write_signed(path, GET_ORDER, self.partner_id, self.keys.merchant_pem, bizs)
        return path, time.monotonic()

    def spread(self, orders: int) -> list[int]:
        """`distinct` orders picked at random over the whole table (repeats only if smaller)."""
        n = self.sizes.distinct
        if n <= orders:
            return self.random.sample(range(orders), n)
        return [self.random.randrange(orders) for _ in range(n)]

    def setup(self, backend: str, db_url: str) -> None:
        servers.init_database(
            db_url,
            mode="production",
            key_dir=self.workdir / f"keys-scale-{backend}",
            partner_id=self.partner_id,
            name="Bench",
            public_key=self.keys.merchant_pub,
        )

    def load(
        self, backend: str, db_url: str, rows: OrderRows, start: int, count: int
    ) -> tuple[int, float]:
        """Loads orders start..start+count; returns the orders now in the db and the seconds."""
        rows.check(start)
        t0 = time.monotonic()
        if backend == "sqlite":
            total = load_sqlite(servers.sqlite_path(db_url), rows, start, count)
        else:
            total = load_pg(db_url, rows, start, count)
        seconds = time.monotonic() - t0
        _say(self.started, f"loaded {count:,} orders in {seconds:.1f} s ({total:,} in the db)")
        return total, seconds

    def get_order(
        self, backend: str, db_url: str, label: str, requests_file: Path, orders_in_db: int
    ) -> tuple[dict[str, Any], Server]:
        """Starts the gateway, warms it up untimed, measures; leaves the gateway running."""
        server = servers.start_gateway(db_url, self.workdir)
        tag = f"scale-{label}-{backend}"
        warm = wrk.Load(self.sizes.load.threads, self.sizes.load.connections, self.sizes.warmup_s)
        try:
            if warm.duration_s:
                wrk.run(server.url, requests_file, warm, self.workdir / f"{tag}-warmup.wrk.log")
            result = measure(
                server, requests_file, self.sizes.load, self.workdir / f"{tag}.wrk.log"
            )
        except BaseException:
            server.stop()
            raise
        _say(
            self.started,
            f"getOrder@{label} ({orders_in_db:,} orders) {result['rps']:.1f} req/s"
            f"  p99 {result['latency_ms']['p99']:.2f} ms  errors {result['errors']}",
        )
        out = {
            "scenario": f"getOrder@{label}",
            "backend": backend,
            "orders_in_db": orders_in_db,
            "distinct_requests": self.sizes.distinct,
            **result,
        }
        return out, server

    def memory(
        self, backend: str, server: Server, requests_file: Path, signed_at: float, rps: float
    ) -> dict[str, Any]:
        """wrk until memory_requests are done (or the cap), sampling worker RSS every 2 s.

        The requirement is a request count, not a duration: wrk runs of at most
        MAX_SEGMENT_S, each sized from the rate reached so far, until the count is done."""
        target, cap = self.sizes.memory_requests, self.sizes.memory_cap_s
        window_s = REQUEST_WINDOW_MS / 1000
        segments: list[dict[str, Any]] = []
        sampler = RssSampler(server.process.pid)
        sampler.sample()
        sampler.start()
        t0 = time.monotonic()
        try:
            while (done := sum(s["requests"] for s in segments)) < target:
                left_s = cap - (time.monotonic() - t0)
                if left_s < MIN_SEGMENT_S:
                    break
                rate = done / sum(s["duration_s"] for s in segments) if done else rps
                # a little over: each wrk run starts slow, and a short top-up is noisy
                need_s = math.ceil((target - done) / max(rate, 1.0) * 1.1) + 2
                seconds = int(min(left_s, MAX_SEGMENT_S, max(MIN_SEGMENT_S, need_s)))
                if time.monotonic() - signed_at + seconds + SIGNED_MARGIN_S > window_s:
                    requests_file, signed_at = self.sign(
                        f"scale-memory-{backend}", self.spread(self.sizes.large)
                    )
                _say(self.started, f"memory run: {seconds} s of getOrder ({done:,}/{target:,})")
                load = wrk.Load(self.sizes.load.threads, self.sizes.load.connections, seconds)
                log = self.workdir / f"scale-memory-{len(segments)}.wrk.log"
                segments.append(measure(server, requests_file, load, log))
        finally:
            sampler.stop()
        result = _combine(segments)
        summary = rss_summary(sampler.samples)
        _say(
            self.started,
            f"memory run: {result['requests']:,} requests, {result['rps']:.1f} req/s,"
            f" rss growth {summary['rss_growth_mib']} MiB, errors {result['errors']}",
        )
        return {
            "scenario": "memory_1M_requests",
            "backend": backend,
            "orders_in_db": self.sizes.large,
            "distinct_requests": self.sizes.distinct,
            "target_requests": target,
            "reached_target": result["requests"] >= target,
            **result,
            **summary,
            "rss_interval_s": RSS_INTERVAL_S,
            "rss_samples": sampler.samples,
        }

    def backend(self, backend: str) -> list[dict[str, Any]]:
        db_name = f"botimpay_scale_{uuid.uuid4().hex[:8]}"
        with servers.fresh_database(backend, self.workdir, db_name) as db_url:
            self.setup(backend, db_url)
            rows = OrderRows(self.partner_id)
            small, large = self.sizes.small, self.sizes.large
            in_db, small_s = self.load(backend, db_url, rows, 0, small)
            requests_file, _ = self.sign(f"scale-small-{backend}", self.spread(small))
            first, server = self.get_order(backend, db_url, "10k", requests_file, in_db)
            first["bulk_load_s"] = round(small_s, 2)
            server.stop()

            in_db, more_s = self.load(backend, db_url, rows, small, large - small)
            requests_file, signed_at = self.sign(f"scale-large-{backend}", self.spread(large))
            second, server = self.get_order(backend, db_url, "1M", requests_file, in_db)
            try:
                second["bulk_load_s"] = round(small_s + more_s, 2)  # all `large` orders
                second["bulk_load_added_s"] = round(more_s, 2)
                for key in ("p50", "p99"):
                    a, b = first["latency_ms"][key], second["latency_ms"][key]
                    second[f"{key}_growth"] = round(b / a, 3) if a else None
                # CPU per request barely feels a neighbour's load; latency does
                a, b = first["cpu_s_per_1k_requests"], second["cpu_s_per_1k_requests"]
                second["cpu_growth"] = round(b / a, 3) if a and b else None
                _say(self.started, f"p99 growth {second['p99_growth']} (target <= 1.5)")
                memory = self.memory(backend, server, requests_file, signed_at, second["rps"])
            finally:
                server.stop()
            return [first, second, memory]


def run_scale_scenarios(
    bench: BenchLike,
    workdir: Path,
    smoke: bool,
    *,
    backends: tuple[str, ...] = ("sqlite",),
    partner_id: str = PARTNER_ID,
    memory_cap_s: int | None = None,
) -> list[dict[str, Any]]:
    """The three scale scenarios on each backend, each backend in its own database.

    memory_cap_s bounds the memory run (default 570 s, smoke 60 s) for a caller on a budget."""
    sizes = SMOKE if smoke else FULL
    if memory_cap_s is not None:
        sizes = replace(sizes, memory_cap_s=memory_cap_s)
    started = time.monotonic()
    out: list[dict[str, Any]] = []
    for backend in backends:
        out += ScaleRun(bench, workdir, sizes, partner_id, started).backend(backend)
    return out


@dataclass
class _Keys:
    merchant_pem: bytes
    merchant_pub: Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="1k/10k orders, 2 s runs")
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--output", type=Path, help="also write the JSON here")
    parser.add_argument("--memory-cap-s", type=int, help="longest memory run (default 570)")
    args = parser.parse_args(argv)
    backends = tuple(b for b in args.backends.split(",") if b)
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if not wrk.available():
        print("wrk not found (apt-get install -y wrk)", file=sys.stderr)
        return 2
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="botimpay-scale-") as tmp:
        workdir = Path(tmp)
        pem = signing.new_key_pem()
        pub = workdir / "merchant-public.pem"
        pub.write_bytes(signing.public_pem(pem))
        scenarios = run_scale_scenarios(
            _Keys(pem, pub), workdir, args.smoke, backends=backends, memory_cap_s=args.memory_cap_s
        )
    report = {
        "mode": "smoke" if args.smoke else "full",
        "wall_s": round(time.time() - started, 1),
        "scenarios": scenarios,
    }
    text = json.dumps(report, indent=2)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
