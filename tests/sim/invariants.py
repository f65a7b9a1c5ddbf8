"""The invariants, checked at every step of a run (a request or a sleep) and once at its end.

`Monitor` is told of every request (by the simulated gateway) and every sleep (by the
simulated clock) and raises `SimulationStop` at the first broken invariant, so a run that
breaks one stops there instead of spinning (a client in a tight loop would never end). The end
checks (`check_outcome`, `check_files`, `check_secrets`) read what the call returned or raised,
what landed on disk and every log record.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from haoee_kling import KlingError
from haoee_kling.check._inputs import detect_format

# The longest single sleep (also with no deadline: "minutes, not days"), and the shortest pause
# between two requests about one task that a server hint can ask for: the client's own.
from haoee_kling.plans._retries import PAUSE_FLOOR, SLEEP_CAP

__all__ = [
    "MEDIA_EXTENSIONS",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "SLEEP_CAP",
    "Monitor",
    "Recorder",
    "SimulationStop",
]

# At most one request per second per task, averaged over any 60 s window: the client's
# floor on any pause a server hint asks for, over a minute.
RATE_WINDOW = 60.0
RATE_LIMIT = int(RATE_WINDOW / PAUSE_FLOOR)
# A run past its time limit whose gateway answered nothing this long is stalled, not endless.
_STALLED = 3600.0
# A file's extension -> the formats `detect_format` may find in its bytes.
MEDIA_EXTENSIONS = {
    ".mp4": {"mp4"},
    ".mov": {"mov", "mp4"},
    ".png": {"png"},
    ".jpg": {"jpg"},
    ".jpeg": {"jpg"},
    ".webp": {"webp"},
    ".gif": {"gif"},
    ".mp3": {"mp3"},
    ".wav": {"wav"},
    ".m4a": {"m4a"},
    ".aac": {"aac"},
}


class SimulationStop(BaseException):
    """Ends a run at its first violation (a BaseException: no client code may swallow it)."""


class Monitor:
    """Checks the step invariants; collects violations.

    Args:
        now: the simulated clock's reading.
        deadline: the wait's deadline (monotonic seconds), or None for no deadline.
        grace: how long past the deadline a wait may end: one poll interval (and the one
            second a last request may take).
        time_limit: simulated time after which the run is called endless (the task has long
            ended; the client should have seen it).
        step_limit: requests plus sleeps after which the run is called a runaway.
        stall_after: seconds with no successful answer after which the run ends, stalled (no
            violation: nothing a client does can make such a gateway answer).
    """

    def __init__(
        self,
        now: Any,
        *,
        deadline: float | None,
        grace: float,
        time_limit: float,
        step_limit: int = 400_000,
        stall_after: float = 2 * 3600.0,
    ) -> None:
        self.now = now
        self.deadline = deadline
        self.grace = grace
        self.time_limit = time_limit
        self.step_limit = step_limit
        self.stall_after = stall_after
        self.steps = 0
        self.requests = 0
        self.violations: list[str] = []
        self._windows: dict[str, deque[float]] = {}
        self._unlooked: set[str] = set()
        self.last_answer = 0.0  # when the gateway last answered a request successfully

    def violate(self, name: str, detail: str) -> None:
        """Record a violation and stop the run."""
        self.violations.append(f"{name}: {detail}")
        raise SimulationStop(self.violations[-1])

    def _step(self) -> None:
        self.steps += 1
        if self.steps > self.step_limit:
            self.violate("runaway", f"{self.steps} steps at t={self.now():.1f} s")
        now = self.now()
        if self.deadline is not None and now > self.deadline + self.grace:
            self.violate(
                "deadline",
                f"still running at t={now:.1f} s, deadline {self.deadline:.1f} s "
                f"+ {self.grace:.0f} s",
            )
        if now - self.last_answer > self.stall_after:
            # The gateway has refused or failed everything for longer than any outage: a client
            # with no deadline rightly keeps trying (politely: the rate and sleep checks held).
            raise SimulationStop("stalled: the gateway answered nothing")
        if now > self.time_limit:
            if now - self.last_answer > _STALLED:
                # The gateway has refused or failed everything for hours: a client with no
                # deadline rightly keeps trying (politely: the rate and sleep checks hold).
                raise SimulationStop("stalled: the gateway answered nothing for hours")
            self.violate("endless", f"still running at t={now / 3600:.1f} h")

    def on_sleep(self, seconds: float) -> None:
        """A sleep is about to happen: finite, not negative, not past the cap or deadline."""
        if not isinstance(seconds, int | float) or math.isnan(seconds) or seconds < 0:
            self.violate("sleep-value", f"sleep({seconds!r})")
        if seconds > SLEEP_CAP:
            self.violate("sleep-cap", f"one sleep of {seconds:.6g} s (cap {SLEEP_CAP:.0f} s)")
        self._step()

    def after_sleep(self) -> None:
        """The clock has moved: the deadline still holds."""
        self.steps -= 1
        self._step()

    def on_request(self, key: str, *, create_for: str | None = None, lookup: bool = False) -> None:
        """A request reached the gateway.

        Args:
            key: what it is about (a task id, a list, a create's external id): the rate key.
            create_for: a create's external_task_id.
            lookup: it reads tasks (a get or a list): pending creates are looked up.
        """
        self._step()
        self.requests += 1
        now = self.now()
        window = self._windows.setdefault(key, deque())
        window.append(now)
        while window[0] <= now - RATE_WINDOW:
            window.popleft()
        # +1: a request at each end of a window of exactly 60 s, at one per second.
        if len(window) > RATE_LIMIT + 1:
            self.violate(
                "rate",
                f"{len(window)} requests about {key} between t={window[0]:.3f} s and t={now:.3f} s",
            )
        if lookup:
            self._unlooked.clear()
        if create_for is not None and create_for in self._unlooked:
            self.violate(
                "create-twice",
                f"a second create for {create_for} at t={now:.1f} s without a lookup "
                "after the first was accepted",
            )

    def accepted(self, external_task_id: str) -> None:
        """The gateway created a task for this create (whether or not its answer arrives)."""
        self._unlooked.add(external_task_id)

    # ------------------------------------------------------------------ end of a run
    def check_outcome(self, error: BaseException | None) -> None:
        """The call ended with a value or a typed error that says why; a created task's id
        reached the caller."""
        if error is not None and not isinstance(error, KlingError | SimulationStop):
            self.violations.append(
                f"escaped: {type(error).__name__} outside KlingError: {str(error)[:200]}"
            )
        if isinstance(error, KlingError) and not str(error).strip():
            self.violations.append(f"unexplained: {type(error).__name__} with no message")

    def check_id_reached(self, ids: set[str], value: Any, error: BaseException | None) -> None:
        """A task id the client was told (a create's answer, a lookup) reached the caller."""
        if not ids or isinstance(error, SimulationStop):
            return
        reached = {getattr(value, "task_id", None), getattr(error, "task_id", None)}
        if not ids & {str(x) for x in reached if x is not None}:
            self.violations.append(
                f"lost-id: task {sorted(ids)[0]} was created and the client was told, but "
                f"neither the result nor the error ({type(error).__name__}) carries it"
            )

    def check_files(
        self,
        root: Path,
        dest: Path,
        *,
        also: Iterable[Path] = (),
        listings: Iterable[str] = (),
    ) -> None:
        """Nothing written outside `dest` (and the folders `also`, a batch's jobs file and
        ledger); every file in `dest` is the media its name says (but the `listings`, a
        batch's manifest)."""
        others = list(also)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if any(folder in path.parents for folder in others):
                continue
            if dest not in path.parents:
                self.violations.append(f"file-outside: {path.relative_to(root)} written")
                continue
            if path.parent == dest and path.name in listings:
                continue
            formats = MEDIA_EXTENSIONS.get(path.suffix.lower())
            found = detect_format(path.read_bytes()[:16])
            if formats is None or found not in formats:
                self.violations.append(
                    f"file-content: {path.name} holds {found or 'no known media'}"
                )

    def check_secrets(self, secrets: Iterable[str], texts: Iterable[tuple[str, str]]) -> None:
        """No secret in any text the run showed (log records, errors, reprs)."""
        wanted = [s for s in secrets if s]
        for where, text in texts:
            for secret in wanted:
                if secret in text:
                    self.violations.append(
                        f"secret: {secret[:4]}... shown in {where}: {text[:160]!r}"
                    )
                    return


class Recorder(logging.Handler):
    """Keeps every log record of every logger (attached to the root logger at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as exc:  # a record that cannot be formatted is itself a finding
            text = f"unformattable record {record.msg!r}: {exc}"
        self.texts.append((f"log {record.name}", text))
