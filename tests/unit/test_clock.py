"""The clock seam: the fake moves only when slept on; the real one really sleeps."""

from __future__ import annotations

import asyncio

from haoee_kling import Clock, FakeClock, SystemClock


async def test_the_fake_clock_moves_when_slept_on_and_records_each_sleep() -> None:
    clock = FakeClock(start=10.0, wall_start=1000.0)
    clock.sleep(2.5)
    await clock.asleep(1.5)
    clock.advance(-3)
    assert clock.monotonic() == 14.0
    assert clock.wall() == 1004.0
    assert clock.sleeps == [2.5, 1.5]
    assert repr(clock) == "FakeClock(now=14.000)"


async def test_the_system_clock_sleeps_for_real_and_both_satisfy_the_protocol() -> None:
    clock = SystemClock()
    before = clock.monotonic()
    clock.sleep(0.01)
    await clock.asleep(0.01)
    clock.sleep(-1)
    assert clock.monotonic() - before >= 0.02
    assert clock.wall() > 1_700_000_000
    assert isinstance(clock, Clock)
    assert isinstance(FakeClock(), Clock)
    assert repr(clock) == "SystemClock()"


async def test_an_async_sleep_on_the_fake_clock_still_lets_other_tasks_run() -> None:
    clock, order = FakeClock(), []

    async def sleeper(name: str) -> None:
        await clock.asleep(1)
        order.append(name)

    await asyncio.gather(sleeper("a"), sleeper("b"))
    assert sorted(order) == ["a", "b"]
