"""The plan drivers: one plan, run blocking or awaited, with the same results and errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from haoee_kling import FakeClock, ServerError
from haoee_kling.plans._engine import Call, Emit, Notify, Plan, Sleep, aiterate, arun, iterate, run


def plan(seen: list[Any]) -> Plan[str]:
    yield Emit("first")
    reply = yield Call("getText2Video", task_id="1")
    yield Notify(seen.append, reply)
    try:
        yield Call("getText2Video", task_id="2")
    except ServerError as error:
        seen.append(error.status_code)
    yield Sleep(3)
    yield Emit("second")
    return "done"


def perform(call: Call) -> str:
    if call.task_id == "2":
        raise ServerError("boom", status_code=500, retryable=True)
    return f"reply-{call.task_id}"


async def aperform(call: Call) -> str:
    return perform(call)


def test_run_and_iterate_feed_results_and_errors_back_into_the_plan() -> None:
    clock, seen = FakeClock(), list[Any]()
    assert run(plan(seen), perform, clock.sleep) == "done"
    assert seen == ["reply-1", 500]
    assert clock.sleeps == [3]
    assert list(iterate(plan([]), perform, clock.sleep)) == ["first", "second"]


async def test_the_async_drivers_do_the_same_and_await_async_callbacks() -> None:
    clock, seen = FakeClock(), list[Any]()
    assert await arun(plan(seen), aperform, clock.asleep) == "done"
    assert seen == ["reply-1", 500]
    assert [item async for item in aiterate(plan([]), aperform, clock.asleep)] == [
        "first",
        "second",
    ]
    called: list[int] = []

    async def callback(value: int) -> None:
        called.append(value)

    def notifying() -> Plan[None]:
        yield Notify(callback, 7)

    await arun(notifying(), aperform, clock.asleep)
    assert called == [7]


async def test_cancellation_is_not_thrown_into_the_plan_and_closes_it() -> None:
    closed: list[bool] = []

    def forever() -> Plan[None]:
        try:
            while True:
                yield Sleep(1)
        finally:
            closed.append(True)

    task = asyncio.ensure_future(arun(forever(), aperform, asyncio.sleep))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == [True]
