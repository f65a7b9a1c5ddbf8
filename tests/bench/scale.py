"""Scale: 1,000 concurrent `AsyncKling` waits in one process against the fake on loopback.

The fake runs under uvicorn in its own process on a real clock sped up `speed` times, with no
concurrency limit; the client gets a `Clock` sped up by the same factor, so its polling
schedule (first poll, 9.5 s interval) keeps its meaning in fake seconds. The tasks are
created first (20 at a time, timed apart), then all waits start at once. The simulated task
time is the real time from that start until the fake's timelines make the last task terminal
((max finishes_at - fake now at start) / speed); the figure is wall time / simulated time.
Runs in a child process (`python -m tests.bench.scale`) so the RSS and CPU are the waits' own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import time
from typing import Any

import httpx

from haoee_kling import AsyncKling

from ._common import (
    ROOT,
    SpedUpClientClock,
    create_body,
    fake_server,
    reset_peak_rss,
    rss_mb,
    summary,
)

TASKS = 1000
SPEED = 4.0
CREATE_CONCURRENCY = 20


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measure(
    base_url: str, key: str, tasks: int, speed: float, pool: int | None
) -> dict[str, Any]:
    origin = base_url.rsplit("/kling", 1)[0]
    control = httpx.AsyncClient(base_url=origin, headers={"Authorization": f"Bearer {key}"})
    http = (
        None
        if pool is None
        else httpx.AsyncClient(
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        )
    )
    kling = AsyncKling(
        api_key=key, base_url=base_url, clock=SpedUpClientClock(speed), http_client=http
    )
    body = create_body("createText2Video")
    rss_before = rss_mb()
    async with control, kling, http or contextlib.nullcontext():
        t_create = time.perf_counter()
        gate = asyncio.Semaphore(CREATE_CONCURRENCY)

        async def create() -> Any:
            async with gate:
                return await kling.text2video.create(**body)

        created = await asyncio.gather(*(create() for _ in range(tasks)))
        create_s = time.perf_counter() - t_create
        fake_now = (await control.post("/_fake/clock/advance", json={"seconds": 0})).json()["now"]
        cpu0, t0 = _cpu(), time.perf_counter()
        done_at: dict[str, float] = {}
        polls: dict[str, int] = {}

        async def wait(task_id: str) -> None:
            def progress(event: Any) -> None:
                polls[task_id] = event.polls

            await kling.text2video.wait(task_id, on_progress=progress)
            done_at[task_id] = time.perf_counter()

        outcomes = await asyncio.gather(
            *(wait(task.task_id) for task in created), return_exceptions=True
        )
        wall = time.perf_counter() - t0
        cpu = _cpu() - cpu0
        stored = {t["task_id"]: t for t in (await control.get("/_fake/tasks")).json()}
    errors = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    finishes = [float(stored[t.task_id]["finishes_at"]) for t in created]
    sim = (max(finishes) - fake_now) / speed
    # Lag from the moment the task became terminal, or the waits started if it already was.
    lags = [
        (done_at[t.task_id] - t0) * speed
        - max(0.0, float(stored[t.task_id]["finishes_at"]) - fake_now)
        for t in created
        if t.task_id in done_at
    ]
    already = sum(1 for f in finishes if f <= fake_now)
    rss_after = rss_mb()
    return {
        "tasks": tasks,
        "speed": speed,
        "pool": "httpx default (100 connections)" if pool is None else f"{pool} connections",
        "create_s": round(create_s, 2),
        "done_before_waits": already,
        "cpu_ms_per_poll": round(cpu * 1000 / max(1, sum(polls.values())), 2),
        "wall_s": round(wall, 2),
        "simulated_s": round(sim, 2),
        "ratio": round(wall / sim, 3),
        "lag_fake_s": summary(lags, 2),
        "polls_per_task": summary([float(n) for n in polls.values()], 1),
        "requests_per_s": round(sum(polls.values()) / wall, 1),
        "cpu_s": round(cpu, 2),
        "cpu_share_of_wall": round(cpu / wall, 3),
        "rss_mb": {"before": rss_before["now"], "after": rss_after["now"]},
        "peak_rss_mb": rss_after["peak"],
        "errors": errors[:5],
        "error_count": len(errors),
    }


def child(tasks: int, speed: float, pool: int | None = None) -> dict[str, Any]:
    """Run the measurement in this process (the child); `pool`: connection limit of an
    httpx.AsyncClient handed to AsyncKling (None: the client's own, httpx's default)."""
    reset_peak_rss()
    with fake_server(speed=speed, unlimited=True, seed=11) as server:
        server_cpu0 = server.cpu_seconds()
        result = asyncio.run(_measure(server.base_url, server.key, tasks, speed, pool))
        result["server_cpu_s"] = round(server.cpu_seconds() - server_cpu0, 2)
    result["max_rss_mb_getrusage"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    return result


def run(tasks: int = TASKS, speed: float = SPEED, pool: int | None = None) -> dict[str, Any]:
    """Measure in a fresh child process and return its figures."""
    started = time.perf_counter()
    extra = [] if pool is None else [str(pool)]
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.scale", str(tasks), str(speed), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["method"] = (
        f"{tasks} concurrent AsyncKling.text2video.wait in one child process; fake under "
        f"uvicorn in another process, both clocks at {speed:g}x real time; {result['pool']}"
    )
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


if __name__ == "__main__":
    n, s = (int(sys.argv[1]), float(sys.argv[2])) if len(sys.argv) > 2 else (TASKS, SPEED)
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    sys.stdout.write(json.dumps(child(n, s, limit)) + "\n")
