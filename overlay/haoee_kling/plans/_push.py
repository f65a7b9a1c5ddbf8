"""Waits that finish on a callback: the receiver's push first, slow polling as the safety net.

`pushed` wraps any wait plan (`wait_plan`, `status_plan`, `wait_many_plan`) without changing
it: each of the plan's sleeps becomes a `Listen` on the receiver, which ends early once every
task waited for has its terminal callback; a poll the plan then makes for tasks the receiver
already holds is answered from the receiver instead of the network. The plan decides
everything else as it always does (status meaning, failed tasks, progress, deadline), so a
push-driven wait ends the same way a polled one does. `safety_policy` slows the plan's own
polling to the receiver's `safety_interval`: a lost callback costs at most that much lag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import KlingError
from ..http._translate import Reply
from ._engine import Call, Listen, Plan, Sleep
from ._polling import PollPolicy, classify_status

if TYPE_CHECKING:
    from ..callbacks._receiver import CallbackReceiver
    from ._waiting import WaitSpec

__all__ = ["pushed", "safety_policy", "with_safety_net"]

T = TypeVar("T")


def safety_policy(policy: PollPolicy, interval: float) -> PollPolicy:
    """`policy` slowed to poll at most every `interval` seconds (push does the rest)."""
    return dataclasses.replace(
        policy,
        first=max(policy.first, interval),
        interval=max(policy.interval, interval),
        cap=max(policy.cap, interval),
    )


def with_safety_net(spec: WaitSpec, receiver: CallbackReceiver) -> WaitSpec:
    """A wait's spec with polling slowed to the receiver's `safety_interval`."""
    return dataclasses.replace(spec, poll=safety_policy(spec.poll, receiver.safety_interval))


def _answer(call: Call, news: dict[str, dict[str, Any]]) -> Reply:
    data: Any = news[call.task_id] if call.task_id is not None else list(news.values())
    return Reply(data=data, request_id=None, retry_after=None)


def _terminal_in(reply: Any) -> set[str]:
    """Ids of the tasks a real poll answer shows finished (the plan is done with them)."""
    data = getattr(reply, "data", None)
    items = data if isinstance(data, list) else [data]
    return {
        str(item["task_id"])
        for item in items
        if isinstance(item, dict)
        and "task_id" in item
        and isinstance(item.get("task_status"), str)
        and classify_status(item["task_status"]) != "pending"
    }


def pushed(
    receiver: CallbackReceiver, plan: Plan[T], task_ids: Sequence[str], clock: Any
) -> Plan[T]:
    """Run a wait plan with `receiver` waking it (see the module docstring).

    Args:
        receiver: where the callbacks arrive.
        plan: the wait plan, its polling already slowed (`with_safety_net`).
        task_ids: the tasks it waits for.
        clock: the client's clock (a `Listen` sleeps through it).

    Returns:
        What the plan returns.
    """
    keys = tuple(dict.fromkeys(task_ids))
    news: dict[str, dict[str, Any]] = {}
    polled: set[str] = set()
    skipped = False
    value: Any = None
    error: KlingError | None = None
    try:
        while True:
            try:
                action = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            waiting = tuple(k for k in keys if k not in news and k not in polled)
            if isinstance(action, Sleep):
                if waiting:
                    news.update((yield Listen(receiver, waiting, action.seconds, clock)) or {})
                elif not news or skipped:
                    # Nothing to answer from, or the last skip did not end the plan: sleep, so
                    # a plan that disagrees about what is finished never polls in a tight loop.
                    yield action
                skipped = not waiting and not skipped and bool(news)
                continue
            if isinstance(action, Call):
                news.update(receiver.finished(waiting))
                waiting = tuple(k for k in waiting if k not in news)
                asked = action.task_id
                if not waiting and news and (asked is None or asked in news):
                    value = _answer(action, news)
                    continue
            try:
                value = yield action
            except KlingError as failed:
                error = failed
            else:
                polled.update(_terminal_in(value) & set(keys))
    finally:
        plan.close()
