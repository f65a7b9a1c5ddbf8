"""`make bench` through pytest: runs `python -m tests.bench` once and checks it wrote both files.

Benchmarks measure; they do not assert budgets (a missed budget is a row saying so in
`results.md`). Marked `bench`, so `make test` (`-m "not live and not bench"`) skips it.
`BENCH_ARGS` passes arguments to the runner (e.g. `--quick --out /tmp/bench`).
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from .__main__ import main

HERE = Path(__file__).resolve().parent


@pytest.mark.bench
def test_benchmarks_write_their_results() -> None:
    args = shlex.split(os.environ.get("BENCH_ARGS", ""))
    main(args)
    out = Path(args[args.index("--out") + 1]) if "--out" in args else HERE
    results = json.loads((out / "results.json").read_text())
    assert not [name for name, m in results["measurements"].items() if "error" in m]
    assert (out / "results.md").read_text().startswith("# haoee-kling benchmarks")
