"""Polling decisions, as pure functions: when to poll next and what a status means.

The schedule per task kind: the first poll when such a task could first be done (about 40 s
for video, 12 s for images and audio), then a steady interval a little under 10 s, growing
only after the task has run far longer than such tasks take. A fixed 10 s poller spends its
first polls on tasks that cannot be done yet and detects completion up to 10 s late; this
schedule skips the early polls (fewer requests) and keeps every interval under 10 s (lower
p95 detection lag). A server hint (`Retry-After` on a poll) wins over the schedule; no sleep
ever runs past the wait's deadline.

Whatever the schedule and the hints say, two polls of one task are at least `PAUSE_FLOOR`
(1.0 s) apart and no sleep is longer than `SLEEP_CAP` (300 s), also with no deadline; the
interval's growth stops at its cap without computing an overflowing power (both constants live
in `_retries` and are re-exported here).
"""

from __future__ import annotations

import functools
import logging
import math
import random
from dataclasses import dataclass
from typing import Literal

from .._errors import (
    APIConnectionError,
    KlingError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from .._spec import operations
from ._retries import PAUSE_FLOOR, SLEEP_CAP, server_pause

__all__ = [
    "FAILED",
    "PAUSE_FLOOR",
    "POLICIES",
    "SLEEP_CAP",
    "SUCCEEDED",
    "UNREADABLE_LIMIT",
    "PollErrorKind",
    "PollPolicy",
    "ProgressEvent",
    "SubmitProgress",
    "classify_poll_error",
    "classify_status",
    "default_poll_policy",
    "next_poll_delay",
]

SUCCEEDED = "succeed"
FAILED = "failed"
_KNOWN_PENDING = frozenset({"submitted", "processing"})
# Answers in a row that could not be read before a wait gives up on them: one garbled answer
# can be a proxy's hiccup, three in a row will not change by waiting longer.
UNREADABLE_LIMIT = 3
_log = logging.getLogger("haoee_kling")
_unknown_seen: set[str] = set()


@dataclass(frozen=True)
class PollPolicy:
    """When to poll one task.

    Attributes:
        first: seconds after the create before the first poll.
        interval: seconds between polls after the first.
        jitter: each interval is moved by up to +/- this many seconds (spreads many waits).
        grow_after: seconds of waiting after which the interval starts growing.
        growth: factor applied per poll once growing.
        cap: the longest interval, seconds.
    """

    first: float = 5.0
    interval: float = 9.5
    jitter: float = 0.25
    grow_after: float = 600.0
    growth: float = 1.25
    cap: float = 30.0


# The schedules a create's `x-kling-poll` names (openapi/README.md); a kind without one is video.
POLICIES = {
    "video": PollPolicy(first=40.0, grow_after=900.0),
    "short": PollPolicy(first=12.0, grow_after=180.0),
}


@functools.cache
def _kind_schedules() -> dict[str, str]:
    return {
        op.kind: op.poll
        for op in operations().values()
        if op.kind is not None and op.poll is not None and op.method == "POST"
    }


def default_poll_policy(kind: str) -> PollPolicy:
    """The schedule for a task kind, as its create's `x-kling-poll` names it: `short` for
    images, audio and elements, `video` (the default) otherwise."""
    return POLICIES[_kind_schedules().get(kind, "video")]


def next_poll_delay(
    policy: PollPolicy,
    *,
    polls: int,
    elapsed: float,
    remaining: float | None,
    hint: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to sleep before the next poll.

    Args:
        policy: the schedule.
        polls: polls made so far for this task (0 before the first).
        elapsed: seconds since the wait started (or since the create, for create_and_wait).
        remaining: seconds left before the deadline, or None for no deadline.
        hint: the server's `Retry-After` on the last poll, in seconds, if any.
        rng: random source for jitter.

    Returns:
        A delay >= 0, never longer than `remaining` nor `SLEEP_CAP`; after the first poll
        never shorter than `PAUSE_FLOOR` (unless the deadline is closer), whatever the hint.
        A hint of 0 before the first poll means "poll now".
    """
    if hint is not None:
        delay = server_pause(hint) if polls else max(0.0, min(hint, SLEEP_CAP))
    elif polls == 0:
        delay = max(0.0, policy.first - elapsed)
    else:
        delay = _grown(policy, elapsed) + policy.jitter * (2.0 * (rng or random).random() - 1.0)
    if polls:
        delay = max(delay, PAUSE_FLOOR)
    delay = min(max(0.0, delay), SLEEP_CAP)
    return delay if remaining is None else max(0.0, min(delay, remaining))


def _grown(policy: PollPolicy, elapsed: float) -> float:
    """The interval after `elapsed` seconds: steady, then growing by `growth` per interval up
    to `cap`. The exponent is bounded first, so a wait of days never overflows."""
    if elapsed <= policy.grow_after or policy.growth <= 1.0 or policy.interval <= 0:
        return policy.interval
    if policy.cap <= policy.interval:
        return policy.cap
    steps = (elapsed - policy.grow_after) / policy.interval
    if steps >= math.log(policy.cap / policy.interval) / math.log(policy.growth):
        return policy.cap
    grown: float = policy.interval * policy.growth**steps
    return min(policy.cap, grown)


def classify_status(status: str) -> Literal["succeeded", "failed", "pending"]:
    """What a `task_status` means for a wait.

    Terminal statuses match case-insensitively (`SUCCEED`, `Failed`). Unknown values (a status
    added after this client was released) are pending: the wait goes on, bounded by its
    deadline. Each unknown value is logged once per process.
    """
    folded = status.strip().casefold()
    if folded == SUCCEEDED:
        return "succeeded"
    if folded == FAILED:
        return "failed"
    if folded not in _KNOWN_PENDING and status not in _unknown_seen:
        _unknown_seen.add(status)
        _log.warning("unknown task_status %r: treated as still running", status)
    return "pending"


PollErrorKind = Literal["transient", "unreadable", "final"]


def classify_poll_error(error: KlingError) -> PollErrorKind:
    """What a failed poll means for a wait.

    Returns:
        "transient" for connection problems, timeouts, rate limits (429, 1302, 1303) and server
        errors (408, 5xx): retried inside the wait's deadline. "unreadable" for an answer that
        could not be read (an HTML page at 200, truncated JSON, no task status): retried, but
        `UNREADABLE_LIMIT` of them in a row end the wait. "final" for everything else
        (authentication, permission, not found, bad request, account, policy): the wait ends at
        once, whatever the body looked like.
    """
    if isinstance(error, UnexpectedResponseError):
        return "unreadable"
    if isinstance(error, APIConnectionError | ServerError):
        return "transient"
    if isinstance(error, RateLimitError) and error.retryable:
        # 429 also carries account problems (1100-1102, 1304); those are not RateLimitError
        # subclasses, and a RateLimitError that is not retryable came from an unknown code.
        return "transient"
    return "final"


@dataclass(frozen=True)
class ProgressEvent:
    """What `on_progress` receives after every poll.

    Attributes:
        task_id: the task polled.
        kind: its kind (`text2video`, ...).
        status: its `task_status` as the server sent it.
        elapsed: seconds since the wait started.
        polls: polls made so far (including this one).
        attempt: failed polls in a row before this answer (0 when the poll worked first time).
    """

    task_id: str
    kind: str
    status: str
    elapsed: float
    polls: int
    attempt: int


@dataclass(frozen=True)
class SubmitProgress:
    """What `on_progress` receives while a create waits before it is sent again.

    Attributes:
        kind: the task kind (`text2video`, ...).
        external_task_id: the create's external id (look the task up by it after Ctrl-C).
        reason: why it waits, e.g. "waiting for a concurrency slot (code 1303)".
        attempt: how many times it has waited so far (1 for the first wait).
        retry_in: seconds until it is sent again.
    """

    kind: str
    external_task_id: str
    reason: str
    attempt: int
    retry_in: float
