"""Per-call overhead: one task get through `Kling` / `AsyncKling` vs a bare httpx client.

The fake gateway runs under uvicorn in its own process (`_common.fake_server`), so this
process's CPU time is the client's alone. One text2video task is created and the fake's clock
moved past its end (control API), so every get returns the same succeeded task. Both clients
keep one pooled keep-alive connection and send the same headers (Bearer key, `ModelName`, the
same per-request timeout); the bare client also parses the JSON, the overlay additionally
translates the envelope and builds the generated `Task` model. Calls alternate (overlay, bare,
overlay, ...); wall time (perf_counter) and this process's CPU time (process_time) are taken
per call. Spread: the ratio of medians in each of `blocks` consecutive blocks, min and max.

The cyclic garbage collector is paused while calls are timed, as `timeit` does, and run
between blocks of 250 pairs. Both clients leave the same cyclic garbage per call (httpx's
request/response pairs), but a collection comes due inside whichever call allocates when the
young generation fills: with the collector running, that was the client's call in nearly every
case, so the client was charged for collecting the bare client's garbage too. The figures with
the collector running, and where its collections fell, are measured too (`gc_running`).
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

import httpx

from haoee_kling import AsyncKling, Kling

from ._common import ROOT, Server, create_body, fake_server, percentile, summary

KIND_PATH = "/v1/videos/text2video"
MODEL_NAME = "kling-video-v2-6"
TIMEOUT = 60.0


class _Collections:
    """Pauses the cyclic collector while calls are timed (`paused`), or counts where its
    collections fall (in which side's calls) while it runs."""

    def __init__(self, paused: bool) -> None:
        self.paused = paused
        self.side = ""
        self.during: dict[str, int] = {"client": 0, "bare": 0}

    def _count(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and self.side:
            self.during[self.side] += 1

    def __enter__(self) -> _Collections:
        gc.collect()
        if self.paused:
            gc.disable()
        else:
            gc.callbacks.append(self._count)
        return self

    def between(self, pair: int) -> None:
        """Called before each pair of calls, outside the timing."""
        if self.paused and pair % 250 == 0:
            gc.collect()

    def __exit__(self, *exc: object) -> None:
        gc.enable()
        if self._count in gc.callbacks:
            gc.callbacks.remove(self._count)


def _prepare(server: Server) -> tuple[str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {server.key}", "ModelName": MODEL_NAME}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        reply = client.post(KIND_PATH, json=create_body("createText2Video"))
        reply.raise_for_status()
        task_id = str(reply.json()["data"]["task_id"])
        origin = server.base_url.rsplit("/kling", 1)[0]
        client.post(f"{origin}/_fake/clock/advance", json={"seconds": 3600}).raise_for_status()
        status = client.get(f"{KIND_PATH}/{task_id}").json()["data"]["task_status"]
    assert status == "succeed", status
    return task_id, headers


def _figures(
    wall: dict[str, list[float]], cpu: dict[str, list[float]], blocks: int
) -> dict[str, Any]:
    client, bare = wall["client"], wall["bare"]
    size = len(client) // blocks
    block_ratios = [
        percentile(client[i * size : (i + 1) * size], 50)
        / percentile(bare[i * size : (i + 1) * size], 50)
        for i in range(blocks)
    ]
    us = {name: [v * 1e6 for v in values] for name, values in wall.items()}
    cpu_us = {name: [v * 1e6 for v in values] for name, values in cpu.items()}
    return {
        "calls_each": len(client),
        "wall_us": {name: summary(values, 1) for name, values in us.items()},
        "cpu_us": {name: summary(values, 1) for name, values in cpu_us.items()},
        "ratio_p50": round(percentile(client, 50) / percentile(bare, 50), 3),
        "ratio_p95": round(percentile(client, 95) / percentile(bare, 95), 3),
        "block_ratio_p50": {
            "blocks": blocks,
            "min": round(min(block_ratios), 3),
            "max": round(max(block_ratios), 3),
        },
        "cpu_ratio_mean": round(sum(cpu_us["client"]) / max(sum(cpu_us["bare"]), 1e-9), 3),
        "extra_us_p50": round(percentile(us["client"], 50) - percentile(us["bare"], 50), 1),
    }


def _sync(
    server: Server, task_id: str, headers: dict[str, str], calls: int, *, gc_paused: bool
) -> dict[str, Any]:
    wall: dict[str, list[float]] = {"client": [], "bare": []}
    cpu: dict[str, list[float]] = {"client": [], "bare": []}
    bare = httpx.Client(base_url=server.base_url, headers=headers, timeout=TIMEOUT)
    kling = Kling(api_key=server.key, base_url=server.base_url, timeout=TIMEOUT)
    path = f"{KIND_PATH}/{task_id}"

    def overlay() -> None:
        kling.text2video.get(task_id)

    def raw() -> None:
        reply = bare.get(path)
        reply.raise_for_status()
        reply.json()

    calls_by_name: dict[str, Callable[[], None]] = {"client": overlay, "bare": raw}
    with bare, kling:
        for _ in range(200):
            overlay()
            raw()
        with _Collections(gc_paused) as collections:
            for pair in range(calls):
                collections.between(pair)
                for name, call in calls_by_name.items():
                    collections.side = name
                    c0, t0 = time.process_time(), time.perf_counter()
                    call()
                    wall[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
                    collections.side = ""
    return {"wall": wall, "cpu": cpu, "collections": collections.during}


async def _async(
    server: Server, task_id: str, headers: dict[str, str], calls: int, *, gc_paused: bool
) -> dict[str, Any]:
    wall: dict[str, list[float]] = {"client": [], "bare": []}
    cpu: dict[str, list[float]] = {"client": [], "bare": []}
    bare = httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=TIMEOUT)
    kling = AsyncKling(api_key=server.key, base_url=server.base_url, timeout=TIMEOUT)
    path = f"{KIND_PATH}/{task_id}"

    async def overlay() -> None:
        await kling.text2video.get(task_id)

    async def raw() -> None:
        reply = await bare.get(path)
        reply.raise_for_status()
        reply.json()

    async with bare, kling:
        for _ in range(200):
            await overlay()
            await raw()
        with _Collections(gc_paused) as collections:
            for pair in range(calls):
                collections.between(pair)
                for name, call in (("client", overlay), ("bare", raw)):
                    collections.side = name
                    c0, t0 = time.process_time(), time.perf_counter()
                    await call()
                    wall[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
                    collections.side = ""
    return {"wall": wall, "cpu": cpu, "collections": collections.during}


def client_only(
    server: Server, task_id: str, headers: dict[str, str], calls: int = 2000, top: int = 10
) -> dict[str, Any]:
    """The client's own cost without any server: both clients on an httpx.MockTransport that
    answers with the bytes the fake sent; then cProfile of the overlay's calls, the overlay's
    and the generated package's functions by own time (what the extra is made of)."""
    path = f"{KIND_PATH}/{task_id}"
    with httpx.Client(base_url=server.base_url, headers=headers) as probe:
        answer = probe.get(path)
    content, answer_headers = answer.content, dict(answer.headers)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers=answer_headers)

    transport = httpx.MockTransport(handler)
    bare = httpx.Client(base_url=server.base_url, headers=headers, transport=transport)
    kling = Kling(api_key=server.key, base_url=server.base_url, transport=transport)

    def overlay() -> None:
        kling.text2video.get(task_id)

    def raw() -> None:
        reply = bare.get(path)
        reply.raise_for_status()
        reply.json()

    times: dict[str, list[float]] = {"client": [], "bare": []}
    with bare, kling:
        for _ in range(200):
            overlay()
            raw()
        for _ in range(calls):
            for name, call in (("client", overlay), ("bare", raw)):
                t0 = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - t0) * 1e6)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls // 4):
            overlay()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats("haoee_kling", top)
    lines = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("ncalls"))
    root = str(ROOT) + "/"
    return {
        "us": {name: summary(values, 1) for name, values in times.items()},
        "ratio_p50": round(percentile(times["client"], 50) / percentile(times["bare"], 50), 3),
        "extra_us_p50": round(percentile(times["client"], 50) - percentile(times["bare"], 50), 1),
        "profile_calls": calls // 4,
        "profile_own_time": [
            " ".join(line.replace(root, "").split()) for line in lines[first : first + top + 1]
        ],
    }


def run(calls: int = 4000, blocks: int = 8) -> dict[str, Any]:
    """Measure sync and async overhead, `calls` calls per client, interleaved."""
    started = time.perf_counter()
    with fake_server() as server:
        task_id, headers = _prepare(server)
        cpu0 = server.cpu_seconds()
        sync = _sync(server, task_id, headers, calls, gc_paused=True)
        asyn = asyncio.run(_async(server, task_id, headers, calls, gc_paused=True))
        server_cpu = server.cpu_seconds() - cpu0
        running = calls // 2
        sync_gc = _sync(server, task_id, headers, running, gc_paused=False)
        async_gc = asyncio.run(_async(server, task_id, headers, running, gc_paused=False))
        alone = client_only(server, task_id, headers)
    result: dict[str, Any] = {
        "method": "GET one text2video task (succeeded), fake under uvicorn in a separate "
        "process on 127.0.0.1, one keep-alive connection per client, calls interleaved; "
        "cyclic GC paused while timing and run every 250 pairs",
        "sync": _figures(sync["wall"], sync["cpu"], blocks),
        "async": _figures(asyn["wall"], asyn["cpu"], blocks),
        "gc_running": {
            mode: {
                **_figures(measured["wall"], measured["cpu"], blocks // 2),
                "collections_during": measured["collections"],
            }
            for mode, measured in (("sync", sync_gc), ("async", async_gc))
        },
        "server_cpu_us_per_request": round(server_cpu / (4 * calls) * 1e6, 1),
        "client_only_sync": alone,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return result
