"""Running wrk with bench/wrk.lua and reading the JSON its done() prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "wrk.lua"


@dataclass(frozen=True)
class Load:
    threads: int
    connections: int
    duration_s: int


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    requests_file: Path,
    load: Load,
    log: Path,
    *,
    loop_phone: str | None = None,
) -> dict[str, Any]:
    """One timed wrk run; returns rps, latency percentiles (ms) and error counts.

    With loop_phone, the place -> pay loop (bench/wrk.lua): `paid` counts payments."""
    argv = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.duration_s}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        url,
        "--",
        str(requests_file),
        str(load.threads),
        *([loop_phone] if loop_phone else []),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr}")
    raw: dict[str, Any] = {}
    sample = ""
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
        elif line.startswith("BENCH_SAMPLE "):
            sample = line.removeprefix("BENCH_SAMPLE ").strip()
    if not raw:
        raise RuntimeError(f"wrk printed no BENCH_JSON:\n{result.stdout}{result.stderr}")
    seconds = raw["duration_us"] / 1e6
    errors = raw["bad_responses"] + raw["socket_errors"] + raw["timeouts"]
    out: dict[str, Any] = {
        "requests": raw["requests"],
        "duration_s": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            key: round(raw[f"{key}_us"] / 1000, 2) for key in ("p50", "p90", "p95", "p99", "max")
        },
        "errors": errors,
        "error_detail": {
            "bad_responses": raw["bad_responses"],
            "socket_errors": raw["socket_errors"],
            "timeouts": raw["timeouts"],
        },
        "wrapped": raw["wraps"],
    }
    if loop_phone:
        out["paid"] = raw["paid"]
    if sample:
        out["error_sample"] = sample
    return out
