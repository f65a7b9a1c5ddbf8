"""Retry decisions: what is retried, how long the client waits, when it gives up."""

from __future__ import annotations

import random

import httpx
import pytest

from haoee_kling import (
    APIConnectionError,
    BadRequestError,
    DownloadError,
    FakeClock,
    RateLimitError,
    ServerError,
)
from haoee_kling.http._translate import Reply, parse_retry_after
from haoee_kling.plans._engine import Call, Sleep, run
from haoee_kling.plans._retries import (
    SLEEP_CAP,
    RetryPolicy,
    backoff_delay,
    provably_not_started,
    request_plan,
    retry_delay,
)

POLICY = RetryPolicy()


def rate_limited(retry_after: float | None = None) -> RateLimitError:
    return RateLimitError(
        "slow down", status_code=429, code=1302, retryable=True, retry_after=retry_after
    )


def server_error(status: int = 500, retry_after: float | None = None) -> ServerError:
    return ServerError(
        "boom", status_code=status, code=5000, retryable=True, retry_after=retry_after
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": "Wed, 25 Nov 2026 13:00:30 GMT"}, 30.0),
        ({"Retry-After": "Wed, 25 Nov 2026 12:00:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_milliseconds_seconds_or_as_an_http_date(
    headers: dict[str, str], expected: float | None
) -> None:
    now = 1_795_611_600.0  # 2026-11-25 13:00:00 UTC
    assert parse_retry_after(headers, now) == expected
    # httpx's own headers (what the client really passes) read the same, in any case.
    assert parse_retry_after(httpx.Headers(headers), now) == expected


def test_backoff_doubles_from_half_a_second_to_eight_with_at_most_a_quarter_off() -> None:
    rng = random.Random(7)
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]):
        delay = backoff_delay(attempt, POLICY, rng)
        assert 0.75 * ceiling <= delay <= ceiling


def test_retryable_errors_are_retried_max_retries_times() -> None:
    error = server_error()
    assert retry_delay(error, 0, POLICY) is not None
    assert retry_delay(error, 1, POLICY) is not None
    assert retry_delay(error, 2, POLICY) is None


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError("bad", status_code=400, code=1201),
        RateLimitError("odd 429", status_code=429, code=4242, retryable=False),
        DownloadError("gone", url="https://cdn.example.org/a.mp4"),
    ],
)
def test_errors_retrying_cannot_fix_are_raised_at_once(error: Exception) -> None:
    assert retry_delay(error, 0, POLICY) is None  # type: ignore[arg-type]


def test_a_server_hint_wins_up_to_the_cap_and_above_it_the_error_is_raised() -> None:
    assert retry_delay(rate_limited(5.0), 0, POLICY) == 5.0
    assert retry_delay(rate_limited(60.0), 0, POLICY) == 60.0
    assert retry_delay(rate_limited(61.0), 0, POLICY) is None


def test_total_retry_time_and_the_deadline_bound_the_waits() -> None:
    assert retry_delay(rate_limited(30.0), 1, POLICY, slept=100.0) is None
    assert retry_delay(rate_limited(5.0), 0, POLICY, remaining=4.0) is None
    assert retry_delay(rate_limited(5.0), 0, POLICY, remaining=6.0) == 5.0


def test_the_callers_verdict_overrides_is_retryable_but_not_the_budget() -> None:
    # Safe submission resubmits a 400 once a lookup proved the first attempt created nothing.
    refused = BadRequestError("bad", status_code=400, code=1201)
    assert retry_delay(refused, 0, POLICY, retryable=True) is not None
    assert retry_delay(refused, 2, POLICY, retryable=True) is None
    # ...and may decline an error that is retryable in general.
    assert retry_delay(server_error(), 0, POLICY, retryable=False) is None


def test_within_a_deadline_only_the_deadline_bounds_retries() -> None:
    # A wait or a held create: any number of tries, long hints honoured, until time runs out.
    many = retry_delay(server_error(), 50, POLICY, slept=1e6, within_deadline=True)
    assert many is not None
    assert many <= POLICY.cap
    # ... up to SLEEP_CAP: a wait never sleeps longer, whatever the hint.
    assert retry_delay(rate_limited(200.0), 0, POLICY, within_deadline=True) == 200.0
    assert retry_delay(rate_limited(600.0), 0, POLICY, within_deadline=True) == SLEEP_CAP
    assert retry_delay(rate_limited(600.0), 0, POLICY, within_deadline=True, remaining=60) is None


def test_a_cap_bounds_the_backoff_but_never_the_servers_hint() -> None:
    rng = random.Random(3)
    capped = retry_delay(server_error(), 10, POLICY, within_deadline=True, cap=2.0, rng=rng)
    assert capped is not None
    assert capped <= 2.0
    assert retry_delay(rate_limited(7.0), 0, POLICY, within_deadline=True, cap=2.0) == 7.0


def test_connection_errors_are_retried_whether_or_not_they_were_sent() -> None:
    assert retry_delay(APIConnectionError("x", maybe_sent=True), 0, POLICY) is not None
    assert retry_delay(APIConnectionError("x", maybe_sent=False), 0, POLICY) is not None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (APIConnectionError("refused", maybe_sent=False), True),
        (APIConnectionError("reset", maybe_sent=True), False),
        (rate_limited(), True),
        (server_error(503, retry_after=2.0), True),
        (server_error(503), False),
        (server_error(500, retry_after=2.0), False),
        (BadRequestError("bad", status_code=400, code=1201), False),
    ],
)
def test_a_request_provably_did_not_start_only_in_these_cases(
    error: Exception, expected: bool
) -> None:
    assert provably_not_started(error) is expected  # type: ignore[arg-type]


def test_the_request_plan_sleeps_between_attempts_through_the_clock() -> None:
    clock = FakeClock()
    answers: list[object] = [server_error(), rate_limited(2.0), Reply({"ok": 1}, "r", None)]

    def send(call: Call) -> Reply:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, Reply)
        return answer

    reply = run(
        request_plan(Call("getText2Video", task_id="1"), POLICY, clock, rng=random.Random(1)),
        send,
        clock.sleep,
    )
    assert reply.data == {"ok": 1}
    assert len(clock.sleeps) == 2
    assert clock.sleeps[1] == 2.0


def test_a_non_idempotent_request_is_retried_only_when_it_did_not_start() -> None:
    plan = request_plan(Call("identifyFace", body={}), POLICY, FakeClock(), idempotent=False)
    assert isinstance(next(plan), Call)
    with pytest.raises(ServerError):
        plan.throw(server_error())
    plan = request_plan(Call("identifyFace", body={}), POLICY, FakeClock(), idempotent=False)
    next(plan)
    assert isinstance(plan.throw(APIConnectionError("refused", maybe_sent=False)), Sleep)


def test_an_unreadable_retry_after_ms_falls_back_on_retry_after() -> None:
    assert parse_retry_after({"retry-after-ms": "soon", "Retry-After": "2"}, 0.0) == 2.0


def test_errors_other_than_answers_and_connections_never_provably_did_not_start() -> None:
    assert not provably_not_started(DownloadError("x", url="u"))
