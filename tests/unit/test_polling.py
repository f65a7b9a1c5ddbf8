"""Polling decisions: the schedule beats a fixed 10 s poller; statuses; transient errors."""

from __future__ import annotations

import logging
import random
import statistics

import pytest

from haoee_kling import (
    AccountError,
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    KlingError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from haoee_kling._spec import load_spec, operations
from haoee_kling.plans._polling import (
    POLICIES,
    PollPolicy,
    classify_poll_error,
    classify_status,
    default_poll_policy,
    next_poll_delay,
)


def poll_times(policy: PollPolicy, rng: random.Random, horizon: float) -> list[float]:
    times: list[float] = []
    now = 0.0
    while now < horizon:
        now += next_poll_delay(policy, polls=len(times), elapsed=now, remaining=None, rng=rng)
        times.append(now)
    return times


def outcome(times: list[float], duration: float) -> tuple[int, float]:
    """(requests made, detection lag) for a task finishing at `duration`."""
    for count, moment in enumerate(times, start=1):
        if moment >= duration:
            return count, moment - duration
    raise AssertionError("schedule too short")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def assert_beats_fixed_poller(kind: str, durations: list[float], rng: random.Random) -> None:
    """The kind's schedule needs fewer requests and has a lower p95 detection lag than
    polling every 10 s, over tasks taking `durations` seconds."""
    fixed = [10.0 * n for n in range(1, int(max(durations) / 10) + 3)]
    schedule = default_poll_policy(kind)
    ours = [outcome(poll_times(schedule, rng, max(durations) + 60), d) for d in durations]
    theirs = [outcome(fixed, d) for d in durations]
    our_requests = sum(c for c, _ in ours) / len(ours)
    their_requests = sum(c for c, _ in theirs) / len(theirs)
    our_lag, their_lag = p95([lag for _, lag in ours]), p95([lag for _, lag in theirs])
    print(  # noqa: T201 - the figures this test exists to measure (visible with -s)
        f"{kind}: requests {our_requests:.2f} vs {their_requests:.2f}; "
        f"p95 lag {our_lag:.2f} s vs {their_lag:.2f} s"
    )
    assert our_requests < their_requests
    assert our_lag < their_lag


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        ("text2video", 45.0, 300.0),
        ("omni_video", 60.0, 600.0),
        ("multi_image2image", 12.0, 60.0),
        ("text_to_audio", 12.0, 45.0),
    ],
)
def test_the_schedule_beats_a_fixed_10_second_poller_on_requests_and_p95_lag(
    kind: str, low: float, high: float
) -> None:
    rng = random.Random(42)
    assert_beats_fixed_poller(kind, [rng.uniform(low, high) for _ in range(2000)], rng)


def test_a_server_hint_wins_and_no_delay_runs_past_the_deadline() -> None:
    policy = PollPolicy()
    assert next_poll_delay(policy, polls=3, elapsed=50, remaining=None, hint=2.5) == 2.5
    assert next_poll_delay(policy, polls=3, elapsed=50, remaining=1.0) == 1.0
    assert next_poll_delay(policy, polls=0, elapsed=0, remaining=0.0) == 0.0


def test_the_first_poll_waits_for_the_kind_and_later_ones_stay_under_ten_seconds() -> None:
    video, image = default_poll_policy("text2video"), default_poll_policy("image_expand")
    assert next_poll_delay(video, polls=0, elapsed=0, remaining=None) == video.first
    assert next_poll_delay(image, polls=0, elapsed=4, remaining=None) == image.first - 4
    rng = random.Random(3)
    delays = [
        next_poll_delay(video, polls=5, elapsed=100, remaining=None, rng=rng) for _ in range(500)
    ]
    assert max(delays) <= video.interval + video.jitter < 10
    assert min(delays) >= video.interval - video.jitter


def test_intervals_grow_only_after_a_task_ran_far_longer_than_usual_and_are_capped() -> None:
    policy = PollPolicy(jitter=0.0)
    assert (
        next_poll_delay(policy, polls=9, elapsed=policy.grow_after, remaining=None)
        == policy.interval
    )
    later = next_poll_delay(policy, polls=9, elapsed=policy.grow_after + 60, remaining=None)
    assert policy.interval < later <= policy.cap
    assert next_poll_delay(policy, polls=9, elapsed=10_000, remaining=None) == policy.cap


def test_terminal_states_are_the_specs_succeed_and_failed() -> None:
    enum = load_spec()["components"]["schemas"]["TaskStatus"]["enum"]
    assert [classify_status(s) for s in enum] == ["pending", "pending", "succeeded", "failed"]


def test_an_unknown_status_is_pending_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="haoee_kling"):
        assert classify_status("queued-for-gpu") == "pending"
        assert classify_status("queued-for-gpu") == "pending"
    assert [r.getMessage() for r in caplog.records].count(
        "unknown task_status 'queued-for-gpu': treated as still running"
    ) == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (APIConnectionError("reset", maybe_sent=True), "transient"),
        (RateLimitError("slow", status_code=429, code=1302, retryable=True), "transient"),
        (RateLimitError("odd", status_code=429, retryable=False), "final"),
        (ServerError("boom", status_code=502, retryable=True), "transient"),
        (ServerError("proxy timeout", status_code=408, retryable=True), "transient"),
        (UnexpectedResponseError("html at 200", status_code=200), "unreadable"),
        (AuthenticationError("key", status_code=401, code=1002), "final"),
        (PermissionDeniedError("no", status_code=403, code=1103), "final"),
        (NotFoundError("gone", status_code=404, code=1203), "final"),
        (BadRequestError("bad", status_code=400), "final"),
        (AccountError("arrears", status_code=429, code=1101), "final"),
    ],
)
def test_polls_survive_transient_errors_count_unreadable_ones_and_stop_on_the_rest(
    error: KlingError, kind: str
) -> None:
    assert classify_poll_error(error) == kind


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("SUCCEED", "succeeded"),
        ("Succeed", "succeeded"),
        (" succeed ", "succeeded"),
        ("FAILED", "failed"),
        ("Failed", "failed"),
        ("PROCESSING", "pending"),
    ],
)
def test_terminal_statuses_match_whatever_their_case(status: str, outcome: str) -> None:
    assert classify_status(status) == outcome


def test_every_x_kling_poll_names_a_schedule_on_a_create() -> None:
    marked = [op for op in operations().values() if op.poll is not None]
    assert marked, "no create carries x-kling-poll"
    for op in marked:
        assert op.poll in POLICIES, f"{op.operation_id}: x-kling-poll {op.poll!r}"
        assert op.method == "POST", op.operation_id
        assert op.kind is not None, op.operation_id


def test_image_audio_and_element_kinds_poll_on_the_short_schedule_video_on_the_long() -> None:
    for op in operations().values():
        if op.kind is None or op.method != "POST" or op.raw.get("x-kling-instant"):
            continue
        expected = "video" if op.tag == "videos" else "short"
        assert default_poll_policy(op.kind) == POLICIES[expected], op.operation_id
