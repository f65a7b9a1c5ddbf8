"""Scenarios: everything one simulated run does, drawn from a seed, shrunk, written as a test.

A `Scenario` is a flat record of knobs whose defaults are the benign world (a clean key, a
gateway that answers well, a task that takes a minute). `draw(seed)` turns a few knobs hostile
at once; `shrink` puts knobs back to their defaults one at a time while the run still breaks,
so what is left is the smallest world that shows the failure; `as_pytest` prints it as a test
that can be pasted into `tests/sim/test_found.py` as it is.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["OPERATIONS", "SCALE_EVERY", "Scenario", "as_pytest", "draw", "shrink"]

OPERATIONS = (
    "create",
    "wait",
    "create_and_wait",
    "wait_many",
    "iter_status",
    "download",
    "receiver",
    "batch",
)
CLEAN_KEY = "hk-sim-key-7a9c2e4f6b8d"
SCALE_EVERY = 100

# The values each hostile knob takes (the first entry of each is never drawn: the default).
RETRY_AFTER_FORMS = (
    None,
    "0",
    "-5",
    "nan",
    "0.25",
    "2.5",
    "31536000",
    "1e400",
    "date-past",
    "date-future",
    "ms:1",
    "ms:0",
    "ms:90000",
    "garbage",
)
HINT_ON = ("poll", "429", "503", "1303")
STATUS_ODDITIES = (None, "backwards", "unknown", "spelt", "id-changes", "repeat-pages")
FAULTS = (None, "connect", "reset", "timeout", "outage")
BODIES = (
    None,
    "empty",
    "html",
    "huge",
    "nested",
    "truncated",
    "data-null",
    "list-object",
    "redirect-other-host",
    "redirect-file-scheme",
)
MEDIA = (
    "mp4",
    "html",
    "empty",
    "json-error",
    "redirect-other-host",
    "redirect-file-scheme",
    "traversal-name",
    "expired",
)
CALLBACKS = (None, "lost", "duplicated", "reordered", "forged")
KEYS = (
    CLEAN_KEY,
    f"{CLEAN_KEY}\n",
    f"  {CLEAN_KEY}  ",
    f"{CLEAN_KEY}\r\nX-Evil: 1",
    "hk-sim-kéy-7a9c2e",
)
TIMEOUTS: tuple[float | None, ...] = (None, 900.0, 60.0, 3600.0, math.nan, math.inf, -1.0, 0.0)


@dataclass(frozen=True)
class Scenario:
    """One simulated run. Every default is the benign world; see the module docstring.

    Attributes:
        seed: the run's own seed (jitter, fault draws); the scenario is drawn from it too.
        operation: which client call the run makes (`OPERATIONS`).
        flavor: "sync" (`Kling`) or "async" (`AsyncKling`).
        tasks: how many tasks a `wait_many` waits for.
        duration: seconds each task takes on the gateway (spread around it for many).
        fails: the task ends `failed` instead of `succeed`.
        timeout: the wait's `timeout=` (None: no deadline; NaN, inf, negative: user input).
        retry_after: the form of a `Retry-After` header the gateway sends (`RETRY_AFTER_FORMS`).
        hint_on: which answers carry it: successful polls, 429, 503 or creates refused (1303).
        hint_rate: the share of answers that carry it (or, for 429/503/1303, are refusals).
        status: how the task's statuses misbehave (`STATUS_ODDITIES`).
        fault: the network fault (`FAULTS`); `outage` is one window of `outage_hours`.
        fault_rate: the share of requests that fail that way.
        outage_hours: how long an outage lasts, from `outage_at` seconds into the run.
        outage_at: when the outage starts.
        body: the odd body some answers have (`BODIES`), at `body_rate`.
        body_rate: the share of answers with that body.
        media: what the result URL serves (`MEDIA`).
        callbacks: how callbacks misbehave for `receiver` runs (`CALLBACKS`).
        key: the API key the user passes (whitespace, CR/LF and non-ASCII variants).
        cfg_scale: a number the user passes to a create (NaN, +-inf: user input).
        debug_logs: run with every logger at DEBUG and check each record for secrets.
        kill_at: for `batch`, the request at which the first run is killed (0: never); the
            batch is then run again to its end.
    """

    seed: int = 0
    operation: str = "wait"
    flavor: str = "sync"
    tasks: int = 1
    duration: float = 60.0
    fails: bool = False
    timeout: float | None = 900.0
    retry_after: str | None = None
    hint_on: str = "poll"
    hint_rate: float = 0.0
    status: str | None = None
    fault: str | None = None
    fault_rate: float = 0.0
    outage_hours: float = 0.0
    outage_at: float = 0.0
    body: str | None = None
    body_rate: float = 0.0
    media: str = "mp4"
    callbacks: str | None = None
    key: str = CLEAN_KEY
    cfg_scale: float | None = None
    debug_logs: bool = False
    kill_at: int = 0


def _duration(rng: random.Random) -> float:
    """Seconds to days, log-uniform: most tasks take minutes, some take days."""
    return round(10 ** rng.uniform(0.5, 5.4), 1)


def draw(seed: int) -> Scenario:
    """The scenario of a seed: an operation and a few hostile knobs, each drawn from the seed.

    Every seed divisible by `SCALE_EVERY` is a long `wait_many` of 500 tasks lasting days
    (`make simulate` reaches its task-hours with these), with the hostile knobs as usual.
    """
    rng = random.Random(seed)
    scale = seed % SCALE_EVERY == 0
    operation = "wait_many" if scale else rng.choice(OPERATIONS)
    s = Scenario(
        seed=seed,
        operation=operation,
        flavor=rng.choice(("sync", "async")),
        duration=_duration(rng),
        fails=rng.random() < 0.15,
        timeout=rng.choice(TIMEOUTS),
    )
    if operation == "wait_many":
        s = replace(s, tasks=rng.choice((2, 7, 60, 499, 500, 501, 1200)) if not scale else 500)
        if s.tasks > 60 and not scale:
            # Around the page size for the paging edges, not for hours: a full page costs
            # the client milliseconds to read, and the scale runs have the long waits.
            s = replace(s, duration=min(s.duration, 600.0))
    if scale:
        s = replace(s, duration=rng.uniform(36, 72) * 3600, timeout=None)
    if operation == "batch":
        s = replace(s, tasks=rng.randint(2, 8), kill_at=rng.randint(0, 30))
    hostile: list[Callable[[Scenario], Scenario]] = [
        lambda s: replace(
            s,
            retry_after=rng.choice(RETRY_AFTER_FORMS[1:]),
            hint_on=rng.choice(HINT_ON),
            hint_rate=rng.choice((0.05, 0.3, 1.0)),
        ),
        # At scale, not statuses that cannot be read on a list page ("unknown" includes ""):
        # each such task is then read by id every round, which the runs of a few tasks cover.
        lambda s: replace(
            s,
            status=rng.choice([x for x in STATUS_ODDITIES[1:] if s.tasks <= 60 or x != "unknown"]),
        ),
        lambda s: replace(
            s,
            fault=(fault := rng.choice(FAULTS[1:])),
            fault_rate=rng.choice((0.02, 0.2, 0.6)) if fault != "outage" else 0.0,
            outage_hours=rng.choice((0.5, 2.0, 9.0)) if fault == "outage" else 0.0,
            outage_at=rng.uniform(0, 600) if fault == "outage" else 0.0,
        ),
        lambda s: replace(s, body=rng.choice(BODIES[1:]), body_rate=rng.choice((0.05, 0.3, 1.0))),
        lambda s: replace(s, media=rng.choice(MEDIA[1:])),
        lambda s: replace(s, callbacks=rng.choice(CALLBACKS[1:])),
        lambda s: replace(s, key=rng.choice(KEYS[1:])),
        lambda s: replace(s, cfg_scale=rng.choice((math.nan, math.inf, -math.inf, 0.5))),
    ]
    if s.tasks > 60:
        # Not the odd bodies: an unreadable list page is read task by task (hundreds of
        # requests instead of one), which the runs of a few tasks cover at a fraction of the cost.
        del hostile[3]
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        s = rng.choice(hostile)(s)
    return replace(s, debug_logs=rng.random() < 0.25)


def shrink(scenario: Scenario, fails: Callable[[Scenario], bool]) -> Scenario:
    """The smallest scenario that still fails: each knob back to its default, one at a time,
    kept wherever the run still breaks (the long knobs shortened first: they cost the most)."""
    defaults = Scenario()
    current = scenario
    changed = True
    while changed:
        changed = False
        smaller: dict[str, Any] = {"tasks": 2, "duration": 60.0, "kill_at": 1}
        for name, small in smaller.items():
            if getattr(current, name) > small and fails(
                candidate := replace(current, **{name: small})
            ):
                current, changed = candidate, True
        for f in fields(Scenario):
            if f.name in ("seed", "operation") or _same(
                getattr(current, f.name), getattr(defaults, f.name)
            ):
                continue
            candidate = replace(current, **{f.name: getattr(defaults, f.name)})
            if fails(candidate):
                current, changed = candidate, True
    return current


def _same(a: Any, b: Any) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


def _literal(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    return repr(value)


def as_pytest(scenario: Scenario, violation: str) -> str:
    """The scenario as a ready-to-paste pytest test that fails while the violation remains."""
    defaults = Scenario()
    knobs = [
        f"        {f.name}={_literal(getattr(scenario, f.name))},"
        for f in dataclasses.fields(Scenario)
        if f.name in ("seed", "operation")
        or not _same(getattr(scenario, f.name), getattr(defaults, f.name))
    ]
    first_line = violation.splitlines()[0] if violation else ""
    return "\n".join(
        [
            "from pathlib import Path",
            "",
            "from tests.sim.run import run_scenario",
            "from tests.sim.scenario import Scenario",
            "",
            "",
            f"def test_seed_{scenario.seed}(tmp_path: Path) -> None:",
            f'    """Found by the simulator: {first_line[:80]}"""',
            "    scenario = Scenario(",
            *knobs,
            "    )",
            "    assert run_scenario(scenario, tmp_path).violations == []",
        ]
    )
