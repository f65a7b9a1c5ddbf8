"""Many runs from one seed: the scale run behind `make simulate`.

The runs of a simulation are the seeds `S * 1_000_000 + i` for i = 0, 1, ...: every one can be
replayed alone (`python -m tests.sim --run SEED`), and the whole simulation by its seed
(`make simulate SEED=S`). Runs go in batches of `BATCH` (every hundredth seed is a long
`wait_many` of 500 tasks lasting days, see `scenario.draw`) until the task-hours reach the goal,
so where a simulation stops depends only on its seed, never on how many workers ran it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.sim.run import run_scenario
from tests.sim.scenario import SCALE_EVERY, Scenario, as_pytest, draw, shrink

__all__ = ["BATCH", "Finding", "Summary", "run_seed", "simulate"]

# Four long wait_many runs a batch (each tens of seconds), the rest short: on two workers the
# long ones run side by side.
BATCH = 400


@dataclass(frozen=True)
class Finding:
    """One run's violations."""

    seed: int
    violations: tuple[str, ...]


@dataclass
class Summary:
    """What a simulation measured."""

    seed: int
    hours: float = 0.0
    runs: int = 0
    requests: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(len(f.violations) for f in self.findings)

    def line(self) -> str:
        """The last line `make simulate` prints."""
        return (
            f"simulation: {self.hours:.0f} task-hours, {self.runs} runs, "
            f"{self.violations} violations (seed {self.seed})"
        )


def run_seed(seed: int) -> tuple[int, float, int, tuple[str, ...]]:
    """One run of one seed, in a temporary folder: (seed, task-hours, requests, violations)."""
    with tempfile.TemporaryDirectory(prefix="kling-sim-") as folder:
        result = run_scenario(draw(seed), Path(folder))
    return seed, result.task_hours, result.requests, tuple(result.violations)


def seeds(master: int) -> Iterator[int]:
    """The run seeds of a simulation, in order."""
    i = 0
    while True:
        yield master * 1_000_000 + i
        i += 1


def simulate(master: int, *, hours: float, jobs: int, max_runs: int | None = None) -> Summary:
    """Run batches of seeds until `hours` task-hours (or `max_runs` runs) are simulated."""
    summary = Summary(master)
    source = seeds(master)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while summary.hours < hours and (max_runs is None or summary.runs < max_runs):
            batch = [next(source) for _ in range(BATCH)]
            # The long runs first, so no worker is left with one at the end of the batch.
            batch.sort(key=lambda seed: seed % SCALE_EVERY != 0)
            for seed, run_hours, requests, violations in pool.map(run_seed, batch):
                summary.runs += 1
                summary.hours += run_hours
                summary.requests += requests
                if violations:
                    summary.findings.append(Finding(seed, violations))
    summary.findings.sort(key=lambda finding: finding.seed)
    return summary


def shrunk_test(seed: int, violation: str) -> str:
    """The smallest scenario of a seed that still breaks the same invariant, as a test."""
    kind = violation.split(":", 1)[0]

    def fails(candidate: Scenario) -> bool:
        with tempfile.TemporaryDirectory(prefix="kling-sim-") as folder:
            found = run_scenario(candidate, Path(folder)).violations
        return any(v.split(":", 1)[0] == kind for v in found)

    return as_pytest(shrink(draw(seed), fails), violation)
