"""The notification dispatcher's benchmark: deliveries per second, and a backlog drained
in flat memory.

Target (issue): `botimpay worker` delivers >= 2,000 notifications/s to a fast local
merchant. Each scenario starts the workers an operator would run (two, one a core,
like `serve --workers 2`) on an empty outbox and waits until they idle; then it
inserts N due PAYMENT notifications in one transaction (rows exactly as a payment
enqueues them, built from a paid Order by the gateway's own code), times the
workers from the first POST the receiver (bench/receiver.py) sees to the last, and
checks in the database that every row is DELIVERED with one SUCCESS attempt.

  dispatch          20,000 rows: throughput
  dispatch_backlog  100,000 rows: throughput over a long drain, and RSS growth

CPU is the workers' (not the receiver's or the database's) from before the rows
exist to the end. `rss_growth_mib` is the highest RSS (summed over the workers) in
the last quarter of the drain minus the highest in the first quarter: a dispatcher
whose memory grows with the work done (leaked tasks, caches) shows it here.

    python -m bench.dispatcher [--smoke] [--backends sqlite,postgresql] [--workers N]
                               [--scenarios dispatch[=ROWS],dispatch_backlog[=ROWS]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from bench import procstat, servers, signing
from bench.servers import BIN, Server
from botimpay.domain.merchant import DEFAULT_FEE_RATE
from botimpay.domain.notification import NotificationKind, NotificationStatus
from botimpay.domain.order import Order, OrderStatus, Pay, transition
from botimpay.domain.payment import Method
from botimpay.domain.scenes import SceneParams
from botimpay.protocol.money import Money
from botimpay.services.notifications import new_notify_id
from botimpay.services.orders import new_order_no, new_token
from botimpay.services.views import acquire_order
from botimpay.store import jsonfield
from botimpay.store.database import open_database
from botimpay.store.tables import notification_attempts, notifications

PARTNER_ID = "300000000002"
BACKENDS = ("sqlite", "postgresql")
SCENARIOS = {"dispatch": 20_000, "dispatch_backlog": 100_000}
SMOKE_ROWS = 200
CHUNK = 5_000  # rows a seeding transaction
STALL_S = 30.0  # no new delivery for this long ends a scenario (its rows count as errors)
POLL_S = 0.05


@dataclass(frozen=True)
class Setup:
    """How the dispatcher runs: what an operator draining one busy merchant would choose."""

    workers: int = 2  # `botimpay worker` processes: one a core, like `serve --workers 2`
    per_merchant: int = 32  # --notify-per-merchant (the dispatcher's in-flight cap is 32)


# --- rows exactly as a paid order enqueues them ----------------------------------


def _paid_order(i: int, created_at: int, notify_url: str) -> Order:
    placed = Order(
        order_no=new_order_no(created_at),
        partner_id=PARTNER_ID,
        merchant_order_no=f"D{created_at}-{i}",
        fingerprint="0" * 64,
        status=OrderStatus.CREATED,
        total=Money(1000 + i % 9000),
        subject="Bench order",
        scene_code="JSAPI",
        scene=SceneParams(),
        payee_mid=PARTNER_ID,
        request_time=created_at - 30_000,
        expired_time=created_at + 7_170_000,
        created_at=created_at - 30_000,
        updated_at=created_at - 30_000,
        token=new_token(),
        notify_url=notify_url,
        details={"accessoryContent": {}},
    )
    fee = placed.total.times_rate(Decimal(DEFAULT_FEE_RATE))
    paid, _effects = transition(
        placed, Pay(f"10000000000{i % 10}", Method.BALANCE, fee), created_at
    )
    return paid


def outbox_row(i: int, created_at: int, notify_url: str) -> dict[str, Any]:
    """What outbox_repo.enqueue inserts for the payment of order `i` at `created_at`."""
    order = _paid_order(i, created_at, notify_url)
    return {
        "notify_id": new_notify_id(created_at),
        "partner_id": PARTNER_ID,
        "kind": NotificationKind.PAYMENT.value,
        "subject_no": order.order_no,
        "url": notify_url,
        "payload": jsonfield.dumps({"acquireOrder": acquire_order(order)}),
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": created_at,
        "claimed_until": None,
        "created_at": created_at,
    }


async def seed(db_url: str, notify_url: str, n: int) -> int:
    """Inserts `n` due notifications in one transaction, one per past millisecond (so
    notify_ids are unique); returns the highest outbox id before them."""
    db = open_database(db_url, pool_size=1)
    try:
        async with db.read() as conn:
            base_id = int(await conn.scalar(select(func.max(notifications.c.id))) or 0)
        oldest = int(time.time() * 1000) - n - 1000
        async with db.write() as conn:  # all due at once: dispatchers see none or all
            for start in range(0, n, CHUNK):
                rows = [
                    outbox_row(i, oldest + i, notify_url)
                    for i in range(start, min(n, start + CHUNK))
                ]
                await conn.execute(insert(notifications), rows)
        return base_id
    finally:
        await db.dispose()


async def outbox_state(db_url: str, base_id: int) -> dict[str, int]:
    """Rows after `base_id` by status, and their attempts that were not a SUCCESS."""
    db = open_database(db_url, pool_size=1)
    try:
        async with db.read() as conn:
            result = await conn.execute(
                select(notifications.c.status, func.count())
                .where(notifications.c.id > base_id)
                .group_by(notifications.c.status)
            )
            by_status = {status: count for status, count in result}
            failed_attempts = await conn.scalar(
                select(func.count())
                .select_from(notification_attempts)
                .where(
                    notification_attempts.c.notification_id > base_id,
                    notification_attempts.c.outcome != "SUCCESS",
                )
            )
    finally:
        await db.dispose()
    return {
        "delivered": int(by_status.get(NotificationStatus.DELIVERED.value, 0)),
        "pending": int(by_status.get(NotificationStatus.PENDING.value, 0)),
        "failed": int(by_status.get(NotificationStatus.FAILED.value, 0)),
        "failed_attempts": int(failed_attempts or 0),
    }


# --- processes --------------------------------------------------------------------


def start_worker(db_url: str, workdir: Path, name: str, setup: Setup) -> Server:
    argv = [
        str(BIN / "botimpay"),
        "worker",
        "--db",
        db_url,
        "--mode",
        "production",
        "--notify-per-merchant",
        str(setup.per_merchant),
        "--notify-allow-cidr",  # the receiver runs on loopback
        "127.0.0.0/8",
        "--log-level",
        "warning",
    ]
    return servers._spawn(name, argv, workdir / f"{name}.log")


# --- one measured drain -------------------------------------------------------------


@dataclass
class Tally:
    posts: int = 0
    unique: int = 0
    duplicates: int = 0
    first_at: float | None = None
    last_at: float | None = None


def _tally(client: httpx.Client) -> Tally:
    return Tally(**client.get("/count").json())


def wait_idle(pids: Callable[[], list[int]], check_alive: Callable[[], None]) -> None:
    """Until every process sleeps (started, polling an empty outbox) on 3 polls in a row."""
    deadline = time.monotonic() + 60
    quiet = 0
    while quiet < 3:
        check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not settle within 60 s")
        quiet = quiet + 1 if all(procstat.state(p) == "S" for p in pids()) else 0
        time.sleep(0.05)


def _growth_mib(samples_kib: list[int]) -> float | None:
    if len(samples_kib) < 2:
        return None
    quarter = max(1, len(samples_kib) // 4)
    return round((max(samples_kib[-quarter:]) - max(samples_kib[:quarter])) / 1024, 1)


def drain(
    db_url: str, workdir: Path, name: str, n: int, setup: Setup, sample_s: float
) -> dict[str, Any]:
    """Seeds `n` rows, runs the workers until the receiver has them all, measures."""
    receiver = servers.start_receiver(workdir)
    client = httpx.Client(base_url=receiver.url, timeout=10)
    workers: list[Server] = []
    try:
        workers = [
            start_worker(db_url, workdir, f"worker-{name}-{i}", setup) for i in range(setup.workers)
        ]

        def pids() -> list[int]:
            return [pid for w in workers for pid in procstat.tree(w.process.pid)]

        def check_alive() -> None:
            for w in workers:
                if w.process.poll() is not None:
                    log = (workdir / f"{w.name}.log").read_text()[-3000:]
                    raise RuntimeError(f"{w.name} exited:\n{log}")

        # Started and idle before the rows exist (one transaction), so the measured
        # window holds neither their start-up nor a half-seeded outbox.
        wait_idle(pids, check_alive)
        cpu_before = procstat.cpu_seconds(pids())
        base_id = asyncio.run(seed(db_url, receiver.url + "/notify", n))
        deadline = time.monotonic() + 60
        tally = _tally(client)
        while tally.posts == 0:
            check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError("no notification delivered within 60 s of seeding")
            time.sleep(0.01)
            tally = _tally(client)
        samples = [procstat.rss_kib(pids())]
        next_sample = time.monotonic() + sample_s
        progress_at, progress = time.monotonic(), tally.unique
        while tally.unique < n:
            check_alive()
            now = time.monotonic()
            if now >= next_sample:
                samples.append(procstat.rss_kib(pids()))
                next_sample += sample_s
            if tally.unique > progress:
                progress_at, progress = now, tally.unique
            elif now - progress_at > STALL_S:
                break
            time.sleep(POLL_S)
            tally = _tally(client)
        # each attempt is recorded just after its POST: wait for the last records
        deadline = time.monotonic() + 10
        state = asyncio.run(outbox_state(db_url, base_id))
        while state["delivered"] + state["failed"] < n and time.monotonic() < deadline:
            time.sleep(0.1)
            state = asyncio.run(outbox_state(db_url, base_id))
        final = pids()
        samples.append(procstat.rss_kib(final))
        cpu = procstat.cpu_delta(cpu_before, procstat.cpu_seconds(final))
        peak_kib = procstat.peak_rss_kib(final)
    finally:
        client.close()
        for w in workers:
            w.stop()
        receiver.stop()
    assert tally.first_at is not None
    assert tally.last_at is not None
    duration = tally.last_at - tally.first_at
    delivered = state["delivered"]
    return {
        "deliveries": delivered,
        "duration_s": round(duration, 2),
        "deliveries_per_s": round((delivered - 1) / duration, 1) if duration > 0 else None,
        "errors": (n - delivered) + state["failed_attempts"],
        "undelivered": n - delivered,
        "failed_attempts": state["failed_attempts"],
        "redelivered": tally.duplicates,
        "cpu_s_per_1k_deliveries": round(cpu / delivered * 1000, 3) if delivered else None,
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "rss_growth_mib": _growth_mib(samples),
        "rss_samples_mib": [round(s / 1024, 1) for s in samples],
        "workers": setup.workers,
        "per_merchant": setup.per_merchant,
    }


# --- scenarios ------------------------------------------------------------------------


def _prepare(db_url: str, workdir: Path, backend: str) -> None:
    """A production database with the bench merchant, as an operator would set it up."""
    public_key = workdir / "dispatcher-merchant-public.pem"
    if not public_key.exists():
        public_key.write_bytes(signing.public_pem(signing.new_key_pem()))
    servers.init_database(
        db_url,
        mode="production",
        key_dir=workdir / f"keys-{backend}",
        partner_id=PARTNER_ID,
        name="Dispatcher bench",
        public_key=public_key,
    )


def run_dispatcher_scenarios(
    workdir: Path,
    backends: list[str],
    smoke: bool,
    *,
    setup: Setup | None = None,
    scenarios: dict[str, int | None] | None = None,
) -> list[dict[str, Any]]:
    """Every dispatcher scenario (or those named, with their row counts if given) on
    every backend; one result dict each."""
    setup = setup or Setup()
    default = {name: SMOKE_ROWS if smoke else n for name, n in SCENARIOS.items()}
    chosen = scenarios or dict.fromkeys(SCENARIOS)
    sizes = {name: n or default[name] for name, n in chosen.items()}
    sample_s = 0.25 if smoke else 1.0
    started = time.monotonic()
    out: list[dict[str, Any]] = []
    for backend in backends:
        db_name = f"botimpay_dispatch_{uuid.uuid4().hex[:8]}"
        with servers.fresh_database(backend, workdir, db_name) as db_url:
            _prepare(db_url, workdir, backend)
            for scenario, n in sizes.items():
                result = drain(db_url, workdir, f"{scenario}-{backend}", n, setup, sample_s)
                out.append({"scenario": scenario, "backend": backend, **result})
                print(
                    f"  [{time.monotonic() - started:5.1f} s] {scenario + '/' + backend:28}"
                    f" {result['deliveries_per_s']:9.1f} deliveries/s"
                    f"  rss growth {result['rss_growth_mib']} MiB  errors {result['errors']}",
                    file=sys.stderr,
                    flush=True,
                )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ROWS} rows a scenario")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--workers", type=int, default=Setup.workers, help="worker processes")
    parser.add_argument(
        "--per-merchant", type=int, default=Setup.per_merchant, help="--notify-per-merchant"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        metavar="NAME[=ROWS],...",
        help="which scenarios, optionally with their row count",
    )
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    scenarios: dict[str, int | None] = {}
    for item in args.scenarios.split(","):
        name, _, count = item.partition("=")
        if name not in SCENARIOS or (count and not count.isdigit()) or count == "0":
            parser.error(f"--scenarios {item!r}: expected {' or '.join(SCENARIOS)}[=ROWS]")
        scenarios[name] = int(count) if count else None
    setup = Setup(workers=args.workers, per_merchant=args.per_merchant)
    with tempfile.TemporaryDirectory(prefix="botimpay-dispatch-") as tmp:
        results = run_dispatcher_scenarios(
            Path(tmp), backends, args.smoke, setup=setup, scenarios=scenarios
        )
    print(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
