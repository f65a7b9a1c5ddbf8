"""Retry decisions, as pure functions: what to retry, how long to wait, when to give up.

Backoff is exponential with jitter (0.5 s x 2^n, capped at 8 s, minus up to 25 %). A server
hint (`retry-after-ms`, `Retry-After` in seconds or as an HTTP-date) wins when it is at most
`max_retry_after` seconds; a longer hint means "not now": the error is raised at once, carrying
`retry_after`, instead of sleeping for minutes. The total time spent retrying one call is bounded
(`max_total`), so `max_retries` never multiplies the caller's budget unboundedly.

Two bounds hold whatever a server answers, for every pause between two requests about one
task (retries, resubmits, polls; `_polling` applies them to its schedule too):

- `PAUSE_FLOOR` (1.0 s): a server hint never asks for a shorter pause. `Retry-After: 0`,
  negative, fractional or `retry-after-ms: 1` means "as soon as allowed", which is one second;
  so a task is asked about at most once a second, averaged over any minute, whatever the
  answers say. Backoff without a hint starts shorter (0.375-0.5 s) and doubles, so it stays
  under that rate too.
- `SLEEP_CAP` (300 s): no single sleep is longer, also in a wait without a deadline, whatever
  `Retry-After` says (a year, a far-future date) and however long the task runs. Backoff and
  the poll interval stop growing at their caps without ever computing an overflowing power.

A request that is not a wait and whose hint exceeds `max_retry_after` still raises at once,
carrying the server's `retry_after` (finite and >= 0: `parse_retry_after` never gives NaN or
infinity).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import APIConnectionError, APIError, DownloadError, KlingError
from ._engine import Call, Plan, Sleep

if TYPE_CHECKING:
    from .._clock import Clock

__all__ = [
    "PAUSE_FLOOR",
    "SLEEP_CAP",
    "RetryPolicy",
    "backoff_delay",
    "is_retryable",
    "provably_not_started",
    "request_plan",
    "retry_delay",
    "retry_plan",
    "server_pause",
]

_log = logging.getLogger("haoee_kling")

PAUSE_FLOOR = 1.0
"""The shortest pause a server hint can ask for between two requests about one task, seconds."""
SLEEP_CAP = 300.0
"""The longest single sleep the client ever makes, seconds (minutes, not days)."""
# 2.0 ** 64 is already far past any cap; larger exponents would overflow a float at 1024.
_MAX_DOUBLINGS = 64


@dataclass(frozen=True)
class RetryPolicy:
    """How one request is retried.

    Attributes:
        max_retries: retries after the first attempt (2 means at most 3 attempts).
        base: first backoff, seconds.
        cap: largest backoff, seconds.
        max_retry_after: the longest server-requested wait honoured, seconds.
        max_total: the most time spent sleeping between attempts of one call, seconds.
        concurrency_wait: how long a create may keep waiting for a free slot when the
            account is at its concurrency limit (code 1303), seconds.
    """

    max_retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 60.0
    max_total: float = 120.0
    concurrency_wait: float = 300.0


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff for retry number `attempt` (0 for the first retry).

    Returns:
        min(base x 2^attempt, cap, SLEEP_CAP) shrunk by a random 0-25 %, in seconds; never
        overflows, whatever `attempt`.
    """
    raw = min(policy.base * (2.0 ** min(max(0, attempt), _MAX_DOUBLINGS)), policy.cap, SLEEP_CAP)
    jitter = 1.0 - 0.25 * (rng or random).random()
    return raw * jitter


def server_pause(hint: float) -> float:
    """The pause a server's wait hint asks for, within `PAUSE_FLOOR` and `SLEEP_CAP`.

    Args:
        hint: seconds, as `parse_retry_after` read them (NaN reads as "as soon as allowed").

    Returns:
        A finite pause in [PAUSE_FLOOR, SLEEP_CAP].
    """
    if not hint >= PAUSE_FLOOR:  # also NaN
        return PAUSE_FLOOR
    return min(hint, SLEEP_CAP)


def is_retryable(error: KlingError) -> bool:
    """Whether a request that failed this way may be tried again (ignoring what it costs)."""
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIError | DownloadError) and error.retryable


def provably_not_started(error: KlingError) -> bool:
    """Whether a failed request certainly did nothing on the server.

    True for a connection that failed before sending, a rate or concurrency refusal (429,
    1302, 1303) and a 503 that says when to come back (Retry-After).
    """
    if isinstance(error, APIConnectionError):
        return not error.maybe_sent
    if not isinstance(error, APIError):
        return False
    if error.status_code == 429:
        return error.retryable
    return error.status_code == 503 and error.retry_after is not None


def retry_delay(
    error: KlingError,
    attempt: int,
    policy: RetryPolicy,
    *,
    slept: float = 0.0,
    remaining: float | None = None,
    rng: random.Random | None = None,
    retryable: bool | None = None,
    within_deadline: bool = False,
    cap: float | None = None,
) -> float | None:
    """Decide whether and when to try again after a failure: the one retry decision, used by
    plain requests, safe submission (resubmits and waits for a concurrency slot) and polling.

    Args:
        error: what the attempt raised.
        attempt: retries already made (0 after the first failure).
        policy: the retry policy.
        slept: seconds already spent sleeping between attempts.
        remaining: seconds left before the caller's deadline, or None for no deadline.
        rng: random source for jitter (tests pass a seeded one).
        retryable: the caller's own verdict on the error (safe submission after a lookup
            found nothing; a wait's transient or unreadable poll); None asks `is_retryable`.
        within_deadline: retry for as long as `remaining` allows (a wait, a concurrency slot)
            instead of within `max_retries`, `max_total` and `max_retry_after`.
        cap: the longest backoff delay (a wait backs off no longer than its poll interval).

    Returns:
        Seconds to sleep before the next attempt (the server's hint when it gave one, raised to
        `PAUSE_FLOOR`, else the backoff; never more than `SLEEP_CAP`), or None to raise `error`
        now.
    """
    if not (is_retryable(error) if retryable is None else retryable):
        return None
    hint = error.retry_after if isinstance(error, APIError) else None
    bounded = not within_deadline
    if bounded and (
        attempt >= policy.max_retries or (hint is not None and hint > policy.max_retry_after)
    ):
        return None
    backoff = backoff_delay(attempt, policy, rng)
    delay = (
        server_pause(hint) if hint is not None else backoff if cap is None else min(backoff, cap)
    )
    if bounded and slept + delay > policy.max_total:
        return None
    if remaining is not None and delay >= remaining:
        return None
    return delay


def retry_plan(
    action: object,
    policy: RetryPolicy,
    clock: Clock,
    *,
    deadline: float | None = None,
    idempotent: bool = True,
    rng: random.Random | None = None,
) -> Plan[Any]:
    """Perform one I/O action (a `Call`, a download, ...), retrying what `retry_delay` allows.

    Args:
        action: the request (or download).
        policy: the retry policy.
        clock: for the deadline.
        deadline: a monotonic time after which no retry starts, or None.
        idempotent: False for a billed request with no external id: it is retried only when
            it provably did not start.
        rng: random source for jitter.

    Returns:
        The result of the first attempt that worked.

    Raises:
        KlingError: the last attempt's error when no retry is left or allowed.
    """
    attempt, slept = 0, 0.0
    while True:
        try:
            sent = (
                action._replace(attempt=attempt + 1) if attempt and type(action) is Call else action
            )
            result = yield sent  # type: ignore[misc]
            return result
        except KlingError as error:
            remaining = None if deadline is None else deadline - clock.monotonic()
            delay = retry_delay(error, attempt, policy, slept=slept, remaining=remaining, rng=rng)
            if delay is None or not (idempotent or provably_not_started(error)):
                raise
            _log.info(
                "retrying %s in %.2f s (retry %d of %d): %s",
                getattr(action, "operation_id", type(action).__name__),
                delay,
                attempt + 1,
                policy.max_retries,
                type(error).__name__,
            )
            yield Sleep(delay)
            attempt, slept = attempt + 1, slept + delay


# Sending one request (a get, a list) is the retry plan of its `Call` itself, not a plan
# around it: one function and one generator fewer on every call's path (`make bench`).
request_plan = retry_plan
