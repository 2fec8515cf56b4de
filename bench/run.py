"""`make bench` / `make bench-smoke`: every scenario on every backend, the floor and the peer.

Writes bench/results/latest.json; with --smoke, exits 1 if any scenario had errors or no
requests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import procstat, servers, signing, wrk
from bench.console_orders import run_console_scenarios
from bench.dispatcher import run_dispatcher_scenarios
from bench.prepare import place_and_pay, send_file
from bench.query_pages import run_query_page_scenarios
from bench.scale import run_scale_scenarios
from bench.servers import Server
from bench.workers import run_workers_scenarios, skipped

PARTNER_ID = "300000000001"
RESULTS = Path(__file__).resolve().parent / "results"
BACKENDS = ("sqlite", "postgresql")
# placeOrder and cancelOrder must not run out of unique requests (a wrap is a replay)
UNIQUE = ("placeOrder", "cancelOrder", "refund", "place_pay_notify")
REFUNDS_PER_ORDER = 10
PAYER_PHONE = "+971560000001"  # a sandbox test wallet (paying with the test card)
NOTIFY_WAIT_S = 60.0
BUDGET_S = 14 * 60.0  # make bench must finish in 15 minutes
SCALE_FIXED_S = 75.0  # the scale scenarios' load and 10k/1M windows, before the memory run


class Bench:
    def __init__(self, load: wrk.Load, workdir: Path) -> None:
        self.load = load
        self.workdir = workdir
        self.merchant_pem = signing.new_key_pem()
        self.merchant_key = workdir / "merchant-private.pem"
        self.merchant_pub = workdir / "merchant-public.pem"
        self.merchant_key.write_bytes(self.merchant_pem)
        self.merchant_pub.write_bytes(signing.public_pem(self.merchant_pem))
        self.run_id = uuid.uuid4().hex[:8]
        self.counter = 0
        self.started = time.monotonic()
        # the most requests/s a paying scenario is given unique requests for: above what
        # refunds reach on this machine (a 1 s smoke run once served 1,628/s of 1,500)
        self.rate_cap = 3000.0

    def order_nos(self, n: int) -> list[str]:
        start, self.counter = self.counter, self.counter + n
        return [f"B{self.run_id}-{i}" for i in range(start, start + n)]

    def signed(self, name: str, api: str, bizs: list[dict[str, object]]) -> Path:
        path = self.workdir / f"{name}.requests"
        signing.write_signed(path, f"/sgs/api/acquire2/{api}", PARTNER_ID, self.merchant_pem, bizs)
        return path

    def measure(
        self,
        name: str,
        server: Server,
        requests_file: Path,
        load: wrk.Load | None = None,
        **wrk_options: Any,
    ) -> dict[str, Any]:
        """One wrk run at `load` (default: the run's) plus the server tree's CPU and RSS."""
        log = self.workdir / f"{name.replace('/', '-')}.wrk.log"
        before = procstat.cpu_seconds(procstat.tree(server.process.pid))
        result = wrk.run(server.url, requests_file, load or self.load, log, **wrk_options)
        pids = procstat.tree(server.process.pid)
        cpu = procstat.cpu_delta(before, procstat.cpu_seconds(pids))
        requests = result["requests"]
        result["cpu_s_per_1k_requests"] = round(cpu / requests * 1000, 3) if requests else None
        result["peak_rss_mib"] = round(procstat.peak_rss_kib(pids) / 1024, 1)
        elapsed = time.monotonic() - self.started
        print(
            f"  [{elapsed:5.1f} s] {name:24} {result['rps']:9.1f} req/s"
            f"  p99 {result['latency_ms']['p99']:8.2f} ms  errors {result['errors']}",
            flush=True,
        )
        return result

    def floor(self) -> dict[str, Any]:
        response_key = self.workdir / "floor-private.pem"
        response_key.write_bytes(signing.new_key_pem())
        n = 500 if self.load.duration_s < 5 else 2000
        requests_file = self.signed(
            "floor", "placeOrder", [signing.place_biz(no) for no in self.order_nos(n)]
        )
        server = servers.start_floor(self.merchant_pub, response_key, self.workdir)
        try:
            result = self.measure("floor", server, requests_file)
        finally:
            server.stop()
        return {"scenario": "floor", "backend": None, **result}

    def backend(self, backend: str, floor_rps: float, mode: str) -> list[dict[str, Any]]:
        """One gateway on a fresh database: production mode for the merchant API scenarios,
        sandbox mode for those that pay orders (refund, the place -> pay -> notify loop).
        mode "both" (the smoke run): every scenario on one sandbox gateway."""
        kinds = (
            ("api", "paying")
            if mode == "both"
            else (("paying",) if mode == "sandbox" else ("api",))
        )
        mode = "sandbox" if mode == "both" else mode
        db_name = f"botimpay_bench_{self.run_id}_{mode}"
        with servers.fresh_database(backend, self.workdir, db_name) as db_url:
            servers.init_database(
                db_url,
                mode=mode,
                key_dir=self.workdir / f"keys-{backend}-{mode}",
                partner_id=PARTNER_ID,
                name="Bench",
                public_key=self.merchant_pub,
            )
            server = servers.start_gateway(db_url, self.workdir, mode=mode)
            try:
                out: list[dict[str, Any]] = []
                if "api" in kinds:
                    out += self.scenarios(backend, server, floor_rps)
                if "paying" in kinds:
                    out += self.paying_scenarios(backend, server, floor_rps)
                return out
            finally:
                server.stop()

    def scenarios(self, backend: str, server: Server, floor_rps: float) -> list[dict[str, Any]]:
        """placeOrder, getOrder and cancelOrder against one running gateway."""
        d = self.load.duration_s
        out: list[dict[str, Any]] = []

        def record(name: str, requests_file: Path) -> dict[str, Any]:
            result = {
                "scenario": name,
                "backend": backend,
                **self.measure(f"{name}/{backend}", server, requests_file),
            }
            out.append(result)
            return result

        # getOrder's orders are placed first; that untimed pass also sizes placeOrder
        existing = self.order_nos(100 if d < 5 else 500)
        setup_file = self.signed(
            f"get-setup-{backend}", "placeOrder", [signing.place_biz(no) for no in existing]
        )
        t0 = time.monotonic()
        send_file(server.url, setup_file)
        setup_rps = len(existing) / (time.monotonic() - t0)

        # placeOrder: every request a new merchantOrderNo (4x the untimed rate, at least 3,000/s
        # and at most the floor: the untimed pass can run slow, the timed one must not run out)
        n_place = math.ceil(min(floor_rps, max(3000.0, setup_rps * 4)) * d)
        place = record(
            "placeOrder",
            self.signed(
                f"place-{backend}",
                "placeOrder",
                [signing.place_biz(no) for no in self.order_nos(n_place)],
            ),
        )

        # getOrder: reads of the orders placed above
        record(
            "getOrder",
            self.signed(
                f"get-{backend}",
                "getOrder",
                [
                    {"merchantOrderNo": existing[i % len(existing)]}
                    for i in range(500 if d < 5 else 2000)
                ],
            ),
        )

        # cancelOrder: one pre-placed order per request (1.6x what placeOrder reached: on
        # PostgreSQL a cancel runs faster than a place, and a replayed cancel is an error)
        n_cancel = max(100 if d < 5 else 300, math.ceil(place["rps"] * d * (2.0 if d < 5 else 1.6)))
        to_cancel = self.order_nos(n_cancel)
        send_file(
            server.url,
            self.signed(
                f"cancel-setup-{backend}", "placeOrder", [signing.place_biz(no) for no in to_cancel]
            ),
        )
        record(
            "cancelOrder",
            self.signed(
                f"cancel-{backend}", "cancelOrder", [{"merchantOrderNo": no} for no in to_cancel]
            ),
        )
        return out

    def paying_scenarios(
        self, backend: str, server: Server, floor_rps: float
    ) -> list[dict[str, Any]]:
        """refund (partial refunds of paid orders) and the place -> pay -> notify loop."""
        d = self.load.duration_s
        out: list[dict[str, Any]] = []
        # refund: ten AED 1.00 refunds of each paid AED 12.34 order, spread over the orders
        n_refunds = math.ceil(min(floor_rps, self.rate_cap) * d)
        paid = self.order_nos(math.ceil(n_refunds / REFUNDS_PER_ORDER))
        place_and_pay(
            server.url,
            self.signed(
                f"refund-setup-{backend}", "placeOrder", [signing.place_biz(n) for n in paid]
            ),
            PAYER_PHONE,
        )
        refunds = [
            {
                "refundMerchantOrderNo": f"R{self.run_id}-{i}",
                "originMerchantOrderNo": paid[i % len(paid)],
                "amount": {"amount": 1.00, "currency": "AED"},
            }
            for i in range(n_refunds)
        ]
        out.append(
            {
                "scenario": "refund",
                "backend": backend,
                **self.measure(
                    f"refund/{backend}",
                    server,
                    self.signed(f"refund-{backend}", "refund/placeOrder", refunds),
                ),
            }
        )
        out.append(self.loop(backend, server, floor_rps))
        return out

    def loop(self, backend: str, server: Server, floor_rps: float) -> dict[str, Any]:
        """place -> pay -> notify: wrk places and pays; every payment notifies the receiver."""
        receiver = servers.start_receiver(self.workdir)
        try:
            # each loop is two requests (place, pay): orders for 60% of the cap's request rate
            n_orders = math.ceil(min(floor_rps, self.rate_cap) * self.load.duration_s * 0.6)
            bizs = [
                {**signing.place_biz(no), "notifyUrl": f"{receiver.url}/notify"}
                for no in self.order_nos(n_orders)
            ]
            result = self.measure(
                f"loop/{backend}",
                server,
                self.signed(f"loop-{backend}", "placeOrder", bizs),
                loop_phone=PAYER_PHONE,
            )
            paid = result.get("paid", 0)
            result["loops_per_s"] = round(paid / result["duration_s"], 1) if paid else 0.0
            deadline = time.monotonic() + NOTIFY_WAIT_S
            counts = servers.receiver_count(receiver)
            while counts["unique"] < paid and time.monotonic() < deadline:
                time.sleep(0.2)
                counts = servers.receiver_count(receiver)
            result["notified"] = counts["unique"]
            result["notify_duplicates"] = counts["duplicates"]
            result["notified_within_s"] = NOTIFY_WAIT_S
            if counts["unique"] < paid:
                result["errors"] += paid - counts["unique"]
                result.setdefault(
                    "error_sample", f"{paid - counts['unique']} payments not notified in time"
                )
            return {"scenario": "place_pay_notify", "backend": backend, **result}
        finally:
            receiver.stop()

    def localstripe(self) -> dict[str, Any] | str:
        reason = servers.peer_unavailable()
        if reason:
            return f"unavailable: {reason}"
        requests_file = self.workdir / "localstripe.requests"
        headers = (
            "Content-Type:application/x-www-form-urlencoded|Authorization:Bearer sk_test_bench"
        )
        requests_file.write_text(f"/v1/payment_intents\t{headers}\tamount=1234&currency=usd\n")
        try:
            server = servers.start_localstripe(self.workdir)
        except RuntimeError as error:
            return f"unavailable: {error}"
        try:
            return {
                "scenario": "localstripe",
                "backend": "memory",
                **self.measure("localstripe", server, requests_file),
            }
        finally:
            server.stop()


def dispatcher_scenarios(workdir: Path, backends: list[str], smoke: bool) -> list[dict[str, Any]]:
    """Smoke: both dispatcher scenarios everywhere. Full run (a time budget): the 100k
    backlog on SQLite (it also gives deliveries/s), the 20k throughput run on PostgreSQL."""
    if smoke:
        return run_dispatcher_scenarios(workdir, backends, smoke)
    out: list[dict[str, Any]] = []
    if "sqlite" in backends:
        out += run_dispatcher_scenarios(
            workdir, ["sqlite"], smoke, scenarios={"dispatch_backlog": None}
        )
    if "postgresql" in backends:
        out += run_dispatcher_scenarios(
            workdir, ["postgresql"], smoke, scenarios={"dispatch": None}
        )
    return out


def _problems(scenarios: list[dict[str, Any]]) -> list[str]:
    problems = []
    for s in scenarios:
        label = f"{s['scenario']}/{s['backend']}"
        if s["scenario"] == "workers_scaling":  # one row an (api, worker count)
            label += f" {s['api']} {s['workers']} workers"
        if not s.get("requests", s.get("deliveries")):
            problems.append(f"{label}: no requests")
        if s["errors"]:
            problems.append(f"{label}: {s['errors']} errors ({s.get('error_sample', '')})")
        unique = s["scenario"] in UNIQUE or s.get("api") in UNIQUE
        if unique and s["backend"] != "memory" and s.get("wrapped"):
            problems.append(f"{label}: ran out of unique pre-signed requests")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="~2 s a scenario, few connections")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if unknown := set(backends) - set(BACKENDS):
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if not wrk.available():
        print("wrk not found (apt-get install -y wrk)", file=sys.stderr)
        return 2
    load = wrk.Load(2, 8, 1) if args.smoke else wrk.Load(2, 64, 10)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="botimpay-bench-") as tmp:
        bench = Bench(load, Path(tmp))
        floor = bench.floor()
        scenarios: list[dict[str, Any]] = [floor]
        for backend in backends:
            if args.smoke:
                scenarios += bench.backend(backend, floor["rps"], "both")
            else:
                scenarios += bench.backend(backend, floor["rps"], "production")
                scenarios += bench.backend(backend, floor["rps"], "sandbox")
        workers_skipped = skipped(backends)
        if workers_skipped:
            print(f"  workers_scaling {workers_skipped}", flush=True)
        else:
            scenarios += run_workers_scenarios(bench, PARTNER_ID)
        scenarios += dispatcher_scenarios(Path(tmp), backends, args.smoke)
        scenarios += run_console_scenarios(Path(tmp), backends, args.smoke)
        scenarios += run_query_page_scenarios(Path(tmp), backends, args.smoke)
        peer = bench.localstripe()
        # scale last: its memory run takes what is left of the 15-minute budget
        spent = time.monotonic() - bench.started
        cap = None if args.smoke else int(max(120.0, BUDGET_S - spent - SCALE_FIXED_S))
        scale = run_scale_scenarios(bench, Path(tmp), args.smoke, memory_cap_s=cap)
    peer_rps = peer["rps"] if isinstance(peer, dict) else None
    scenarios += scale
    for s in scenarios[1:]:
        if "rps" in s and floor["rps"]:  # HTTP scenarios (the dispatcher reports deliveries/s)
            s["ratio_to_floor"] = round(s["rps"] / floor["rps"], 3)
        if s["scenario"] == "placeOrder" and peer_rps:
            s["ratio_to_localstripe"] = round(s["rps"] / peer_rps, 3)
    if isinstance(peer, dict):
        scenarios.append(peer)
    report: dict[str, Any] = {
        "cores": os.cpu_count(),
        "mode": "smoke" if args.smoke else "full",
        "load": {
            "threads": load.threads,
            "connections": load.connections,
            "duration_s": load.duration_s,
        },
        "gateway": "botimpay serve --mode production --workers 2 (durable commits)",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "wall_s": round(time.time() - started, 1),
        "scenarios": scenarios,
        "localstripe": peer if isinstance(peer, str) else "ok",
        "workers_scaling": workers_skipped or "ok",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output} in {report['wall_s']} s")
    problems = _problems(scenarios)
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if (args.smoke and problems) else 0


if __name__ == "__main__":
    sys.exit(main())
