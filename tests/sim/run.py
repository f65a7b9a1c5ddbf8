"""One run: a scenario's gateway, clock and client, one client call, then the end checks.

The real `Kling` or `AsyncKling` is built over `httpx.MockTransport(gateway.handler)` on a
`SimClock` (a `FakeClock` that reports every sleep to the monitor and delivers due callbacks),
so a run of simulated days takes milliseconds and never touches a socket. Both flavours run
the same `operate` coroutine: the sync client's calls simply return their values.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import math
import random
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from haoee_kling import AsyncKling, CallbackReceiver, FakeClock, InvalidWebhookSignatureError, Kling
from tests.sim.gateway import BASE_URL, SIGNATURE, Gateway, Killed, SimTask, media_url
from tests.sim.invariants import Monitor, Recorder, SimulationStop
from tests.sim.scenario import CLEAN_KEY, Scenario

__all__ = ["Result", "SimClock", "run_scenario"]

WEBHOOK_SECRET = "whsec_" + "c2ltdWxhdGVkLXdlYmhvb2stc2VjcmV0LTMyYg=="
_FORGER = "whsec_" + "Zm9yZ2VkLWJ5LXNvbWVvbmUtZWxzZS0zMmJ5dGVz"
_LOGGERS = ("haoee_kling", "httpx", "httpcore")
# The longest interval between two polls of one task: the poll cap (30 s) and its jitter,
# or a receiver's safety interval; plus the one second a last request may take.
_POLL_GRACE = 32.0
_RECEIVER_GRACE = 62.0
_TICK = 5.0
# The operations that take the scenario's `timeout` (the others have no deadline to keep).
_WAITS = frozenset({"wait", "create_and_wait", "wait_many", "iter_status", "receiver"})


@dataclass
class Result:
    """What one run measured."""

    task_hours: float
    violations: list[str]
    requests: int
    simulated: float


class SimClock(FakeClock):
    """A fake clock that reports every sleep to the monitor (before and after time moves)."""

    def __init__(self) -> None:
        super().__init__()
        self.monitor: Monitor | None = None
        self.on_tick: Any = None

    def sleep(self, seconds: float) -> None:
        monitor = self.monitor
        if monitor is not None:
            monitor.on_sleep(seconds)
        self.advance(seconds)
        if self.on_tick is not None:
            self.on_tick()
        if monitor is not None:
            monitor.after_sleep()


def _deadline(timeout: float | None) -> float | None:
    """When a wait given `timeout` must have ended: never (None, inf), or at once when the
    value cannot be a deadline (NaN, negative): it has to be refused, not waited out."""
    if timeout is None or timeout == math.inf:
        return None
    if math.isnan(timeout) or timeout < 0:
        return 0.0
    return timeout


async def _value(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def _collect(iterator: Any) -> list[Any]:
    if hasattr(iterator, "__aiter__"):
        return [item async for item in iterator]
    return list(iterator)


class _Callbacks:
    """Delivers a receiver's callbacks as the scenario says: on time, lost, twice, out of
    order, or forged (signed with another secret and pointing elsewhere)."""

    def __init__(self, scenario: Scenario, receiver: CallbackReceiver, gateway: Gateway) -> None:
        self.form = scenario.callbacks
        self.receiver, self.gateway = receiver, gateway
        self.due: list[tuple[float, str, str, bool]] = []  # (when, task id, status, forged)

    def schedule(self, task: SimTask) -> None:
        if self.form == "lost":
            return
        final = "failed" if task.fails else "succeed"
        plan = [(task.processing_at, "processing", False), (task.done_at, final, False)]
        if self.form == "duplicated":
            plan.append((task.done_at + 1, final, False))
        if self.form == "reordered":
            plan = [(task.done_at, final, False), (task.done_at + 2, "processing", False)]
        if self.form == "forged":
            plan.append((task.processing_at + 1, "succeed", True))
        self.due += [(when, task.task_id, status, forged) for when, status, forged in plan]
        self.due.sort()

    def pump(self) -> None:
        now = self.gateway.now()
        while self.due and self.due[0][0] <= now:
            _, task_id, status, forged = self.due.pop(0)
            self._send(self.gateway.tasks[task_id], status, forged)

    def _send(self, task: SimTask, status: str, forged: bool) -> None:
        data = {"task_id": task.task_id, "task_status": status, "created_at": 1, "updated_at": 2}
        if status == "succeed":
            url = "https://evil.sim.test/forged.mp4" if forged else media_url(task.task_id)
            data["task_result"] = {"videos": [{"id": "1", "url": url}]}
        body = json.dumps(data)
        webhook_id = f"msg_{uuid.uuid4().hex}"
        # Signed with real time: the receiver checks timestamps against `time.time()`.
        stamp = datetime.fromtimestamp(int(time.time()), tz=UTC)
        signature = Webhook(_FORGER if forged else WEBHOOK_SECRET).sign(webhook_id, stamp, body)
        headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(stamp.timestamp())),
            "webhook-signature": signature,
        }
        try:
            verified = self.receiver.webhooks.read(body, headers)
        except InvalidWebhookSignatureError:
            return
        self.receiver.deliver(verified.task)
        task.last_seen = max(task.last_seen, self.gateway.now())


def _spread(rng: random.Random, duration: float) -> float:
    return max(5.0, round(duration * rng.uniform(0.5, 1.5) / 60) * 60)


async def operate(
    kling: Any, scenario: Scenario, gateway: Gateway, dest: Path, clock: SimClock
) -> Any:
    """Make the scenario's call with either client."""
    op, rng = scenario.operation, random.Random(scenario.seed)
    timeout = scenario.timeout
    fields: dict[str, Any] = {"prompt": "a fox in the snow"}
    if scenario.cfg_scale is not None:
        fields["cfg_scale"] = scenario.cfg_scale
    external = f"sim-{scenario.seed}"
    if op == "create":
        return await _value(kling.text2video.create(external_task_id=external, **fields))
    if op == "create_and_wait":
        done = await _value(
            kling.text2video.create_and_wait(external_task_id=external, timeout=timeout, **fields)
        )
        gateway.returned = done
        await _value(kling.download(done, dest))
        return done
    if op == "batch":
        return await _batch(kling, scenario, gateway, dest)
    if op == "wait_many":
        ids = [
            gateway.add_task(f"pre-{i}", _spread(rng, scenario.duration)).task_id
            for i in range(scenario.tasks)
        ]
        pairs = [("text2video", task_id) for task_id in ids]
        return await _value(kling.tasks.wait_many(pairs, timeout=timeout))
    task = gateway.add_task("pre-0", 0.0 if op == "download" else scenario.duration)
    if op == "wait":
        return await _value(kling.text2video.wait(task.task_id, timeout=timeout))
    if op == "iter_status":
        return await _collect(kling.tasks.iter_status("text2video", task.task_id, timeout=timeout))
    if op == "download":
        got = await _value(kling.text2video.get(task.task_id))
        return await _value(kling.download(got, dest))
    receiver = CallbackReceiver(WEBHOOK_SECRET, url="https://app.sim.test/cb", tick=_TICK)
    callbacks = _Callbacks(scenario, receiver, gateway)
    callbacks.schedule(task)
    clock.on_tick = callbacks.pump
    done = await _value(kling.text2video.wait(task.task_id, timeout=timeout, via=receiver))
    urls = json.dumps(done.to_dict() if hasattr(done, "to_dict") else done)
    if "evil.sim.test" in urls:
        gateway.monitor.violations.append(
            f"forged: the wait returned a callback signed with another secret: {urls[:200]}"
        )
    return done


async def _batch(kling: Any, scenario: Scenario, gateway: Gateway, dest: Path) -> Any:
    """A batch run killed at a request (an exception there: the finally blocks run; SIGKILL
    is tests/e2e/test_batch_kill.py), then run again to its end: no job billed twice."""
    jobs = dest.parent / "jobs" / "jobs.jsonl"
    jobs.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"kind": "text2video", "id": f"job{n}", "prompt": f"job {n}"})
        for n in range(scenario.tasks)
    ]
    jobs.write_text("\n".join(lines) + "\n")
    gateway.kill_at = scenario.kill_at
    with contextlib.suppress(Killed):  # the first run dies at `kill_at` (or finishes)
        await _value(kling.batch.run(jobs, out=dest, poll_interval=10.0))
    gateway.kill_at = 0
    result = await _value(kling.batch.run(jobs, out=dest, poll_interval=10.0))
    prompts = [t.prompt for t in gateway.tasks.values()]
    for prompt in sorted({p for p in prompts if prompts.count(p) > 1}):
        gateway.monitor.violations.append(
            f"billed-twice: {prompts.count(prompt)} tasks for the batch job {prompt!r}"
        )
    return result


def _texts(error: BaseException | None, value: Any, client: Any) -> Iterator[tuple[str, str]]:
    if error is not None:
        yield "exception", "".join(traceback.format_exception(error))
        yield "exception repr", repr(error)
    if value is not None:
        yield "result repr", repr(value)
    if client is not None:
        yield "client repr", repr(client)


def run_scenario(scenario: Scenario, workdir: Path) -> Result:
    """Run one scenario in `workdir` (its files land in `workdir/out`) and check everything."""
    s = scenario
    clock = SimClock()
    # Waits via a receiver listen in ticks of 5 s, batches poll every 10 s: kept to hours.
    short = s.operation in ("receiver", "batch")
    duration = min(s.duration, 7200.0) if short else s.duration
    s = s if duration == s.duration else replace(s, duration=duration)
    deadline = _deadline(s.timeout) if s.operation in _WAITS else None
    monitor = Monitor(
        clock.monotonic,
        deadline=deadline if s.operation != "create_and_wait" else None,
        grace=_RECEIVER_GRACE if s.operation == "receiver" else _POLL_GRACE,
        time_limit=1.6 * s.duration + s.outage_hours * 3600 * 1.25 + 3 * 3600,
        stall_after=s.outage_hours * 3600 + 3600,
    )
    gateway = Gateway(s, clock.monotonic, clock.advance, monitor)
    if s.operation == "create_and_wait" and deadline is not None:
        gateway.wait_timeout = deadline  # its wait's deadline runs from the create's answer
    clock.monitor = monitor
    dest = workdir / "out"
    recorder = Recorder()
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    root = logging.getLogger()
    if s.debug_logs:
        root.addHandler(recorder)
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
    value: Any = None
    error: BaseException | None = None
    client: Any = None
    # The client's jitter draws from the `random` module: seeded for the run (and put back
    # after it), so a seed replays the same run.
    outside = random.getstate()
    random.seed(s.seed)
    try:
        client = _client(s, gateway, clock)
        value = asyncio.run(_operate_and_close(client, s, gateway, dest, clock))
    except (Exception, SimulationStop) as exc:
        error = exc
    finally:
        random.setstate(outside)
        root.removeHandler(recorder)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    monitor.check_outcome(error)
    if s.operation in ("create", "create_and_wait"):
        returned = gateway.returned
        monitor.check_id_reached(gateway.told, returned or value, None if returned else error)
    billed = {ext: ids for ext, ids in gateway.by_external.items() if len(ids) > 1}
    for ext, ids in billed.items():
        monitor.violations.append(f"billed-twice: {len(ids)} tasks for {ext}")
    monitor.check_files(workdir, dest, also=[workdir / "jobs"], listings={"manifest.jsonl"})
    secrets = {CLEAN_KEY, SIGNATURE, s.key.strip()}
    monitor.check_secrets(
        {x for x in secrets if len(x) >= 8}, [*recorder.texts, *_texts(error, value, client)]
    )
    hours = sum(max(0.0, t.last_seen - t.created) for t in gateway.tasks.values()) / 3600
    return Result(hours, monitor.violations, monitor.requests, clock.monotonic())


def _client(s: Scenario, gateway: Gateway, clock: SimClock) -> Kling | AsyncKling:
    cls = Kling if s.flavor == "sync" else AsyncKling
    return cls(
        api_key=s.key,
        base_url=BASE_URL,
        transport=httpx.MockTransport(gateway.handler),
        clock=clock,
    )


async def _operate_and_close(
    client: Any, s: Scenario, gateway: Gateway, dest: Path, clock: SimClock
) -> Any:
    try:
        return await operate(client, s, gateway, dest, clock)
    finally:
        await _value(client.close())
