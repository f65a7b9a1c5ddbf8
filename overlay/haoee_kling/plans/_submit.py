"""Safe submission: a paid create is never sent twice and its task is never lost.

Every create carries an `external_task_id` (`hk-<uuid4 hex>` when the caller gives none). A
create is retried only when it provably did not start: the connection failed before sending,
or the server refused it for rate or concurrency (429, 1302, 1303) or said "unavailable, come
back later" (503 with Retry-After). After an ambiguous failure (timeout or dropped connection
after sending, other 5xx, a garbled answer) the plan looks the task up by its external id in
the kind's list (newest first) and resubmits only when the list proves it absent. If the
lookup itself fails, the error raised carries the external id, so the caller can look again.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from .._clock import Clock
from .._errors import (
    APIConnectionError,
    APIError,
    BadRequestError,
    ConcurrencyLimitError,
    InvalidRequestError,
    KlingError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from .._kind_names import user_kind
from ..read._reader import build_model, read_items, read_model, read_one
from ._engine import Call, Notify, Plan, Sleep
from ._polling import SubmitProgress
from ._retries import RetryPolicy, provably_not_started, request_plan, retry_delay

__all__ = [
    "LOOKUP_PAGES",
    "LOOKUP_PAGE_SIZE",
    "create_plan",
    "decide",
    "lookup_plan",
    "may_have_created",
    "never_sent",
    "new_external_task_id",
]

_log = logging.getLogger("haoee_kling")
LOOKUP_PAGE_SIZE = 500
LOOKUP_PAGES = 2
# Tasks created this long before our first attempt cannot be ours (allows for clock skew).
_LOOKUP_HORIZON_MS = 600_000
_CONCURRENCY = RetryPolicy(base=1.0, cap=30.0)

Decision = Literal["retry", "lookup", "raise"]
Found = Literal["absent", "unknown"]


def never_sent(error: KlingError) -> bool:
    """Whether a request provably never left this process: a local check refused it, or the
    connection failed before sending. Such an error names no `external_task_id`, so "nothing
    was sent" never reads as "a task may exist"."""
    if isinstance(error, APIConnectionError):
        return not error.maybe_sent
    return isinstance(error, InvalidRequestError)


def new_external_task_id() -> str:
    """A fresh id for a create the caller did not name: `hk-` and 32 hex digits."""
    return f"hk-{uuid.uuid4().hex}"


def may_have_created(error: KlingError) -> bool:
    """Whether a failed create may still have made its task: no answer after the request may
    have arrived, a server error, or an answer that could not be read. Any other error proves
    the task does not exist (a refusal, a connection that never opened, invalid input)."""
    if isinstance(error, APIConnectionError):
        return error.maybe_sent
    return isinstance(error, ServerError | UnexpectedResponseError)


def decide(error: KlingError, *, after_ambiguous: bool) -> Decision:
    """What to do after a create attempt failed.

    Args:
        error: what the attempt raised.
        after_ambiguous: an earlier attempt of this create may have reached the server.

    Returns:
        "retry" when the create provably did not start, "lookup" when it may have, "raise"
        when retrying cannot help.
    """
    if provably_not_started(error):
        return "retry"
    if isinstance(error, APIConnectionError):
        return "lookup"
    if not isinstance(error, APIError) or isinstance(error, RateLimitError):
        return "raise"
    if isinstance(error, ServerError | UnexpectedResponseError):
        return "lookup"
    # A rejected resubmit after an ambiguous attempt may be "external_task_id already used":
    # the first attempt did create the task.
    if after_ambiguous and isinstance(error, BadRequestError):
        return "lookup"
    return "raise"


def _waiting_for(error: KlingError) -> str:
    """Why a create waits before it is sent again, for people."""
    if isinstance(error, ConcurrencyLimitError):
        return f"waiting for a concurrency slot (code {error.code})"
    if isinstance(error, RateLimitError):
        return f"rate limited (HTTP {error.status_code}, code {error.code})"
    if isinstance(error, APIError):
        return f"the server asked to retry (HTTP {error.status_code})"
    return "the connection failed before sending"


def _echoes_external_ids(items: list[Any]) -> bool:
    return any(
        isinstance(i, Mapping)
        and isinstance(i.get("task_info"), Mapping)
        and "external_task_id" in i["task_info"]
        for i in items
    )


def lookup_plan(
    operations: tuple[str, str],
    external_task_id: str,
    *,
    since_ms: int,
    model_name: str | None,
    timeout: float,
    policy: RetryPolicy,
    clock: Clock,
) -> Plan[dict[str, Any] | Found]:
    """Find a task by external id in its kind's list, newest first.

    Absence is proven only by a list that echoes `task_info.external_task_id` (Kling's
    documented shape). When the tasks listed carry no external ids, the task is read by its
    external id instead (Kling documents that form; haoee may not support it): found, or
    "unknown" — never "absent".

    Args:
        operations: the kind's (list, get) operationIds.

    Returns:
        The task (as JSON) when found; "absent" when the list reached tasks older than
        `since_ms` (or its end) without it; "unknown" when absence cannot be proven.

    Raises:
        KlingError: the list request failed after its retries.
    """
    list_operation, get_operation = operations
    for page in range(1, LOOKUP_PAGES + 1):
        reply = yield from request_plan(
            Call(
                list_operation,
                query={"page_num": page, "page_size": LOOKUP_PAGE_SIZE},
                model_name=model_name,
                timeout=timeout,
            ),
            policy,
            clock,
        )
        # Unreadable items are skipped; absence is then proven only if the readable ones echo
        # external ids and reach back far enough, as for any page.
        items, skipped = read_items(
            "Task", reply.data, what="tasks (lookup)", query=False, request_id=reply.request_id
        )
        for item in items:
            info = item.get("task_info")
            if isinstance(info, Mapping) and info.get("external_task_id") == external_task_id:
                return item
        if skipped or (items and not _echoes_external_ids(items)):
            return (
                yield from _get_by_external_id(
                    get_operation, external_task_id, model_name, timeout, policy, clock
                )
            )
        oldest = min((int(i.get("created_at", 0)) for i in items), default=0)
        if len(reply.data) < LOOKUP_PAGE_SIZE or oldest < since_ms - _LOOKUP_HORIZON_MS:
            return "absent"
    return "unknown"


def _get_by_external_id(
    get_operation: str,
    external_task_id: str,
    model_name: str | None,
    timeout: float,
    policy: RetryPolicy,
    clock: Clock,
) -> Plan[dict[str, Any] | Found]:
    try:
        reply = yield from request_plan(
            Call(get_operation, task_id=external_task_id, model_name=model_name, timeout=timeout),
            policy,
            clock,
        )
    except NotFoundError:
        return "unknown"
    try:
        return read_one(
            "Task", reply.data, what=f"task {external_task_id}", request_id=reply.request_id
        )
    except UnexpectedResponseError:
        return "unknown"


def create_plan(
    create: Call,
    lookups: tuple[str, str],
    *,
    kind: str = "task",
    policy: RetryPolicy,
    clock: Clock,
    on_submitted: Any = None,
    on_progress: Any = None,
    rng: random.Random | None = None,
    model: type[Any] | None = None,
    what: str | None = None,
) -> Plan[Any]:
    """Create a task safely (see the module docstring).

    Args:
        create: the create request; its body holds `external_task_id`.
        lookups: the kind's (list, get) operationIds, for lookups.
        kind: the task kind, for messages.
        policy: retry limits (`max_retries` bounds resubmits; `concurrency_wait` bounds 1303).
        clock: for budgets and wall time.
        on_submitted: called with the task (JSON) as soon as it is known to exist.
        on_progress: called with a `SubmitProgress` before each wait to send again (a
            concurrency slot, a rate limit, a failed connection), so a held create is visible.
        rng: random source for jitter.
        model: the generated `Task` model: the answer is read straight into it, in the one
            walk a get's answer takes (`read_model`); without it the task is JSON.
        what: how messages name the new task (default: `the new <kind> task`).

    Returns:
        The created task (a `model`, or JSON), read tolerantly: only its `task_id` is
        required. An answer without one counts as ambiguous and is looked up by external id.

    Raises:
        KlingError: carrying `external_task_id` (and `task_id` when known).
    """
    external_id = str((create.body or {})["external_task_id"])
    what = what or f"the new {user_kind(kind)} task"
    since_ms = int(clock.wall() * 1000)
    started = clock.monotonic()
    retries, slept, ambiguous, busy = 0, 0.0, False, 0
    task: Any = None
    while True:
        try:
            sends = 1 + retries + busy  # the debug log numbers each send of the create
            reply = yield create if sends == 1 else create._replace(attempt=sends)
            if model is None:
                task = read_one("Task", reply.data, what=what, request_id=reply.request_id)
            else:
                task = read_model(model, "Task", reply.data, what=what, request_id=reply.request_id)
            break
        except KlingError as error:
            if ambiguous or not never_sent(error):  # else no task can exist: no id to show
                error.attach(external_task_id=external_id)
            action = decide(error, after_ambiguous=ambiguous)
            if action == "lookup":
                ambiguous = True
                _log.info(
                    "create %s ended ambiguously (%s); looking it up",
                    external_id,
                    type(error).__name__,
                )
                try:
                    found = yield from lookup_plan(
                        lookups,
                        external_id,
                        since_ms=since_ms,
                        model_name=create.model_name,
                        timeout=create.timeout or 60.0,
                        policy=policy,
                        clock=clock,
                    )
                except KlingError as lookup_error:
                    error.add_note(
                        f"the task may exist: the lookup by external_task_id "
                        f"{external_id} failed ({type(lookup_error).__name__})"
                    )
                    raise error from lookup_error
                if isinstance(found, dict):
                    task = found if model is None else build_model(model, found, what=what)
                    break
                if found == "unknown":
                    raise
            if action == "raise":
                raise
            busy_for = clock.monotonic() - started
            concurrency = isinstance(error, ConcurrencyLimitError)
            delay = (
                # A concurrency slot is waited for within its own budget, however many tries.
                retry_delay(
                    error,
                    busy,
                    _CONCURRENCY,
                    remaining=policy.concurrency_wait - busy_for,
                    rng=rng,
                    retryable=True,
                    within_deadline=True,
                )
                if concurrency
                else retry_delay(error, retries, policy, slept=slept, rng=rng, retryable=True)
            )
            if delay is None:
                raise
            busy, retries = (busy + 1, retries) if concurrency else (busy, retries + 1)
            _log.info("resubmitting %s in %.2f s (%s)", external_id, delay, type(error).__name__)
            if on_progress is not None:
                waits = busy if isinstance(error, ConcurrencyLimitError) else retries
                yield Notify(
                    on_progress,
                    SubmitProgress(kind, external_id, _waiting_for(error), waits, delay),
                )
            yield Sleep(delay)
            slept += delay
    task_id = task.get("task_id") if model is None else task.task_id
    _log.info("created task %s (external_task_id %s)", task_id, external_id)
    if on_submitted is not None:
        yield Notify(on_submitted, task)
    return task
