"""Callbacks: waits finished by push (a `CallbackReceiver`) vs polling only, same timelines.

For each duration group, `tasks` tasks go through `AsyncKling.<kind>.create_and_wait` against
the in-process fake on a virtual-time event loop (see `_common` and `polling`), twice with the
same seed, so both runs see the same task timelines: once polling only, once with
`via=receiver` and a `callback_url`. In the push run the fake's callback dispatcher is pumped
every 0.25 virtual seconds and delivers each signed callback in-process to the receiver (the
signature is verified as on a socket; no HTTP server). Status requests are counted at the fake
per task; the detection lag is when the wait returned minus when the task became terminal.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from typing import Any

import httpx

from haoee_kling import AsyncKling, CallbackReceiver
from haoee_kling.testing import FAKE_WEBHOOK_SECRET, FakeGateway

from ._common import (
    FAKE_EPOCH,
    CountingApp,
    VirtualClientClock,
    VirtualGatewayClock,
    create_body,
    run_virtual,
    summary,
)
from .polling import GROUPS, SEED

PUMP_EVERY = 0.25
CALLBACK_URL = "http://127.0.0.1:9/kling/callback"


class InProcessDelivery(httpx.BaseTransport):
    """The fake's callback POSTs handed straight to a receiver (verified, no socket)."""

    def __init__(self, receiver: CallbackReceiver) -> None:
        self.receiver = receiver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        verified = self.receiver.webhooks.read(request.read(), request.headers)
        self.receiver.deliver(verified.task)
        return httpx.Response(200, json={"received": True})


async def _group(
    namespace: str, operation_id: str, tasks: int, seed: int, push: bool
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    gateway = FakeGateway(clock=VirtualGatewayClock(loop), seed=seed, concurrency={})
    receiver = CallbackReceiver(FAKE_WEBHOOK_SECRET, url=CALLBACK_URL, tick=PUMP_EVERY)
    gateway.callbacks.transport = InProcessDelivery(receiver)
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
    running = True

    async def pump() -> None:
        while running:
            gateway.callbacks.pump()
            await asyncio.sleep(PUMP_EVERY)

    async def one(index: int) -> None:
        await asyncio.sleep(index * 60.0 / tasks)
        via = {"via": receiver} if push else {}
        task = await getattr(kling, namespace).create_and_wait(**body, **via)
        returned[task.task_id] = loop.time()

    pumping = asyncio.ensure_future(pump())
    async with kling:
        await asyncio.gather(*(one(i) for i in range(tasks)))
    running = False
    await pumping
    stored = gateway.tasks()
    lags = [returned[t.task_id] + FAKE_EPOCH - t.timeline.finished for t in stored]
    polls = [float(app.total("GET", "/" + t.task_id)) for t in stored]
    return {
        "tasks": len(stored),
        "task_seconds": summary([t.timeline.finished - t.timeline.created for t in stored], 1),
        "requests": summary(polls, 2),
        "lag_s": summary(lags, 2),
        "callbacks_sent": sum(1 for d in gateway.callbacks.deliveries if d.outcome == "sent"),
    }


def run(tasks: int = 300, groups: tuple[str, ...] = ("video", "image")) -> dict[str, Any]:
    """Measure push vs polling only for the given duration groups."""
    started = time.perf_counter()
    measured: dict[str, Any] = {}
    for index, group in enumerate(groups):
        namespace, operation_id, _ = GROUPS[group]
        both: dict[str, Any] = {}
        for mode in ("poll", "push"):
            random.seed(SEED + index)  # the same poll jitter in both runs
            both[mode] = run_virtual(
                functools.partial(
                    _group, namespace, operation_id, tasks, SEED + index, mode == "push"
                )
            )
        both["representative"] = namespace
        measured[group] = both
    return {
        "method": "AsyncKling.<kind>.create_and_wait against the in-process fake on a "
        "virtual-time event loop, polling only vs via=CallbackReceiver (callbacks signed by the "
        f"fake, verified and delivered in-process, pumped every {PUMP_EVERY} s); the same seed, "
        "so the same task timelines",
        "groups": measured,
        "seconds": round(time.perf_counter() - started, 1),
    }
