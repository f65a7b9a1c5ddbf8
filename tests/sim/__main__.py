"""`make simulate`: `python -m tests.sim [--seed S] [--hours H] [--jobs N]`, or one run
replayed with `--run SEED`. The last line is `simulation: H task-hours, R runs, V violations
(seed S)`; every violation is printed with its run's seed and a shrunk scenario as a test."""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections import defaultdict

from tests.sim.scenario import draw
from tests.sim.simulate import run_seed, shrunk_test, simulate

# Shrinking reruns a scenario many times: the first few violations of each invariant are
# shrunk, the rest listed by seed.
_SHRINK_PER_KIND = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sim", description=__doc__)
    parser.add_argument("--seed", type=int, default=None, help="replay this simulation")
    parser.add_argument("--hours", type=float, default=100_000.0, help="task-hours to reach")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-runs", type=int, default=None)
    parser.add_argument("--run", type=int, default=None, help="replay one run by its seed")
    parser.add_argument("--no-shrink", action="store_true")
    args = parser.parse_args(argv)
    if args.run is not None:
        seed, hours, _, violations = run_seed(args.run)
        print(draw(seed))
        for violation in violations:
            print(f"seed {seed}: {violation}")
        found = len(violations)
        print(f"simulation: {hours:.0f} task-hours, 1 runs, {found} violations (seed {seed})")
        return 1 if violations else 0
    master = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    started = time.monotonic()
    summary = simulate(master, hours=args.hours, jobs=args.jobs, max_runs=args.max_runs)
    wall = time.monotonic() - started
    by_kind: dict[str, list[int]] = defaultdict(list)
    for finding in summary.findings:
        for violation in finding.violations:
            label = violation.split(":", 1)[0]
            by_kind[label].append(finding.seed)
            print(f"seed {finding.seed}: {violation}")
            if not args.no_shrink and len(by_kind[label]) <= _SHRINK_PER_KIND:
                print(shrunk_test(finding.seed, violation), end="\n\n")
    for label, runs in sorted(by_kind.items()):
        print(f"  {label}: {len(runs)} runs, seeds {', '.join(map(str, runs[:5]))}")
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    print(f"{summary.requests} requests; wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(summary.line())
    return 1 if summary.violations else 0


if __name__ == "__main__":
    sys.exit(main())
