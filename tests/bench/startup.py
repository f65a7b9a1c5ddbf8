"""Start-up: importing the client vs `import httpx` in fresh interpreters, and `kling --help`.

The client's side is `from haoee_kling import Kling`, what a user's first line does: a bare
`import haoee_kling` could look cheap by leaving everything to the first attribute. Each run is
a new `python` process that times its own import with perf_counter (the import's cost, without
interpreter start-up); the process's wall time is kept as well. The two imports alternate run
by run. `python -X importtime` lists the slowest modules (self time) of one client import.
`kling --help` is `python -m haoee_kling.cli --help`, timed whole.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from ._common import ROOT, cached_bytecode_env, percentile, summary

STATEMENTS = {"haoee_kling": "from haoee_kling import Kling", "httpx": "import httpx"}
_TIMED = "import time; t = time.perf_counter(); {0}; print(time.perf_counter() - t)"


def _import_once(module: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(STATEMENTS[module])],
        cwd=ROOT,
        env=cached_bytecode_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip()), time.perf_counter() - t0


def _importtime(module: str) -> dict[str, tuple[int, int]]:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", STATEMENTS[module]],
        cwd=ROOT,
        env=cached_bytecode_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows: dict[str, tuple[int, int]] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, total, name = line.removeprefix("import time:").split("|")
        rows[name.strip()] = (int(own), int(total))
    return rows


def _extra_modules(top: int) -> dict[str, Any]:
    """Modules the client's import loads that `import httpx` does not, by own time."""
    ours, base = _importtime("haoee_kling"), _importtime("httpx")
    extra = {name: row for name, row in ours.items() if name not in base}
    ranked = sorted(extra.items(), key=lambda item: item[1][0], reverse=True)
    return {
        "count": len(extra),
        "self_ms_total": round(sum(own for own, _ in extra.values()) / 1000, 1),
        "slowest": [
            f"{name}: self {own / 1000:.1f} ms (cumulative {total / 1000:.1f} ms)"
            for name, (own, total) in ranked[:top]
        ],
    }


def _cli(runs: int) -> dict[str, Any]:
    walls: list[float] = []
    code, tail = 0, ""
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "haoee_kling.cli", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append((time.perf_counter() - t0) * 1000)
        code = out.returncode
        if code != 0:
            tail = (out.stderr or out.stdout).strip().splitlines()[-1:][0][:200]
            break
    return {"returncode": code, "wall_ms": summary(walls, 1), "error": tail}


def run(runs: int = 25, cli_runs: int = 10) -> dict[str, Any]:
    """`runs` alternating imports of each module, plus `cli_runs` runs of `kling --help`."""
    started = time.perf_counter()
    modules = ("haoee_kling", "httpx")
    imports: dict[str, list[float]] = {m: [] for m in modules}
    walls: dict[str, list[float]] = {m: [] for m in modules}
    for module in modules:  # warm the OS file cache and the bytecode caches once
        _import_once(module)
    for _ in range(runs):
        for module in modules:
            own, wall = _import_once(module)
            imports[module].append(own * 1000)
            walls[module].append(wall * 1000)
    ours, base = imports["haoee_kling"], imports["httpx"]
    pairs = [a / b for a, b in zip(ours, base, strict=True)]
    return {
        "method": "fresh interpreter per run, the import timed inside it, alternating modules",
        "runs_each": runs,
        "import_ms": {m: summary(v, 1) for m, v in imports.items()},
        "process_wall_ms": {m: summary(v, 1) for m, v in walls.items()},
        "ratio_p50": round(percentile(ours, 50) / percentile(base, 50), 3),
        "pair_ratio": summary(pairs, 3),
        "process_ratio_p50": round(
            percentile(walls["haoee_kling"], 50) / percentile(walls["httpx"], 50), 3
        ),
        "extra_modules": _extra_modules(10),
        "cli_help": _cli(cli_runs),
        "seconds": round(time.perf_counter() - started, 1),
    }
