"""Generation: the wall time of regenerating the client (`tools/generate.py --check`).

`--check` runs the whole generator (openapi-python-client, its ruff post-hooks and the
post-processing) into a temporary folder and compares, so the tree is not modified; its exit
status says whether `generated/` is current.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from ._common import ROOT, summary


def run(runs: int = 3) -> dict[str, Any]:
    """Time `runs` runs of `tools/generate.py --check`."""
    walls: list[float] = []
    code, tail = 0, ""
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "tools/generate.py", "--check"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        walls.append(time.perf_counter() - t0)
        code = out.returncode
        if code != 0:
            lines = (out.stderr or out.stdout).strip().splitlines()
            tail = lines[0][:200] if lines else ""
    return {
        "method": "python tools/generate.py --check (generate into a temp dir and compare)",
        "runs": runs,
        "wall_s": summary(walls, 2),
        "returncode": code,
        "up_to_date": code == 0,
        "note": tail,
        "seconds": round(sum(walls), 1),
    }
