"""The `workers_scaling` scenario (issue 15): `serve --workers 2` against `--workers 4` on
PostgreSQL, to show how far processes scale on this machine's cores.

For each worker count: a fresh PostgreSQL database, a production gateway with that many
workers, waited for until every worker is up and idle (wait_ready's first answer may come
from one worker while the others still import, and wrk keeps the connections it opens
first), 500 untimed placeOrders (getOrder's orders; smoke 100), then placeOrder and
getOrder timed at the bench's threads and connections. One row an (api, workers):
requests/s, latency, CPU s per 1k requests, `peak_rss_mib` (the largest process),
`rss_total_mib` (all the gateway's processes after the window) and `startup_s`; the
4-worker rows carry `ratio_4_vs_2` (their requests/s over the 2-worker row's).

Cheap by design (~40 s full, ~15 s smoke): windows of at most WINDOW_S, one `botimpay init`
(a template database each worker count's fresh database is copied from) and one set of
pre-signed requests for both counts (each has its own database, so every merchantOrderNo
is new to both). A worker count that fails (database, gateway start, preparation, wrk)
gives rows with `errors` 1 and the reason, which `--smoke` reports as a problem.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import procstat, servers, signing, wrk
from bench.prepare import send_file
from bench.scale import worker_pids

if TYPE_CHECKING:
    from bench.run import Bench

SCENARIO = "workers_scaling"
BACKEND = "postgresql"
WORKERS = (2, 4)
APIS = ("placeOrder", "getOrder")
WINDOW_S = 6  # a timed window's most seconds (smoke keeps its 1 s)
# placeOrders pre-signed a second of window: 4x what 2 workers reach on PostgreSQL here
# (682/s in the full run of 2026-11-30), so 4 workers do not run out either
PLACE_RATE = 3000.0
IDLE_TIMEOUT_S = 60.0


def skipped(backends: list[str]) -> str | None:
    """Why the scenario does not run with these --backends, or None when it does."""
    if BACKEND not in backends:
        return f"skipped: {BACKEND} not in --backends ({','.join(backends) or 'none'})"
    return None


def run_workers_scenarios(bench: Bench, partner_id: str) -> list[dict[str, Any]]:
    """Rows for placeOrder and getOrder at 2 and at 4 workers (see the module docstring)."""
    smoke = bench.load.duration_s < 5
    load = wrk.Load(
        bench.load.threads, bench.load.connections, min(bench.load.duration_s, WINDOW_S)
    )
    existing = bench.order_nos(100 if smoke else 500)
    setup = bench.signed(
        f"{SCENARIO}-setup", "placeOrder", [signing.place_biz(no) for no in existing]
    )
    files = {
        "getOrder": bench.signed(
            f"{SCENARIO}-get",
            "getOrder",
            [
                {"merchantOrderNo": existing[i % len(existing)]}
                for i in range(500 if smoke else 2000)
            ],
        ),
        # a new merchantOrderNo a request (a wrap is a replay: run.py's _problems flags it)
        "placeOrder": bench.signed(
            f"{SCENARIO}-place",
            "placeOrder",
            [
                signing.place_biz(no)
                for no in bench.order_nos(math.ceil(PLACE_RATE * load.duration_s))
            ],
        ),
    }
    template = f"botimpay_bench_{bench.run_id}_workers"
    rows: list[dict[str, Any]] = []
    try:
        with servers.fresh_database(BACKEND, bench.workdir, template) as template_url:
            servers.init_database(
                template_url,
                mode="production",
                key_dir=bench.workdir / f"keys-{BACKEND}-workers",
                partner_id=partner_id,
                name="Bench",
                public_key=bench.merchant_pub,
            )
            for workers in WORKERS:
                rows += _one_count(bench, template_url, workers, load, setup, files)
    except Exception as error:  # rows that say so; the run goes on and writes its JSON
        rows += _failed(rows, WORKERS, error)
    by_key = {(row["api"], row["workers"]): row for row in rows}
    for api in APIS:
        two, four = by_key[(api, 2)], by_key[(api, 4)]
        if two["rps"] and four["requests"]:
            four["ratio_4_vs_2"] = round(four["rps"] / two["rps"], 3)
    return rows


def _one_count(
    bench: Bench,
    template_url: str,
    workers: int,
    load: wrk.Load,
    setup: Path,
    files: dict[str, Path],
) -> list[dict[str, Any]]:
    """Both APIs against one gateway with `workers` processes on its own database."""
    rows: list[dict[str, Any]] = []
    try:
        with _copy_of(template_url, f"{template_url.rsplit('/', 1)[1]}{workers}") as db_url:
            t0 = time.monotonic()
            server = servers.start_gateway(db_url, bench.workdir, workers=workers)
            try:
                _wait_idle(server, workers)
                startup_s = round(time.monotonic() - t0, 1)
                send_file(server.url, setup)
                for api in APIS:
                    name = f"{SCENARIO}/{api}/{workers}w"
                    result = bench.measure(name, server, files[api], load=load)
                    pids = procstat.tree(server.process.pid)
                    result["rss_total_mib"] = round(procstat.rss_kib(pids) / 1024, 1)
                    result["startup_s"] = startup_s
                    rows.append(_row(workers, api, result))
            finally:
                server.stop()
    except Exception as error:  # as above: the other count still runs
        rows += _failed(rows, (workers,), error)
    return rows


@contextlib.contextmanager
def _copy_of(template_url: str, name: str) -> Iterator[str]:
    """A new database copied from the (initialised, unused) template; dropped afterwards."""
    base, template = template_url.rsplit("/", 1)
    created = subprocess.run(  # noqa: S603 (argv built here)
        [*servers.PG_ADMIN, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        raise RuntimeError(f"CREATE DATABASE {name} failed: {created.stderr.strip()}")
    try:
        yield f"{base}/{name}"
    finally:
        servers.drop_pg_database(name)


def _wait_idle(server: servers.Server, workers: int) -> None:
    """Until `workers` worker processes exist and none used CPU for two 0.25 s samples."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    before: dict[int, float] = {}
    quiet = 0
    while time.monotonic() < deadline:
        pids = worker_pids(server.process.pid)
        now = procstat.cpu_seconds(pids)
        busy = len(pids) != workers or set(now) != set(before)
        quiet = 0 if busy or procstat.cpu_delta(before, now) > 0.02 else quiet + 1
        if quiet >= 2:
            return
        before = now
        time.sleep(0.25)
    raise RuntimeError(f"the gateway's {workers} workers were not all idle in {IDLE_TIMEOUT_S} s")


def _failed(
    rows: list[dict[str, Any]], counts: tuple[int, ...], error: Exception
) -> list[dict[str, Any]]:
    """Error rows for every (api, workers) of `counts` that has no row yet."""
    done = {(row["api"], row["workers"]) for row in rows}
    sample = f"{type(error).__name__}: {error}"[-500:]
    failed = {"requests": 0, "rps": 0.0, "errors": 1, "error_sample": sample}
    return [
        _row(workers, api, dict(failed))
        for workers in counts
        for api in APIS
        if (api, workers) not in done
    ]


def _row(workers: int, api: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"scenario": SCENARIO, "backend": BACKEND, "api": api, "workers": workers, **result}
