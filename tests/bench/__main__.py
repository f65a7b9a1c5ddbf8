"""Run every benchmark and write `results.md` and `results.json` next to this file.

    python -m tests.bench                  # everything (under 10 minutes on 2 cores)
    python -m tests.bench --only polling   # one measurement (repeatable)
    python -m tests.bench --quick          # smaller sizes, for trying changes

A measurement that raises is recorded as failed in both files; the others still run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import (
    batch,
    callbacks,
    coldstart,
    generation,
    overhead,
    polling,
    scale,
    startup,
    wait_many,
)
from ._common import machine
from .report import render

HERE = Path(__file__).resolve().parent

FULL: dict[str, Callable[[], dict[str, Any]]] = {
    "startup": startup.run,
    "coldstart": coldstart.run,
    "generation": generation.run,
    "overhead": overhead.run,
    "polling": polling.run,
    "callbacks": callbacks.run,
    "wait_many": wait_many.run,
    "scale": scale.run,
    # The same with a connection pool as large as the number of waits: what limits `scale`.
    "scale_wide_pool": lambda: scale.run(pool=1100),
    "batch": batch.run,
}
QUICK: dict[str, Callable[[], dict[str, Any]]] = {
    "startup": lambda: startup.run(runs=5, cli_runs=2),
    "coldstart": lambda: coldstart.run(runs=4),
    "generation": lambda: generation.run(runs=1),
    "overhead": lambda: overhead.run(calls=300, blocks=3),
    "polling": lambda: polling.run(tasks=100),
    "callbacks": lambda: callbacks.run(tasks=50),
    "wait_many": lambda: wait_many.run(sizes=(10, 100)),
    "scale": lambda: scale.run(tasks=200, speed=16.0),
    "scale_wide_pool": lambda: scale.run(tasks=200, speed=16.0, pool=220),
    "batch": lambda: batch.run(jobs=50),
}


def main(argv: list[str] | None = None) -> int:
    """Run the selected measurements, write both result files, print the table."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--only", action="append", choices=sorted(FULL), default=[])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (not for results)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the result files")
    args = parser.parse_args(argv)
    suite = QUICK if args.quick else FULL
    names = args.only or list(suite)
    started = time.perf_counter()
    measured: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        sys.stderr.write(f"bench: {name} ...\n")
        try:
            measured[name] = suite[name]()
        except Exception as exc:  # recorded, not fatal: the other figures still count
            measured[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            traceback.print_exc()
        sys.stderr.write(f"bench: {name} took {time.perf_counter() - t0:.1f} s\n")
    results = {
        "machine": machine(),
        "quick": args.quick,
        "total_seconds": round(time.perf_counter() - started, 1),
        "measurements": measured,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = render(results)
    (args.out / "results.md").write_text(table)
    sys.stdout.write(table)
    return 1 if any("error" in m for m in measured.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
