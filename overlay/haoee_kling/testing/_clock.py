"""Time as the fake gateway sees it: a clock tests move by hand, or real time sped up.

Task status is computed from the clock whenever a task is read, so the fake needs no background
threads: advance a `FakeClock` and the next read shows the new status. A `RealClock` follows
wall time multiplied by `speed` (the command line's `--speed`), so a five-minute video job takes
three seconds at speed 100.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["FAKE_EPOCH", "Clock", "FakeClock", "RealClock"]

FAKE_EPOCH = 1_764_048_000.0
"""Where a `FakeClock` starts: 2025-11-25 05:20:00 UTC, in Unix seconds."""


@runtime_checkable
class Clock(Protocol):
    """What the fake needs from a clock."""

    def now(self) -> float:
        """The current time, Unix seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump ahead by `seconds` (tasks progress as if that much time had passed)."""
        ...


class _Jumps:
    """The manual jumps of a clock: a thread-safe, never-decreasing offset."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def _jumped(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`.

        Raises:
            ValueError: `seconds` is negative (time does not go back).
        """
        if seconds < 0:
            raise ValueError(f"cannot advance a clock by a negative amount ({seconds} s)")
        with self._lock:
            self._offset += seconds


class FakeClock(_Jumps):
    """A clock that only moves when told to; thread-safe.

    Args:
        start: the initial time, Unix seconds.
    """

    def __init__(self, start: float = FAKE_EPOCH) -> None:
        super().__init__()
        self._start = float(start)

    def now(self) -> float:
        """The current fake time, Unix seconds."""
        return self._start + self._jumped()

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now():.3f})"


class RealClock(_Jumps):
    """Wall time, optionally sped up, plus any manual jumps.

    Args:
        speed: how many fake seconds pass per real second (1 = real time).
    """

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive (got {speed})")
        super().__init__()
        self.speed = float(speed)
        self._start_wall = time.time()
        self._start_mono = time.monotonic()

    def now(self) -> float:
        """Wall time at start plus the elapsed time times `speed`, Unix seconds."""
        elapsed = (time.monotonic() - self._start_mono) * self.speed
        return self._start_wall + elapsed + self._jumped()

    def __repr__(self) -> str:
        return f"RealClock(speed={self.speed:g})"
