"""placeOrder and getOrder against the floor, SQLite only, at `make bench`'s load.

A two-minute check for refactors that must stay within noise (issue 11):
`python -m bench.ratios` prints one JSON line; run it on the old and the new tree
back to back on the same machine, twice each, and compare `ratio_to_floor`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench import wrk
from bench.run import Bench

SCENARIOS = ("placeOrder", "getOrder")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="botimpay-ratios-") as tmp:
        bench = Bench(wrk.Load(2, 64, 10), Path(tmp))
        floor = bench.floor()
        rows = bench.backend("sqlite", floor["rps"], "production")
    out: dict[str, Any] = {"floor_rps": floor["rps"]}
    for row in rows:
        if row["scenario"] in SCENARIOS:
            out[row["scenario"]] = {
                "rps": row["rps"],
                "ratio_to_floor": round(row["rps"] / floor["rps"], 3),
                "errors": row["errors"],
                "cpu_s_per_1k": row["cpu_s_per_1k_requests"],
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
