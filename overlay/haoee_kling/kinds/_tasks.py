"""`kling.tasks`: tasks of any kind, named by kind strings, and many waited for at once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._client_state import Core
from .._config import NOT_GIVEN
from .._cost import total_cost
from .._kind_names import spec_kind
from ..plans._engine import Plan
from ..plans._push import pushed, with_safety_net
from ..plans._waiting import wait_many_plan
from ..read._results import WaitManyResult
from ._facades import Facade, aiterating, awaited, blocking, iterating
from ._kind_plans import Callback, KindPlans, to_task
from ._listing import list_plan, served_kinds, task_filter

if TYPE_CHECKING:
    from haoee_kling_api.models import Task

__all__ = ["AsyncTasks", "SyncTasks", "TasksPlans"]


class TasksPlans:
    """`kling.tasks`: tasks of any kind, named by kind strings ("text2video")."""

    def __init__(self, core: Core, kinds: Mapping[str, KindPlans]) -> None:
        self.core = core
        self.kinds = dict(kinds)

    def _kind(self, kind: str) -> KindPlans:
        """The plans of a kind named in any spelling ("text-to-audio", "text_to_audio").

        Raises:
            UnknownKindError: (a ValueError) not a kind; the message has "did you mean".
        """
        return self.kinds[spec_kind(kind)]

    def list(
        self,
        *,
        kinds: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        since: int | datetime.datetime | None = None,
        until: int | datetime.datetime | None = None,
        limit: int | None = None,
        page_size: int = 100,
    ) -> Plan[int]:
        """Tasks of every kind (or of `kinds`), newest first, read page by page as you iterate.

        The API lists one kind a page at a time and filters nothing: the kinds are merged by
        creation time here, and `status`, `since` and `until` filter what was read (reading
        stops at the first task older than `since`). Each task is a `Task` with a `kind`
        (`text2video`, `text-to-audio`, as the `kling` command names it; `kind` in `to_dict()`
        too). On haoee, kinds it does not list (Kling's official-only ones) are left out
        unless named.

        Args:
            kinds: a kind or kinds in any spelling (`text-to-audio`, `text_to_audio`).
            status: a status or statuses: `submitted`, `processing`, `succeed`, `failed`.
            since: only tasks created at or after this time: Unix ms, or a datetime.
            until: only tasks created before this time, the same way.
            limit: stop after this many tasks.
            page_size: tasks per list request (1-500).

        Returns:
            An iterator of tasks (`async for` on `AsyncKling`).

        Raises:
            InvalidRequestError: before any request: an unknown kind or status ("did you
                mean"), a bad time, a limit below 1, `until` not after `since`.
        """
        keep = task_filter(
            kinds=kinds,
            status=status,
            since=since,
            until=until,
            limit=limit,
            known=served_kinds(self.kinds, self.core.config.backend),
        )
        return (yield from list_plan(self.kinds, keep, page_size))

    def get(self, kind: str, task_id: str) -> Plan[Task]:
        """Read one task of a kind ("text2video", ...)."""
        return self._kind(kind).get(task_id)

    def wait(
        self,
        kind: str,
        task_id: str,
        *,
        timeout: Any = NOT_GIVEN,
        on_progress: Callback = None,
        via: Any = None,
    ) -> Plan[Task]:
        """Poll a task of a kind until it succeeds (see the kinds' `wait`; `via`: a
        `CallbackReceiver` whose callback ends the wait)."""
        return self._kind(kind).wait(task_id, timeout=timeout, on_progress=on_progress, via=via)

    def wait_many(
        self,
        tasks: Sequence[tuple[str, str]],
        *,
        timeout: Any = NOT_GIVEN,
        on_progress: Callback = None,
        via: Any = None,
    ) -> Plan[WaitManyResult[Task]]:
        """Wait for many tasks with list requests (ceil(N/500) per kind and round).

        With `via` (a `CallbackReceiver`) the wait ends once every task's terminal callback has
        arrived, and its rounds come only every `safety_interval` seconds, for lost callbacks.

        Returns:
            task_id -> task, failed ones included (check `task_status`); `.skipped` lists the
            tasks given up (not found, or unreadable several rounds in a row) and why.

        Raises:
            WaitTimeoutError: the deadline passed; `.results` has the finished tasks.
        """
        pairs = list(tasks)
        kinds = {kind: self._kind(kind) for kind, _ in pairs}
        spec = self.core.wait_spec(
            next(iter(kinds), "text2video"),
            timeout,
            on_progress,
            task_ids=[task_id for _, task_id in pairs],
        )
        if via is not None:
            spec = with_safety_net(spec, via)
        plan = wait_many_plan(
            pairs,
            {k: v.ops["list"] for k, v in kinds.items()},
            {k: v.ops["get"] for k, v in kinds.items()},
            {k: self.core.header_for(None, k, NOT_GIVEN) for k in kinds},
            spec,
        )
        if via is not None:
            plan = pushed(via, plan, [task_id for _, task_id in pairs], spec.clock)
        data = yield from plan
        result: WaitManyResult[Task] = WaitManyResult(
            (task_id, to_task(task)) for task_id, task in data.items()
        )
        result.skipped = data.skipped
        result.cost = total_cost(result.values())
        return result

    def iter_status(
        self,
        kind: str,
        task_id: str,
        *,
        timeout: Any = NOT_GIVEN,
        on_progress: Callback = None,
        via: Any = None,
    ) -> Plan[dict[str, Any]]:
        """Yield the task at every status change, ending after a terminal state (a failed
        task is yielded, not raised); the deadline raises WaitTimeoutError. With `via` (a
        `CallbackReceiver`) a change is seen when its callback arrives."""
        return self._kind(kind).waiting(task_id, timeout, on_progress, statuses=True, via=via)


class SyncTasks(Facade):
    """`kling.tasks` on `Kling`."""

    list = iterating(TasksPlans.list)
    get = blocking(TasksPlans.get)
    wait = blocking(TasksPlans.wait)
    wait_many = blocking(TasksPlans.wait_many)
    iter_status = iterating(TasksPlans.iter_status)


class AsyncTasks(Facade):
    """`kling.tasks` on `AsyncKling`."""

    list = aiterating(TasksPlans.list)
    get = awaited(TasksPlans.get)
    wait = awaited(TasksPlans.wait)
    wait_many = awaited(TasksPlans.wait_many)
    iter_status = aiterating(TasksPlans.iter_status)
