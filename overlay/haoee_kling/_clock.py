"""The one seam for time: monotonic now, wall time, and sleeping (sync and async).

Every delay the client takes (retry backoff, polling, Retry-After) goes through a `Clock`, so
tests swap in `FakeClock` and run minutes of polling with no real time passing.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FakeClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What the client needs from time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (deadlines and elapsed time)."""
        ...

    def wall(self) -> float:
        """Unix time in seconds (JWT claims, HTTP-date Retry-After)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for `seconds`."""
        ...

    async def asleep(self, seconds: float) -> None:
        """Suspend the calling task for `seconds`; cancellation propagates."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `time.time`, `time.sleep`, `asyncio.sleep`."""

    # Read straight from `time`: nothing to add to either reading.
    monotonic = staticmethod(time.monotonic)
    wall = staticmethod(time.time)

    def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` (negative values sleep not at all)."""
        time.sleep(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        """Await `asyncio.sleep(seconds)`."""
        import asyncio  # here, not at the top: sync-only programs never pay for asyncio

        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that only moves when someone sleeps on it (or calls `advance`).

    Sleeping returns at once after moving time forward, so a test of a 15-minute wait takes
    milliseconds. The async sleep still yields to the event loop once, so concurrent tasks
    interleave the way they would with real time.

    Args:
        start: the initial monotonic reading, in seconds.
        wall_start: the initial Unix time, in seconds.
    """

    def __init__(self, start: float = 0.0, wall_start: float = 1_764_000_000.0) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The current fake reading, in seconds."""
        return self._now

    def wall(self) -> float:
        """Fake Unix time, moving in step with `monotonic`."""
        return self._now + self._wall_offset

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` without recording a sleep."""
        self._now += max(0.0, seconds)

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move time forward by it."""
        self.sleeps.append(seconds)
        self.advance(seconds)

    async def asleep(self, seconds: float) -> None:
        """Record the sleep, move time forward and yield to the loop once."""
        import asyncio

        self.sleep(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now:.3f})"
