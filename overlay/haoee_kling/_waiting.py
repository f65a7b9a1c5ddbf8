"""Waiting for tasks, as plans: one task, many tasks, or a stream of status changes.

Every wait has a deadline separate from the per-request timeout; no sleep runs past it and the
per-request timeout shrinks to fit what is left. Transient poll failures (connection, timeout,
429, 5xx, garbled answers) are retried inside the deadline; authentication, permission and
not-found errors end the wait at once. Unknown statuses are not terminal.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._clock import Clock
from ._engine import Call, Emit, Notify, Plan, Sleep
from ._errors import APIError, KlingError, TaskFailedError, WaitTimeoutError
from ._polling import (
    PollPolicy,
    ProgressEvent,
    classify_status,
    is_transient_poll_error,
    next_poll_delay,
)
from ._retries import RetryPolicy, backoff_delay

__all__ = ["WaitSpec", "status_plan", "wait_many_plan", "wait_plan"]

LIST_PAGE_SIZE = 500
# The spec's pageNum maximum, and how far past ceil(N/500) pages a round looks for older tasks.
LIST_MAX_PAGES = 1000
EXTRA_LIST_PAGES = 4
_MIN_REQUEST_TIMEOUT = 1.0


@dataclass(frozen=True)
class WaitSpec:
    """Everything a wait needs besides the task.

    Attributes:
        timeout: the overall deadline in seconds, or None to wait without one.
        request_timeout: the per-request timeout, seconds (finite).
        poll: the polling schedule.
        retry: backoff for failed polls.
        clock: time and sleep.
        on_progress: called with a `ProgressEvent` after every successful poll.
        just_created: the task was created a moment ago (the first poll waits for
            `poll.first`); otherwise the first poll is immediate.
        rng: random source for jitter.
    """

    timeout: float | None
    request_timeout: float
    poll: PollPolicy
    retry: RetryPolicy
    clock: Clock
    on_progress: Callable[[ProgressEvent], Any] | None = None
    just_created: bool = False
    rng: random.Random | None = None


def _failed(kind: str, task: Mapping[str, Any]) -> TaskFailedError:
    message = task.get("task_status_msg") or "no reason given"
    return TaskFailedError(
        f"{kind} task {task.get('task_id')} failed: {message}",
        task_id=str(task.get("task_id")),
        kind=kind,
        last_status="failed",
        task_status_msg=task.get("task_status_msg"),
    )


def _timed_out(kind: str, task_id: str, status: str | None, waited: float) -> WaitTimeoutError:
    return WaitTimeoutError(
        f"{kind} task {task_id} not finished after {waited:.0f} s (last status: {status}); "
        f"wait again with its task_id",
        task_id=task_id,
        kind=kind,
        last_status=status,
    )


def _poll_loop(
    kind: str,
    task_id: str,
    get_operation: str,
    model_name: str | None,
    spec: WaitSpec,
    *,
    emit_changes: bool,
    emit: Callable[[dict[str, Any]], Any] = dict,
) -> Plan[dict[str, Any]]:
    clock = spec.clock
    start = clock.monotonic()
    deadline = None if spec.timeout is None else start + spec.timeout
    polls, failures, last_status, last_emitted = 0, 0, None, None
    hint: float | None = None if spec.just_created else 0.0
    while True:
        now = clock.monotonic()
        remaining = None if deadline is None else deadline - now
        if remaining is not None and remaining <= 0:
            raise _timed_out(kind, task_id, last_status, now - start)
        delay = next_poll_delay(
            spec.poll,
            polls=polls,
            elapsed=now - start,
            remaining=remaining,
            hint=hint,
            rng=spec.rng,
        )
        if delay > 0:
            yield Sleep(delay)
        left = None if deadline is None else deadline - clock.monotonic()
        timeout = (
            spec.request_timeout
            if left is None
            else max(_MIN_REQUEST_TIMEOUT, min(spec.request_timeout, left))
        )
        try:
            reply = yield Call(
                get_operation, task_id=task_id, model_name=model_name, timeout=timeout
            )
        except KlingError as error:
            error.attach(task_id=task_id)
            if not is_transient_poll_error(error):
                raise
            retry_after = error.retry_after if isinstance(error, APIError) else None
            hint = (
                retry_after
                if retry_after is not None
                else min(backoff_delay(failures, spec.retry, spec.rng), spec.poll.interval)
            )
            failures += 1
            polls += 1
            continue
        task = reply.data if isinstance(reply.data, dict) else {}
        polls += 1
        last_status = str(task.get("task_status"))
        if spec.on_progress is not None:
            yield Notify(
                spec.on_progress,
                ProgressEvent(
                    task_id, kind, last_status, clock.monotonic() - start, polls, failures
                ),
            )
        failures, hint = 0, reply.retry_after
        if emit_changes and last_status != last_emitted:
            last_emitted = last_status
            yield Emit(emit(task))
        outcome = classify_status(last_status)
        if outcome == "succeeded":
            return task
        if outcome == "failed":
            if emit_changes:
                return task
            raise _failed(kind, task)


def wait_plan(
    kind: str, task_id: str, get_operation: str, model_name: str | None, spec: WaitSpec
) -> Plan[dict[str, Any]]:
    """Poll one task until it succeeds.

    Returns:
        The succeeded task as JSON.

    Raises:
        TaskFailedError: the task failed.
        WaitTimeoutError: the deadline passed (carries task_id, kind, last status).
        KlingError: a poll failed in a way retrying cannot fix (auth, not found, ...).
    """
    return (
        yield from _poll_loop(kind, task_id, get_operation, model_name, spec, emit_changes=False)
    )


def status_plan(
    kind: str,
    task_id: str,
    get_operation: str,
    model_name: str | None,
    spec: WaitSpec,
    *,
    emit: Callable[[dict[str, Any]], Any] = dict,
) -> Plan[dict[str, Any]]:
    """Like `wait_plan`, but emits `emit(task)` at every status change and ends (without
    raising) at either terminal state; the deadline still raises WaitTimeoutError."""
    return (
        yield from _poll_loop(
            kind, task_id, get_operation, model_name, spec, emit_changes=True, emit=emit
        )
    )


def _pages_to_scan(wanted: int) -> int:
    """How many list pages a round may read for `wanted` unfinished tasks of one kind."""
    return min(LIST_MAX_PAGES, math.ceil(wanted / LIST_PAGE_SIZE) + EXTRA_LIST_PAGES)


def wait_many_plan(
    tasks: Sequence[tuple[str, str]],
    list_operations: Mapping[str, str],
    get_operations: Mapping[str, str],
    model_names: Mapping[str, str | None],
    spec: WaitSpec,
) -> Plan[dict[str, dict[str, Any]]]:
    """Wait for many tasks by polling list endpoints: per round and kind, ceil(N/500) list
    requests for its N unfinished tasks when they are the newest of their kind, a few more pages
    when they are older; a task not found on those pages is read by id.

    Args:
        tasks: (kind, task_id) pairs.
        list_operations: kind -> list operationId.
        get_operations: kind -> get operationId.
        model_names: kind -> the `ModelName` header for its requests.
        spec: deadline, schedule, clock and progress callback.

    Returns:
        task_id -> the task as JSON, for every task once all are terminal (failed ones
        included: check `task_status`).

    Raises:
        WaitTimeoutError: the deadline passed; `results` holds the finished ones so far.
    """
    clock = spec.clock
    start = clock.monotonic()
    deadline = None if spec.timeout is None else start + spec.timeout
    pending: dict[str, str] = {task_id: kind for kind, task_id in tasks}
    done: dict[str, dict[str, Any]] = {}
    last: dict[str, str] = {}
    rounds = 0
    while pending:
        if rounds:
            remaining = None if deadline is None else deadline - clock.monotonic()
            if remaining is not None and remaining <= 0:
                first = next(iter(pending))
                error = _timed_out(
                    pending[first], first, last.get(first), clock.monotonic() - start
                )
                error.results = dict(done)  # type: ignore[attr-defined]
                error.pending = dict(pending)  # type: ignore[attr-defined]
                raise error
            yield Sleep(
                next_poll_delay(
                    spec.poll,
                    polls=rounds,
                    elapsed=clock.monotonic() - start,
                    remaining=remaining,
                    rng=spec.rng,
                )
            )
        rounds += 1
        seen: dict[str, dict[str, Any]] = {}
        for kind in sorted(set(pending.values())):
            wanted = {t for t, k in pending.items() if k == kind}
            # The list is newest first over every task of the kind, finished ones included, so
            # unfinished tasks can sit behind the first ceil(N/500) pages: keep paging while some
            # are unseen and pages come back full, a few pages past that at most.
            for page in range(1, _pages_to_scan(len(wanted)) + 1):
                try:
                    reply = yield Call(
                        list_operations[kind],
                        model_name=model_names.get(kind),
                        query={"page_num": page, "page_size": LIST_PAGE_SIZE},
                        timeout=spec.request_timeout,
                    )
                except KlingError as error:
                    if not is_transient_poll_error(error):
                        raise
                    break
                items = reply.data if isinstance(reply.data, list) else []
                seen.update(
                    {
                        str(i.get("task_id")): i
                        for i in items
                        if isinstance(i, dict) and i.get("task_id") in wanted
                    }
                )
                if len(items) < LIST_PAGE_SIZE or wanted <= seen.keys():
                    break
            for task_id in sorted(wanted - set(seen)):
                try:
                    single = yield Call(
                        get_operations[kind],
                        task_id=task_id,
                        model_name=model_names.get(kind),
                        timeout=spec.request_timeout,
                    )
                except KlingError as error:
                    error.attach(task_id=task_id)
                    if not is_transient_poll_error(error):
                        raise
                    continue
                if isinstance(single.data, dict):
                    seen[task_id] = single.data
        for task_id, task in seen.items():
            status = str(task.get("task_status"))
            last[task_id] = status
            if spec.on_progress is not None:
                yield Notify(
                    spec.on_progress,
                    ProgressEvent(
                        task_id, pending[task_id], status, clock.monotonic() - start, rounds, 0
                    ),
                )
            if classify_status(status) != "pending":
                done[task_id] = task
                del pending[task_id]
    return done
