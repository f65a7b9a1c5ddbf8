"""`tasks.wait_many` over N tasks vs N individual waits, requests counted at the fake.

N text2video tasks are created at virtual time 0 on a fake with the same seed in both runs
(so the same task ids and timelines); then either one `AsyncKling.tasks.wait_many` over all of
them, or N concurrent `AsyncKling.text2video.wait` calls. Both run on the virtual-time loop of
`_common` against the in-process fake. A round is one virtual instant at which requests arrive
(requests take no virtual time), so requests per round = requests at that instant.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections import Counter
from typing import Any

import httpx

from haoee_kling import AsyncKling
from haoee_kling.testing import FakeGateway

from ._common import (
    CountingApp,
    VirtualClientClock,
    VirtualGatewayClock,
    create_body,
    run_virtual,
    summary,
)

SEED = 7
PAGE = 500
KIND = "text2video"


async def _run(n: int, many: bool) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    gateway = FakeGateway(clock=VirtualGatewayClock(loop), seed=SEED, concurrency={})
    app = CountingApp(gateway.app, log_times=True)
    kling = AsyncKling(
        api_key=gateway.key,
        base_url=gateway.base_url,
        transport=httpx.ASGITransport(app=app),
        clock=VirtualClientClock(),
        wait_timeout=None,
    )
    body = create_body("createText2Video")
    async with kling:
        ids = [(await kling.text2video.create(**body)).task_id for _ in range(n)]
        app.times.clear()
        started = loop.time()
        if many:
            done = await kling.tasks.wait_many([(KIND, task_id) for task_id in ids])
            assert len(done) == n
        else:
            await asyncio.gather(*(kling.text2video.wait(task_id) for task_id in ids))
        finished = loop.time()
    per_instant = Counter(t for t, _, _ in app.times)
    lists = sum(1 for _, _, path in app.times if path.endswith(f"/{KIND}"))
    last_done = max(t.timeline.finished for t in gateway.tasks()) - gateway.clock.now()
    return {
        "requests": len(app.times),
        "list_requests": lists,
        "get_requests": len(app.times) - lists,
        "rounds": len(per_instant),
        "per_round": summary([float(v) for v in per_instant.values()], 1),
        "sim_seconds": round(finished - started, 1),
        "last_task_done_s": round(last_done + (finished - started), 1),
    }


def run(sizes: tuple[int, ...] = (10, 100, 1000)) -> dict[str, Any]:
    """For each N: wait_many vs N individual waits."""
    started = time.perf_counter()
    rows: dict[str, Any] = {}
    for n in sizes:
        many = run_virtual(functools.partial(_run, n, True))
        single = run_virtual(functools.partial(_run, n, False))
        rows[str(n)] = {
            "budget_per_round": math.ceil(n / PAGE),
            "wait_many": many,
            "individual": single,
            "request_ratio": round(many["requests"] / single["requests"], 4),
        }
    return {
        "method": "AsyncKling.tasks.wait_many vs N x AsyncKling.text2video.wait, in-process fake "
        "on a virtual-time loop, requests counted at the fake",
        "sizes": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }
