"""Polling policy: the client's real wait loop vs fixed 10 s and 2 s pollers, on simulated time.

Each group of task kinds (the fake's duration profiles: video, image, audio, element) gets
`tasks` tasks created through `AsyncKling.<kind>.create_and_wait` against the in-process fake
on a virtual-time event loop (see `_common`): the real overlay plans, sender, generated client
and fake, with no real time passing. Status requests are counted at the fake, per task; the
detection lag is the virtual time the wait returned minus the moment the fake's timeline made
the task terminal. The fixed pollers (create; then sleep P and poll, until terminal) are
evaluated exactly on the same timelines: ceil(D / P) requests and ceil(D / P) * P - D lag for a
task that takes D seconds from its create.
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
import time
from typing import Any

import httpx

from haoee_kling import AsyncKling
from haoee_kling.testing import KINDS, FakeGateway

from ._common import (
    FAKE_EPOCH,
    CountingApp,
    VirtualClientClock,
    VirtualGatewayClock,
    create_body,
    run_virtual,
    summary,
)

# One representative kind per duration profile of the fake; the kinds sharing it follow.
GROUPS: dict[str, tuple[str, str, str]] = {
    # group: (client namespace, create operationId, fake kind)
    "video": ("text2video", "createText2Video", "text2video"),
    "image": ("multi_image2image", "createMultiImage2Image", "multi_image2image"),
    "audio": ("text_to_audio", "createTextToAudio", "text_to_audio"),
    "element": ("elements", "createAdvancedCustomElement", "advanced_custom_element"),
}
FIXED = (10.0, 2.0)
SEED = 20261125


def kinds_sharing(fake_kind: str) -> list[str]:
    """Every kind of the fake with the same duration profile as `fake_kind`."""
    profile = KINDS[fake_kind].profile
    return sorted(k for k, spec in KINDS.items() if spec.profile == profile)


def fixed_poller(durations: list[float], period: float) -> dict[str, Any]:
    """Requests per task and detection lag of `sleep(period); poll` until terminal."""
    polls = [max(1, math.ceil(d / period - 1e-9)) for d in durations]
    lags = [n * period - d for n, d in zip(polls, durations, strict=True)]
    return {"requests": summary([float(n) for n in polls], 2), "lag_s": summary(lags, 2)}


async def _group(namespace: str, operation_id: str, tasks: int, seed: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    gateway = FakeGateway(clock=VirtualGatewayClock(loop), seed=seed, concurrency={})
    app = CountingApp(gateway.app)
    kling = AsyncKling(
        api_key=gateway.key,
        base_url=gateway.base_url,
        transport=httpx.ASGITransport(app=app),
        clock=VirtualClientClock(),
        wait_timeout=None,
    )
    body = create_body(operation_id)
    returned: dict[str, float] = {}

    async def one(index: int) -> None:
        # Spread the creates over a minute so the waits are not in lockstep.
        await asyncio.sleep(index * 60.0 / tasks)
        task = await getattr(kling, namespace).create_and_wait(**body)
        returned[task.task_id] = loop.time()

    async with kling:
        await asyncio.gather(*(one(i) for i in range(tasks)))
    stored = gateway.tasks()
    durations = [t.timeline.finished - t.timeline.created for t in stored]
    lags = [returned[t.task_id] + FAKE_EPOCH - t.timeline.finished for t in stored]
    polls = [float(app.total("GET", "/" + t.task_id)) for t in stored]
    result: dict[str, Any] = {
        "tasks": len(stored),
        "task_seconds": summary(durations, 1),
        "client": {"requests": summary(polls, 2), "lag_s": summary(lags, 2)},
    }
    for period in FIXED:
        result[f"fixed_{period:g}s"] = fixed_poller(durations, period)
    return result


def run(tasks: int = 1000) -> dict[str, Any]:
    """Measure every group; `tasks` simulated tasks per group."""
    started = time.perf_counter()
    groups: dict[str, Any] = {}
    for index, (group, (namespace, operation_id, fake_kind)) in enumerate(GROUPS.items()):
        random.seed(SEED + index)  # the client's poll jitter uses the module-level random
        groups[group] = run_virtual(
            functools.partial(_group, namespace, operation_id, tasks, SEED + index)
        )
        groups[group]["kinds"] = kinds_sharing(fake_kind)
        groups[group]["representative"] = namespace
    return {
        "method": "AsyncKling.<kind>.create_and_wait (real overlay wait loop) against the "
        "in-process fake on a virtual-time event loop; fixed pollers evaluated exactly on the "
        "same timelines",
        "groups": groups,
        "seconds": round(time.perf_counter() - started, 1),
    }
