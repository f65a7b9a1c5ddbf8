"""Waiting for tasks, as plans: one task, many tasks, or a stream of status changes.

Every wait has a deadline separate from the per-request timeout; no sleep runs past it and the
per-request timeout shrinks to fit what is left. Every wait ends for the right reason:
transient poll failures (connection, timeout, 429, 408, 5xx) are retried inside the deadline;
authentication, permission, not-found and bad-request errors end the wait at once, whatever the
body looked like; `UNREADABLE_LIMIT` answers in a row that cannot be read end it with an error
chained to the last one (with `timeout=None` too). Unknown statuses are not terminal.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from .._clock import Clock
from .._errors import (
    KlingError,
    NotFoundError,
    TaskFailedError,
    UnexpectedResponseError,
    WaitTimeoutError,
)
from .._kind_names import user_kind
from .._logging import printable
from ..http._translate import Reply
from ..read._reader import read_items, read_model, read_one
from ..read._results import Skipped, WaitManyResult
from ._engine import Call, Emit, Notify, Plan, Sleep
from ._polling import (
    UNREADABLE_LIMIT,
    PollPolicy,
    ProgressEvent,
    classify_poll_error,
    classify_status,
    next_poll_delay,
)
from ._retries import RetryPolicy, retry_delay

__all__ = ["WaitSpec", "read_task", "status_plan", "wait_many_plan", "wait_plan"]

_log = logging.getLogger("haoee_kling")

LIST_PAGE_SIZE = 500
# The spec's pageNum maximum, and how far past ceil(N/500) pages a round looks for older tasks.
LIST_MAX_PAGES = 1000
EXTRA_LIST_PAGES = 4
_MIN_REQUEST_TIMEOUT = 1.0

M = TypeVar("M")


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
        f"{user_kind(kind)} task {task.get('task_id')} failed: {message}",
        task_id=str(task.get("task_id")),
        kind=kind,
        last_status="failed",
        task_status_msg=task.get("task_status_msg"),
    )


def _timed_out(
    kind: str, task_id: str, status: str | None, waited: float, last_error: KlingError | None
) -> WaitTimeoutError:
    why = f"; the last poll failed: {last_error.message}" if last_error is not None else ""
    error = WaitTimeoutError(
        f"{user_kind(kind)} task {task_id} not finished after {waited:.0f} s "
        f"(last status: {status}){why}; wait again with its task_id",
        task_id=task_id,
        kind=kind,
        last_status=status,
    )
    error.last_error = last_error
    return error


def _unreadable(kind: str, task_id: str, count: int, last: KlingError) -> UnexpectedResponseError:
    error = UnexpectedResponseError(
        f"stopped waiting for {user_kind(kind)} task {task_id}: {count} answers in a row could "
        f"not be read (the last: {last.message})",
        status_code=getattr(last, "status_code", 200),
        request_id=getattr(last, "request_id", None),
        body=getattr(last, "body", ""),
    )
    error.attach(task_id=task_id, external_task_id=last.external_task_id)
    return error


@overload
def read_task(reply: Reply, kind: str, task_id: str) -> dict[str, Any]: ...
@overload
def read_task(reply: Reply, kind: str, task_id: str, *, model: type[M]) -> M: ...
def read_task(reply: Reply, kind: str, task_id: str, *, model: type | None = None) -> Any:
    """A polled task, read tolerantly; the id asked for fills in a missing `task_id`. As
    JSON, or built into `model` (the generated `Task`) in the same walk."""
    what, defaults = f"{user_kind(kind)} task {task_id}", {"task_id": task_id}
    if model is not None:
        return read_model(
            model,
            "Task",
            reply.data,
            what=what,
            query=True,
            defaults=defaults,
            request_id=reply.request_id,
        )
    return read_one(
        "Task", reply.data, what=what, query=True, defaults=defaults, request_id=reply.request_id
    )


_renamed_seen: set[str] = set()


def _kept_id(kind: str, task_id: str, named: Any) -> str:
    """The id a waited task keeps when a poll's answer names another: the one the wait was
    given, which the caller holds and every later call uses (a gateway that renumbers a task
    must not lose the caller's id). Logged once per task. A plain `get` keeps the answer's
    id: it may have been asked for by the task's external id."""
    if task_id not in _renamed_seen:
        _renamed_seen.add(task_id)
        _log.warning(
            "%s task %s: the answer names it %r; kept as %s",
            user_kind(kind),
            task_id,
            printable(str(named)),
            task_id,
        )
    return task_id


def _request_timeout(spec: WaitSpec, deadline: float | None) -> float:
    """The per-request timeout, shrunk to what is left before the deadline (at least 1 s)."""
    if deadline is None:
        return spec.request_timeout
    left = deadline - spec.clock.monotonic()
    return max(_MIN_REQUEST_TIMEOUT, min(spec.request_timeout, left))


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
    polls, failures, unreadable = 0, 0, 0
    last_status: str | None = None
    last_emitted: str | None = None
    last_error: KlingError | None = None
    hint: float | None = None if spec.just_created else 0.0
    if spec.just_created and spec.on_progress is not None:
        # Progress from the first second: the task exists; its first poll may be a while off.
        yield Notify(spec.on_progress, ProgressEvent(task_id, kind, "submitted", 0.0, 0, 0))
    while True:
        now = clock.monotonic()
        remaining = None if deadline is None else deadline - now
        if remaining is not None and remaining <= 0:
            raise _timed_out(kind, task_id, last_status, now - start, last_error) from last_error
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
        timeout = _request_timeout(spec, deadline)
        try:
            reply = yield Call(
                get_operation, task_id=task_id, model_name=model_name, timeout=timeout
            )
            task = read_task(reply, kind, task_id)
            if task["task_id"] != task_id:
                task["task_id"] = _kept_id(kind, task_id, task["task_id"])
        except KlingError as error:
            error.attach(task_id=task_id)
            last_error = error
            kind_of_error = classify_poll_error(error)
            if kind_of_error == "final":
                raise
            if kind_of_error == "unreadable":
                unreadable += 1
                if unreadable >= UNREADABLE_LIMIT:
                    raise _unreadable(kind, task_id, unreadable, error) from error
            # Transient and unreadable polls are retried for as long as the deadline allows
            # (the next poll's delay is fitted to it), backing off no longer than the interval.
            hint = retry_delay(
                error,
                failures,
                spec.retry,
                rng=spec.rng,
                retryable=True,
                within_deadline=True,
                cap=spec.poll.interval,
            )
            failures += 1
            polls += 1
            continue
        polls += 1
        last_status, last_error, unreadable = str(task["task_status"]), None, 0
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
        The succeeded task as JSON (read tolerantly, see `read._reader`).

    Raises:
        TaskFailedError: the task failed.
        WaitTimeoutError: the deadline passed (carries task_id, kind, last status and the
            last poll error).
        UnexpectedResponseError: `UNREADABLE_LIMIT` answers in a row could not be read.
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


@dataclass
class _Round:
    """What one round of `wait_many` learnt: tasks read, and per-task read failures."""

    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, KlingError] = field(default_factory=dict)


def _with_results(
    error: KlingError, done: Mapping[str, Any], pending: Mapping[str, str]
) -> KlingError:
    error.results = dict(done)  # type: ignore[attr-defined]
    error.pending = dict(pending)  # type: ignore[attr-defined]
    return error


def _list_round(
    kind: str,
    wanted: set[str],
    list_operation: str,
    get_operation: str,
    model_name: str | None,
    spec: WaitSpec,
    deadline: float | None,
) -> Plan[_Round]:
    """Read the unfinished tasks of one kind: list pages first, then by id what they missed;
    each request fitted to the deadline, and none started once it has passed."""
    found = _Round()

    def too_late() -> bool:
        return deadline is not None and spec.clock.monotonic() >= deadline

    # The list is newest first over every task of the kind, finished ones included, so
    # unfinished tasks can sit behind the first ceil(N/500) pages: keep paging while some are
    # unseen and pages come back full, a few pages past that at most.
    for page in range(1, _pages_to_scan(len(wanted)) + 1):
        if page > 1 and too_late():
            return found
        try:
            reply = yield Call(
                list_operation,
                model_name=model_name,
                query={"page_num": page, "page_size": LIST_PAGE_SIZE},
                timeout=_request_timeout(spec, deadline),
            )
            items, _ = read_items(
                "Task", reply.data, what=f"{user_kind(kind)} tasks", request_id=reply.request_id
            )
        except KlingError as error:
            if classify_poll_error(error) == "final":
                raise
            break  # an unreadable or failed page: the tasks it held are read by id below
        found.seen.update({str(i["task_id"]): i for i in items if str(i["task_id"]) in wanted})
        if len(reply.data) < LIST_PAGE_SIZE or wanted <= found.seen.keys():
            break
    for task_id in sorted(wanted - set(found.seen)):
        if too_late():
            break
        try:
            single = yield Call(
                get_operation,
                task_id=task_id,
                model_name=model_name,
                timeout=_request_timeout(spec, deadline),
            )
            found.seen[task_id] = read_task(single, kind, task_id)
        except KlingError as error:
            error.attach(task_id=task_id)
            verdict = classify_poll_error(error)
            if verdict == "final" and not isinstance(error, NotFoundError):
                raise
            found.failed[task_id] = error
            if verdict == "transient":
                # The gateway is down or refusing (the list page most likely failed the same
                # way): the rest are read next round, not with one doomed request each now.
                # The simulator found an outage costing N + 1 failed requests per round.
                break
    return found


def wait_many_plan(
    tasks: Sequence[tuple[str, str]],
    list_operations: Mapping[str, str],
    get_operations: Mapping[str, str],
    model_names: Mapping[str, str | None],
    spec: WaitSpec,
) -> Plan[WaitManyResult[dict[str, Any]]]:
    """Wait for many tasks by polling list endpoints: per round and kind, ceil(N/500) list
    requests for its N unfinished tasks when they are the newest of their kind, a few more pages
    when they are older; a task not found on those pages is read by id.

    One unreadable task never sinks the others: list items that cannot be read are skipped
    (and logged); a task that is not found, or whose answers could not be read
    `UNREADABLE_LIMIT` rounds in a row, is given up and reported in `skipped`.

    Args:
        tasks: (kind, task_id) pairs.
        list_operations: kind -> list operationId.
        get_operations: kind -> get operationId.
        model_names: kind -> the `ModelName` header for its requests.
        spec: deadline, schedule, clock and progress callback.

    Returns:
        task_id -> the task as JSON, for every task once all are terminal or given up (failed
        ones included: check `task_status`); `.skipped` lists the tasks given up and why.

    Raises:
        WaitTimeoutError: the deadline passed. It, and any error that ends the wait at once
            (authentication, ...), carries `results` (the finished tasks) and `pending`.
    """
    clock = spec.clock
    start = clock.monotonic()
    deadline = None if spec.timeout is None else start + spec.timeout
    pending: dict[str, str] = {task_id: kind for kind, task_id in tasks}
    done: WaitManyResult[dict[str, Any]] = WaitManyResult()
    skipped: list[Skipped] = []
    last: dict[str, str] = {}
    unreadable: dict[str, int] = {}
    rounds = 0
    # Requests are fitted to the deadline, and none starts after it; a timeout of 0 asks for
    # one whole round (what a batch's status round is), at the full request timeout.
    fitted = deadline if spec.timeout is not None and spec.timeout > 0 else None
    while pending:
        if rounds:
            remaining = None if deadline is None else deadline - clock.monotonic()
            if remaining is not None and remaining <= 0:
                first = next(iter(pending))
                error = _timed_out(
                    pending[first], first, last.get(first), clock.monotonic() - start, None
                )
                raise _with_results(error, done, pending)
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
        found = _Round()
        for kind in sorted(set(pending.values())):
            try:
                part = yield from _list_round(
                    kind,
                    {t for t, k in pending.items() if k == kind},
                    list_operations[kind],
                    get_operations[kind],
                    model_names.get(kind),
                    spec,
                    fitted,
                )
            except KlingError as stop:
                raise _with_results(stop, done, pending) from None
            found.seen.update(part.seen)
            found.failed.update(part.failed)
        for task_id, failure in found.failed.items():
            unreadable[task_id] = unreadable.get(task_id, 0) + (
                classify_poll_error(failure) == "unreadable"
            )
            if isinstance(failure, NotFoundError) or unreadable[task_id] >= UNREADABLE_LIMIT:
                _log.warning("wait_many: gave up on task %s: %s", task_id, failure.message)
                skipped.append(Skipped(failure.message, task_id=task_id, error=failure))
                del pending[task_id]
        for task_id, task in found.seen.items():
            status = str(task["task_status"])
            last[task_id], unreadable[task_id] = status, 0
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
    done.skipped = tuple(skipped)
    return done
