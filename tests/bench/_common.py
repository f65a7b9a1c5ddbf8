"""What the benchmarks share: statistics, the machine, a fake server process, simulated time.

Simulated time is an asyncio event loop whose clock is virtual (`virtual_loop`): when nothing
is ready to run, the loop jumps straight to its next timer instead of blocking, so hours of
polling across thousands of concurrent waits take seconds. The client (through its `Clock`
seam) and the fake gateway (through its own `Clock`) both read that one virtual time, and the
in-process ASGI transport does no real I/O, so every wait sees exactly the timeline the fake
drew for its task.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import selectors
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

FAKE_EPOCH = 1_764_048_000.0


def cached_bytecode_env() -> dict[str, str]:
    """The environment for a start-up measurement: Python may write and reuse `.pyc` files.

    This machine sets PYTHONDONTWRITEBYTECODE, which makes every run compile this repository's
    modules from source while pip's packages (httpx, the baseline) load precompiled bytecode.
    Users run installed code with its bytecode cached; so does the measurement (the first,
    discarded run of each side writes the caches).
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """n, mean, min, p50, p95, max of a sample."""
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), digits) if values else math.nan,
        "min": round(min(values), digits) if values else math.nan,
        "p50": round(percentile(values, 50), digits),
        "p95": round(percentile(values, 95), digits),
        "max": round(max(values), digits) if values else math.nan,
    }


def machine() -> dict[str, Any]:
    """Cores, Python, platform and the date, recorded with every result."""
    return {
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def rss_mb() -> dict[str, float]:
    """This process's resident set now and at its peak (VmRSS, VmHWM), MB."""
    fields: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024.0
    return {"now": round(fields.get("VmRSS", math.nan), 1), "peak": round(fields["VmHWM"], 1)}


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs); False if denied."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------- a server process
@dataclass
class Server:
    """A fake gateway served by uvicorn in a child process (see `_fakeserver`)."""

    base_url: str
    key: str
    process: subprocess.Popen[str]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (from /proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def fake_server(*, speed: float = 1.0, unlimited: bool = False, seed: int = 0) -> Iterator[Server]:
    """Start `tests.bench._fakeserver` and stop it (stdin EOF, then its pid) on exit."""
    command = [sys.executable, "-m", "tests.bench._fakeserver", "--speed", str(speed)]
    command += ["--seed", str(seed)] + (["--unlimited"] if unlimited else [])
    process = subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the fake server process did not start")
        info = json.loads(line)
        yield Server(info["base_url"], info["key"], process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# ---------------------------------------------------------------------- simulated time
class _VirtualSelector(selectors.DefaultSelector):
    """Polls real file descriptors without blocking; a wait for a timer moves time instead."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events = super().select(0)
        if events:
            return events
        if timeout is None:
            # Nothing scheduled: only another thread can wake the loop; wait for it for real.
            return super().select(0.05)
        self.now += max(0.0, timeout)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time (starts at 0 s; see the module docstring)."""

    def __init__(self) -> None:
        self._virtual = _VirtualSelector()
        super().__init__(self._virtual)

    def time(self) -> float:
        """Virtual seconds since the loop was made."""
        return self._virtual.now


def run_virtual(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a fresh `VirtualLoop` and close the loop."""
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


class VirtualClientClock:
    """The client's `Clock` on the running virtual loop (async use only)."""

    def monotonic(self) -> float:
        """The loop's virtual time."""
        return asyncio.get_running_loop().time()

    def wall(self) -> float:
        """Virtual Unix time."""
        return FAKE_EPOCH + self.monotonic()

    def sleep(self, seconds: float) -> None:
        """Blocking sleeps have no meaning on a virtual loop."""
        raise RuntimeError("a virtual-time clock only sleeps inside its event loop")

    async def asleep(self, seconds: float) -> None:
        """Sleep on the virtual loop (time jumps; no real time passes)."""
        await asyncio.sleep(max(0.0, seconds))


class VirtualGatewayClock:
    """The fake gateway's `Clock` on the same virtual loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def now(self) -> float:
        """Virtual Unix time."""
        return FAKE_EPOCH + self._loop.time()

    def advance(self, seconds: float) -> None:
        """Only the loop moves virtual time."""
        raise RuntimeError("virtual time moves with the event loop, not by hand")


class SpedUpClientClock:
    """The client's `Clock` running `speed` times faster than real time (matches the fake's
    `RealClock(speed)` in another process)."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._start = time.monotonic()

    def monotonic(self) -> float:
        """Real elapsed time times `speed`."""
        return (time.monotonic() - self._start) * self.speed

    def wall(self) -> float:
        """Unix time (unscaled: only used for Retry-After dates)."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Sleep seconds / speed of real time."""
        time.sleep(max(0.0, seconds) / self.speed)

    async def asleep(self, seconds: float) -> None:
        """Sleep seconds / speed of real time, on the loop."""
        await asyncio.sleep(max(0.0, seconds) / self.speed)


# ---------------------------------------------------------------------- counting at the fake
class CountingApp:
    """Wraps the fake's ASGI app and counts HTTP requests by (method, path)."""

    def __init__(self, app: ASGIApp, *, log_times: bool = False) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()
        self.times: list[tuple[float, str, str]] = []
        self._log_times = log_times

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.counts[(scope["method"], scope["path"])] += 1
            if self._log_times:
                now = asyncio.get_running_loop().time()
                self.times.append((now, scope["method"], scope["path"]))
        await self.app(scope, receive, send)

    def total(self, method: str | None = None, contains: str = "") -> int:
        """Requests with this method (any when None) whose path contains `contains`."""
        return sum(
            n
            for (m, path), n in self.counts.items()
            if (method is None or m == method) and contains in path
        )


def create_body(operation_id: str) -> dict[str, Any]:
    """The spec's first request example of a create operation, without its external id."""
    from haoee_kling.testing import request_examples

    body = dict(next(iter(request_examples(operation_id).values())))
    body.pop("external_task_id", None)
    return body
