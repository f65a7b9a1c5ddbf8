"""Time bounds that hold whatever a server answers: no pause between two requests about a task
shorter than `PAUSE_FLOOR`, no sleep longer than `SLEEP_CAP`, nothing overflows however long a
wait runs (regressions: `Retry-After: 0` polled in a tight loop, a nine-hour wait died with
OverflowError, a 429 with a year's Retry-After slept a year)."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable

import httpx
import pytest
import respx

from haoee_kling import AsyncKling, FakeClock, Kling, RateLimitError
from haoee_kling.http._translate import parse_retry_after
from haoee_kling.plans._polling import PollPolicy, default_poll_policy, next_poll_delay
from haoee_kling.plans._retries import (
    PAUSE_FLOOR,
    SLEEP_CAP,
    RetryPolicy,
    backoff_delay,
    server_pause,
)
from tests.unit.conftest import response_example, run, task_answer

TASK_ID = "842250903629086785"
GET = f"/v1/videos/text2video/{TASK_ID}"
CREATE = "/v1/videos/text2video"
# Each form a server may give for "again at once": seconds, negative, NaN, fractional,
# milliseconds, a date in the past.
AT_ONCE = [
    {"Retry-After": "0"},
    {"Retry-After": "-30"},
    {"Retry-After": "nan"},
    {"Retry-After": "0.01"},
    {"retry-after-ms": "1"},
    {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
]


# Hours of simulated waiting repeat the same polling code thousands of times; tests/unit's polling
# and waiting tests measure it once.
HOURS = pytest.mark.unmeasured("test_polling.py and test_waiting.py measure the loops run here")


def busiest_minute(times: list[float]) -> int:
    """The most requests in any 60 s window."""
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + 60.0) - i for i, t in enumerate(ordered))


def recorder(
    clock: FakeClock, answer: Callable[[float], httpx.Response]
) -> tuple[list[float], Callable[[httpx.Request], httpx.Response]]:
    """A respx side effect that answers by the fake time and records when each request came."""
    times: list[float] = []

    def respond(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        # A client in a tight loop never moves the fake clock: stop it rather than hang.
        assert busiest_minute(times[-100:]) < 100, "over 100 requests in one minute"
        return answer(clock.monotonic())

    return times, respond


@HOURS
@pytest.mark.parametrize("headers", AT_ONCE, ids=lambda h: f"{h}")
async def test_polls_told_to_come_back_at_once_pause_at_least_the_floor(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    headers: dict[str, str],
) -> None:
    times, respond = recorder(
        clock, lambda _: httpx.Response(200, json=task_answer("processing"), headers=headers)
    )
    raw_router.get(GET).mock(side_effect=respond)
    with pytest.raises(Exception, match="not finished"):
        await run(kling.text2video.wait(TASK_ID, timeout=300))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= PAUSE_FLOOR
    assert busiest_minute(times) <= 60
    assert len(times) <= 300 / PAUSE_FLOOR + 1


@HOURS
@pytest.mark.parametrize("headers", AT_ONCE, ids=lambda h: f"{h}")
async def test_a_create_held_by_1303_at_once_resubmits_no_faster_than_the_floor(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    headers: dict[str, str],
) -> None:
    busy = response_example("TooManyRequests", "concurrency")
    times, respond = recorder(clock, lambda _: httpx.Response(429, json=busy, headers=headers))
    raw_router.post(CREATE).mock(side_effect=respond)
    with pytest.raises(RateLimitError):
        await run(kling.text2video.create(prompt="a fox"))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # A hint counts as at least the floor; an unreadable one (NaN) leaves the slot backoff,
    # which starts at one second less its jitter (up to 25 %) and doubles.
    assert gaps
    assert min(gaps) >= 0.75 * PAUSE_FLOOR
    assert busiest_minute(times) <= 60


@HOURS
async def test_a_wait_without_deadline_on_a_task_queued_nine_hours_ends_without_overflow(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    nine_hours = 9 * 3600.0
    _times, respond = recorder(
        clock,
        lambda now: httpx.Response(
            200, json=task_answer("succeed" if now > nine_hours else "submitted")
        ),
    )
    raw_router.get(GET).mock(side_effect=respond)
    task = await run(kling.text2video.wait(TASK_ID, timeout=None))
    assert task.task_status == "succeed"
    policy = default_poll_policy("text2video")
    assert max(clock.sleeps) <= policy.cap + policy.jitter
    assert clock.monotonic() - nine_hours <= policy.cap + policy.jitter


@HOURS
async def test_a_wait_without_deadline_rides_out_a_two_hour_outage_at_a_bounded_rate(
    kling: Kling | AsyncKling, raw_router: respx.MockRouter, clock: FakeClock
) -> None:
    outage = 2 * 3600.0

    def answer(now: float) -> httpx.Response:
        if now < outage:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, json=task_answer("succeed"))

    times, respond = recorder(clock, answer)
    raw_router.get(GET).mock(side_effect=respond)
    task = await run(kling.text2video.wait(TASK_ID, timeout=None))
    assert task.task_status == "succeed"
    assert busiest_minute(times) <= 60
    assert max(clock.sleeps) <= SLEEP_CAP


@pytest.mark.parametrize(
    "retry_after", ["31536000", "Fri, 31 Dec 9999 23:59:59 GMT", "1e308"], ids=str
)
async def test_a_wait_without_deadline_never_sleeps_longer_than_the_cap(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    retry_after: str,
) -> None:
    limited = response_example("TooManyRequests", "concurrency")
    raw_router.get(GET).mock(
        side_effect=[
            httpx.Response(429, json=limited, headers={"Retry-After": retry_after}),
            httpx.Response(
                200, json=task_answer("processing"), headers={"Retry-After": retry_after}
            ),
            httpx.Response(200, json=task_answer("succeed")),
        ]
    )
    await run(kling.text2video.wait(TASK_ID, timeout=None))
    assert clock.sleeps
    assert max(clock.sleeps) <= SLEEP_CAP
    assert clock.monotonic() <= 2 * SLEEP_CAP


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("31536000", 31536000.0), ("Fri, 31 Dec 9999 23:59:59 GMT", None), ("nan", None)],
    ids=["a year", "far-future date", "NaN"],
)
async def test_a_plain_request_told_to_wait_long_raises_at_once_with_a_sane_retry_after(
    kling: Kling | AsyncKling,
    raw_router: respx.MockRouter,
    clock: FakeClock,
    retry_after: str,
    expected: float | None,
) -> None:
    limited = response_example("TooManyRequests", "concurrency")
    route = raw_router.get(GET).respond(429, json=limited, headers={"Retry-After": retry_after})
    with pytest.raises(RateLimitError) as caught:
        await run(kling.text2video.get(TASK_ID))
    hint = caught.value.retry_after
    if expected is None:
        # Unreadable (NaN) is no hint: the usual backoff ran; a far-future date is a real,
        # finite hint past max_retry_after: raised at once.
        assert hint is None or (math.isfinite(hint) and hint > RetryPolicy().max_retry_after)
    else:
        assert hint == expected
        assert route.call_count == 1
    assert all(PAUSE_FLOOR / 4 <= s <= SLEEP_CAP for s in clock.sleeps)


def test_backoff_never_overflows_whatever_the_attempt() -> None:
    policy = RetryPolicy(cap=1e9)
    assert backoff_delay(10**6, policy, random.Random(1)) <= SLEEP_CAP


def test_the_poll_interval_stops_growing_at_its_cap_after_days() -> None:
    policy = PollPolicy(jitter=0.0, cap=1e6)
    for elapsed in (3600.0, 9 * 3600.0, 365 * 86400.0, 1e300):
        delay = next_poll_delay(policy, polls=5, elapsed=elapsed, remaining=None)
        assert policy.interval <= delay <= SLEEP_CAP


@pytest.mark.parametrize(
    ("hint", "pause"),
    [
        (0.0, PAUSE_FLOOR),
        (-1.0, PAUSE_FLOOR),
        (math.nan, PAUSE_FLOOR),
        (2.5, 2.5),
        (1e12, SLEEP_CAP),
    ],
)
def test_a_server_hint_is_honoured_within_the_floor_and_the_cap(hint: float, pause: float) -> None:
    assert server_pause(hint) == pause


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_a_retry_after_that_is_not_a_finite_number_is_no_hint(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, 0.0) is None
    assert parse_retry_after({"retry-after-ms": value}, 0.0) is None
