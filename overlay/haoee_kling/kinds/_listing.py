"""`kling.tasks.list`: tasks of every kind, newest first, paged as they are read, filtered.

The API lists one kind at a time, a page per request, newest first, and filters nothing but
the page. This plan reads the first page of each kind asked for, then merges the kinds by
creation time, fetching a kind's next page only when its current one is used up, so a
`limit` of 20 costs one request per kind. Status and time filters run here, on what was
read; the time filters also stop the reading once the tasks are older than `since`. Each task
names its kind as users see it (`text-to-audio`): `ListedTask.kind`, and `kind` in its dict.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import attrs
from attrs import define

from haoee_kling_api.models import Task

from .._errors import InvalidRequestError
from .._kind_names import UnknownKindError, kind_hint, spec_kind, suggest, user_kind
from .._spec import operation
from ..check._validation import Problem
from ..http._sender import kind_operations
from ..plans._engine import Emit, Plan

if TYPE_CHECKING:
    from ._kind_plans import KindPlans

__all__ = ["STATUSES", "ListedTask", "TaskFilter", "list_plan", "served_kinds", "task_filter"]

STATUSES = ("submitted", "processing", "succeed", "failed")
"""The statuses a listing can be filtered by (Kling spells success `succeed`)."""

PAGE_SIZE = 100
"""Tasks per list request: a few requests for a long history, little waste for a short one."""


@define
class ListedTask(Task):
    """A task from `kling.tasks.list`: a `Task` that also names its kind.

    Attributes:
        kind: the task kind as the `kling` command names it (`text2video`, `text-to-audio`).
    """

    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The task as JSON, with its `kind`."""
        return {**super().to_dict(), "kind": self.kind}


@dataclass(frozen=True)
class TaskFilter:
    """What a listing keeps (checked by `task_filter` before anything is sent).

    Attributes:
        kinds: the spec's kinds to read, in order.
        statuses: the statuses kept, or None for all.
        since: keep tasks created at or after this Unix millisecond, or None.
        until: keep tasks created before this Unix millisecond, or None.
        limit: stop after this many tasks, or None.
    """

    kinds: tuple[str, ...]
    statuses: frozenset[str] | None
    since: int | None
    until: int | None
    limit: int | None


def served_kinds(kinds: Iterable[str], backend: str) -> list[str]:
    """The kinds whose list the backend serves (haoee lists no official-only kind)."""
    if backend != "haoee":
        return list(kinds)
    return [k for k in kinds if operation(_list_op(k)).raw.get("x-haoee-listed", True)]


def _list_op(kind: str) -> str:
    return kind_operations()[kind]["list"]


def _millis(value: Any, name: str, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    message = f"{name}: must be Unix milliseconds or a datetime (got {value!r})"
    problems.append(Problem(name, "type", message))
    return None


def _names(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def task_filter(
    *,
    kinds: str | Iterable[str] | None,
    status: str | Iterable[str] | None,
    since: Any,
    until: Any,
    limit: int | None,
    known: Iterable[str],
) -> TaskFilter:
    """Check a listing's filters, before any request.

    Args:
        kinds: kinds in any spelling, or None for `known`.
        status: statuses (`succeed`, ...), or None for all.
        since: Unix milliseconds or a datetime (naive = local), or None.
        until: the same, or None.
        limit: how many tasks at most (> 0), or None.
        known: the spec's kinds to read when `kinds` is None.

    Raises:
        InvalidRequestError: every problem at once, each naming its argument.
    """
    problems: list[Problem] = []
    chosen: list[str] = []
    for name in _names(kinds) or []:
        try:
            chosen.append(spec_kind(name))
        except UnknownKindError:
            message = f"kinds: '{name}' is not a task kind{kind_hint(name)}"
            problems.append(Problem("kinds", "enum", message))
    statuses = _names(status)
    for name in statuses or []:
        if name not in STATUSES:
            hint = suggest(name, STATUSES) or f"; the statuses are {', '.join(STATUSES)}"
            problems.append(Problem("status", "enum", f"status: '{name}' is not one{hint}"))
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        problems.append(Problem("limit", "minimum", f"limit: must be 1 or more (got {limit!r})"))
    start, end = _millis(since, "since", problems), _millis(until, "until", problems)
    if start is not None and end is not None and end <= start:
        problems.append(Problem("until", "order", "until: must be after since"))
    if problems:
        raise InvalidRequestError(problems)
    return TaskFilter(
        kinds=tuple(dict.fromkeys(chosen)) if kinds is not None else tuple(known),
        statuses=None if statuses is None else frozenset(statuses),
        since=start,
        until=end,
        limit=limit,
    )


def _created(task: Task) -> int:
    created = task.created_at
    return created if isinstance(created, int) else -1


def list_plan(
    plans: Mapping[str, KindPlans], keep: TaskFilter, page_size: int = PAGE_SIZE
) -> Plan[int]:
    """Emit the tasks `keep` asks for, newest first across its kinds.

    Args:
        plans: the spec's kind -> its plans (each kind's `list` reads one page).
        keep: the filters (kinds, statuses, times, limit).
        page_size: tasks per request.

    Returns:
        How many tasks were emitted.
    """
    pending: dict[str, deque[ListedTask]] = {}
    next_page: dict[str, int] = {}
    for kind in keep.kinds:
        next_page[kind] = 1
        pending[kind] = deque()
        yield from _read_page(plans[kind], kind, pending, next_page, page_size)
    emitted, emptied = 0, None
    while True:
        # A kind's next page is read only once its current one is used up and another task
        # is wanted: stopping at `limit` or `since` costs no request more.
        if emptied is not None and next_page[emptied]:
            yield from _read_page(plans[emptied], emptied, pending, next_page, page_size)
        heads = [k for k in pending if pending[k]]
        if not heads:
            break
        kind = max(heads, key=lambda k: _created(pending[k][0]))
        task = pending[kind].popleft()
        emptied = None if pending[kind] else kind
        created = _created(task)
        if keep.since is not None and created < keep.since:
            if created >= 0:
                break  # newest first: every task left is older still
            continue  # no creation time: cannot tell, so not kept
        if keep.until is not None and created >= keep.until:
            continue
        if keep.statuses is not None and _status(task) not in keep.statuses:
            continue
        yield Emit(task)
        emitted += 1
        if keep.limit is not None and emitted >= keep.limit:
            break
    return emitted


def _status(task: Task) -> str | None:
    status: Any = task.task_status
    if isinstance(status, Enum):
        return str(status.value)
    return status if isinstance(status, str) else None


def _read_page(
    plans: KindPlans,
    kind: str,
    pending: dict[str, deque[ListedTask]],
    next_page: dict[str, int],
    page_size: int,
) -> Plan[None]:
    """Read a kind's next page into `pending`; a short page is its last (next_page 0)."""
    page = yield from plans.list(page_num=next_page[kind], page_size=page_size)
    shown = user_kind(kind)
    for item in page:
        listed = ListedTask(**{a: getattr(item, a) for a in _FIELDS}, kind=shown)
        listed.additional_properties = dict(item.additional_properties)
        listed.request_id = item.request_id
        pending[kind].append(listed)
    full = len(page) + len(page.skipped) >= page_size
    next_page[kind] = next_page[kind] + 1 if full else 0


# The model's fields its constructor takes (not `additional_properties`, not `request_id`).
_FIELDS = tuple(field.name for field in attrs.fields(Task) if field.init)
