"""`_push`: waits that end on a receiver's push, with slow polling as the safety net."""

from __future__ import annotations

from typing import Any

import pytest

from haoee_kling import (
    CallbackReceiver,
    FakeClock,
    PollPolicy,
    RateLimitError,
    TaskFailedError,
    WaitTimeoutError,
)
from haoee_kling.http._translate import Reply
from haoee_kling.plans._engine import Call, arun, run
from haoee_kling.plans._polling import default_poll_policy
from haoee_kling.plans._push import pushed, safety_policy, with_safety_net
from haoee_kling.plans._retries import RetryPolicy
from haoee_kling.plans._waiting import WaitSpec, wait_many_plan, wait_plan
from tests.unit.test_receiver import TASK_ID, task


def spec(clock: FakeClock, timeout: float = 900.0) -> WaitSpec:
    return WaitSpec(
        timeout=timeout,
        request_timeout=30.0,
        poll=default_poll_policy("text2video"),
        retry=RetryPolicy(),
        clock=clock,
        just_created=True,
    )


class Server:
    """A fake sender: answers polls from a status timeline on the clock, counts calls."""

    def __init__(self, clock: FakeClock, done_at: float, status: str = "succeed") -> None:
        self.clock, self.done_at, self.status = clock, done_at, status
        self.calls: list[Call] = []

    def state(self, task_id: str) -> dict[str, Any]:
        now = self.clock.monotonic()
        return task(self.status if now >= self.done_at else "processing", task_id)

    def __call__(self, call: Call) -> Reply:
        self.calls.append(call)
        if call.task_id is None:
            return Reply([self.state("a"), self.state("b")], "r", None)
        return Reply(self.state(call.task_id), "r", None)


def delivering(receiver: CallbackReceiver, clock: FakeClock, at: float, status: str) -> FakeClock:
    """A clock whose sleeps deliver the terminal callback once `at` is reached."""

    class Clock(FakeClock):
        def monotonic(self) -> float:
            return clock.monotonic()

        def sleep(self, seconds: float) -> None:
            clock.sleep(seconds)
            if clock.monotonic() >= at:
                receiver.deliver(task(status))

        async def asleep(self, seconds: float) -> None:
            self.sleep(seconds)

    return Clock()


def push_wait(receiver: CallbackReceiver, clock: FakeClock, waiter: FakeClock) -> Any:
    timed = with_safety_net(spec(waiter), receiver)
    return pushed(
        receiver, wait_plan("text2video", TASK_ID, "getText2Video", None, timed), [TASK_ID], waiter
    )


def test_a_push_ends_the_wait_without_a_poll() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=0.25)
    server = Server(clock, done_at=30.0)
    waiter = delivering(receiver, clock, 30.0, "succeed")
    done = run(push_wait(receiver, clock, waiter), server, waiter.sleep)
    assert done["task_status"] == "succeed"
    assert server.calls == []
    assert 30.0 <= clock.monotonic() <= 30.25


async def test_a_pushed_failure_raises_like_a_polled_one() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=0.25)
    server = Server(clock, done_at=100.0, status="failed")
    waiter = delivering(receiver, clock, 100.0, "failed")

    async def perform(call: Call) -> Reply:
        return server(call)

    with pytest.raises(TaskFailedError):
        await arun(push_wait(receiver, clock, waiter), perform, waiter.asleep)
    assert len(server.calls) == 1  # the safety poll at 60 s; the failure came by push


def test_a_lost_callback_is_caught_by_the_slow_safety_poll() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0, safety_interval=60.0)
    server = Server(clock, done_at=130.0)
    done = run(push_wait(receiver, clock, clock), server, clock.sleep)
    assert done["task_status"] == "succeed"
    assert len(server.calls) == 3  # at 60, 120 and 180 s: the third sees it finished
    assert 130.0 < clock.monotonic() <= 130.0 + 61.0


def test_the_deadline_still_ends_a_push_wait() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=5.0)
    server = Server(clock, done_at=10_000.0)
    timed = with_safety_net(spec(clock, timeout=200.0), receiver)
    plan = pushed(
        receiver, wait_plan("text2video", TASK_ID, "getText2Video", None, timed), [TASK_ID], clock
    )
    with pytest.raises(WaitTimeoutError):
        run(plan, server, clock.sleep)
    assert clock.monotonic() == pytest.approx(200.0)


def test_poll_errors_pass_through_to_the_plan() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    server = Server(clock, done_at=0.0)
    failures = iter([RateLimitError("slow down", status_code=429, code=1302, retryable=True)])

    def flaky(call: Call) -> Reply:
        error = next(failures, None)
        if error is not None:
            raise error
        return server(call)

    done = run(push_wait(receiver, clock, clock), flaky, clock.sleep)
    assert done["task_status"] == "succeed"


def test_wait_many_ends_when_every_task_has_been_pushed_or_polled() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    server = Server(clock, done_at=10_000.0)
    receiver.deliver(task("succeed", task_id="a"))
    receiver.deliver(task("failed", task_id="b"))
    timed = with_safety_net(spec(clock), receiver)
    plan = wait_many_plan(
        [("text2video", "a"), ("text2video", "b")],
        {"text2video": "listText2Video"},
        {"text2video": "getText2Video"},
        {},
        timed,
    )
    result = run(pushed(receiver, plan, ["a", "b"], clock), server, clock.sleep)
    assert {k: v["task_status"] for k, v in result.items()} == {"a": "succeed", "b": "failed"}
    assert server.calls == []


def test_wait_many_counts_tasks_a_real_poll_finished() -> None:
    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    server = Server(clock, done_at=0.0)
    timed = with_safety_net(spec(clock), receiver)
    plan = wait_many_plan(
        [("text2video", "a"), ("text2video", "b")],
        {"text2video": "listText2Video"},
        {"text2video": "getText2Video"},
        {},
        timed,
    )
    result = run(pushed(receiver, plan, ["a", "b"], clock), server, clock.sleep)
    assert set(result) == {"a", "b"}
    assert len(server.calls) == 1


def test_the_safety_policy_only_ever_slows_polling() -> None:
    slow = safety_policy(PollPolicy(first=40.0, interval=9.5, cap=30.0), 60.0)
    assert (slow.first, slow.interval, slow.cap) == (60.0, 60.0, 60.0)
    kept = safety_policy(PollPolicy(first=90.0, interval=120.0, cap=300.0), 60.0)
    assert (kept.first, kept.interval, kept.cap) == (90.0, 120.0, 300.0)


def test_a_plan_that_keeps_sleeping_after_the_push_sleeps_every_other_time() -> None:
    from haoee_kling.plans._engine import Plan, Sleep

    def stubborn() -> Plan[str]:
        for _ in range(4):
            yield Sleep(10.0)
        return "done"

    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    receiver.deliver(task("succeed"))
    assert run(pushed(receiver, stubborn(), [TASK_ID], clock), Server(clock, 0.0), clock.sleep)
    # The first sleep ends at once on the push; of the rest, every other one is slept.
    assert clock.sleeps == [10.0]


def test_a_plan_done_by_polling_only_sleeps_for_real() -> None:
    from haoee_kling.plans._engine import Plan, Sleep

    def polled_then_sleeps() -> Plan[str]:
        yield Call("getText2Video", task_id=TASK_ID)  # answers succeed: finished by polling
        yield Sleep(5.0)
        return "done"

    clock = FakeClock()
    receiver = CallbackReceiver(tick=1.0)
    run(pushed(receiver, polled_then_sleeps(), [TASK_ID], clock), Server(clock, 0.0), clock.sleep)
    assert clock.sleeps == [5.0]
