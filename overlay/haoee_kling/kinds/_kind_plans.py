"""What a task kind's namespace does, as plans, and the runners that run them.

`KindPlans` has one method per call a user makes (`kling.text2video.create(...)`), each
returning a plan. The namespace itself is the generated class of the kind's typed calls
(`haoee_kling_api.calls`), built with a runner from here: `SyncKindRunner` runs each plan
blocking (on `Kling`), `AsyncKindRunner` awaited (on `AsyncKling`); both are what the generated
`KindRunner` protocols ask for, one typed method per call, so mypy checks the seam and an editor
follows it. Task kinds come from the spec's `x-kling-kind` table, so a new kind in the spec is a
new namespace here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from haoee_kling_api.types import UNSET

from .._client_state import Core
from .._clock import Clock
from .._config import NOT_GIVEN, NotGiven
from .._errors import InvalidRequestError, KlingError
from .._kind_names import namespaces, user_kind
from ..check._inputs import merged_fields, page_query, prepare_body
from ..check._validation import Problem
from ..http._sender import kind_operations
from ..http._translate import Reply
from ..plans._engine import Call, Notify, Plan, arun, run
from ..plans._push import pushed, with_safety_net
from ..plans._retries import request_plan
from ..plans._submit import create_plan, may_have_created, new_external_task_id
from ..plans._waiting import read_task, status_plan, wait_plan
from ..read._reader import build_model, read_items, read_model
from ..read._results import Page
from ._instant import send

if TYPE_CHECKING:
    from haoee_kling_api.models import CustomElement, Task

__all__ = [
    "AsyncKindRunner",
    "Callback",
    "ElementPlans",
    "KindPlans",
    "Runner",
    "SyncKindRunner",
    "given",
    "namespaces",
    "to_task",
]


Callback = Callable[[Any], Any] | None


TaskList = Page["Task"]
Elements = Page["CustomElement"]


# The models are imported on first use (`import haoee_kling` should not pay for them), once:
# an import statement on every answer costs about a microsecond.
@functools.cache
def _task_type() -> type[Task]:
    from haoee_kling_api.models import Task

    return Task


@functools.cache
def _element_type() -> type[CustomElement]:
    from haoee_kling_api.models import CustomElement

    return CustomElement


def to_task(data: dict[str, Any]) -> Task:
    """A task the reader produced, as the generated model."""
    return build_model(_task_type(), data, what=f"task {data.get('task_id')}")


def _task(
    plan: Plan[dict[str, Any]] | Plan[Task],
    *,
    external_task_id: str | None = None,
    generated: bool = False,
) -> Plan[Task]:
    """Run a plan that ends with a task (as read JSON, or already built: each answer becomes a
    model once); any error after its id is known carries the ids. An external id the client
    made up (`generated`) is named only where the task may exist: on an error that proves it
    does not, it would read as "a task may exist"."""
    task_id: str | None = None
    try:
        result = yield from plan
        if not isinstance(result, dict):
            return result
        task_id = str(result["task_id"])
        return to_task(result)
    except KlingError as error:
        error.attach(task_id=task_id, external_task_id=external_task_id)
        if isinstance(error, InvalidRequestError) or (
            generated and error.task_id is None and not may_have_created(error)
        ):
            # Nothing was sent, or the id was made up here and no task can have it (the
            # caller's own id stays: it is theirs to see).
            error.external_task_id = None
        raise


def _page(
    model: Callable[[], type[Any]], schema: str, reply: Reply, *, what: str, query: bool
) -> Page[Any]:
    """A list answer as a `Page` of models: the readable items, and what was skipped."""
    items, skipped = read_items(
        schema, reply.data, what=what, query=query, request_id=reply.request_id, model=model()
    )
    page: Page[Any] = Page(items)
    page.skipped = skipped
    return page


def _tasks(plan: Plan[Reply], *, what: str) -> Plan[TaskList]:
    reply = yield from plan
    return _page(_task_type, "Task", reply, what=what, query=True)


class KindPlans:
    """One task kind: `kling.<kind>.create / get / list / wait / create_and_wait`."""

    def __init__(self, core: Core, kind: str) -> None:
        self.core = core
        self.kind = kind
        self.ops = kind_operations()[kind]
        self.namespace = next(name for name, k in namespaces().items() if k == kind)
        self.call = f"{self.namespace}.create"
        self.new_task = f"the new {user_kind(kind)} task"

    def _created(
        self,
        fields: dict[str, Any],
        external_task_id: str,
        header: Any,
        on_submitted: Callback,
        on_progress: Callback = None,
    ) -> Plan[Task]:
        from ..check._capabilities import default_deadline  # the model map, with the first create

        op_id, core = self.ops["create"], self.core
        fields["external_task_id"] = external_task_id
        body = prepare_body(op_id, fields, call=self.call)
        sent = core.create_header(op_id, body, header)
        deadline = default_deadline(op_id, body)
        task: Task = yield from create_plan(
            Call(op_id, body=body, model_name=sent, timeout=core.config.timeout),
            (self.ops["list"], self.ops["get"]),
            kind=self.kind,
            policy=core.config.retry,
            clock=core.clock,
            on_progress=on_progress,
            model=_task_type(),
            what=self.new_task,
        )
        core.remember(task.task_id, self.kind, sent, deadline)
        if on_submitted is not None:
            yield Notify(on_submitted, task)
        return task

    def waiting(
        self,
        task_id: str,
        timeout: Any,
        on_progress: Callback,
        *,
        just_created: bool = False,
        statuses: bool = False,
        via: Any = None,
    ) -> Plan[dict[str, Any]]:
        """The wait plan of one task (`statuses`: emit each status change, end at either
        terminal state; `via`: a `CallbackReceiver` whose push ends the wait early)."""
        spec = self.core.wait_spec(
            self.kind, timeout, on_progress, just_created=just_created, task_ids=(task_id,)
        )
        header = self.core.header_for(task_id, self.kind, NOT_GIVEN)
        if via is not None:
            spec = with_safety_net(spec, via)
        if statuses:
            plan = status_plan(self.kind, task_id, self.ops["get"], header, spec, emit=to_task)
        else:
            plan = wait_plan(self.kind, task_id, self.ops["get"], header, spec)
        return plan if via is None else pushed(via, plan, (task_id,), spec.clock)

    def create(
        self,
        body: Any = None,
        /,
        *,
        external_task_id: str | None = None,
        model_name_header: Any = NOT_GIVEN,
        on_submitted: Callback = None,
        on_progress: Callback = None,
        **fields: Any,
    ) -> Plan[Task]:
        """Create a task (body fields as keywords; media as URL, base64, bytes or path).

        Args:
            body: the whole request as a generated model or a dict (keywords override it).
            external_task_id: your id for the task; one is generated when omitted.
            model_name_header: haoee `ModelName` to send instead of the derived one.
            on_submitted: called with the task as soon as it exists.
            on_progress: called with a `SubmitProgress` while the create waits to be sent again
                (a concurrency slot, code 1303; a rate limit).
            **fields: the request body's fields, as the spec names them.

        Returns:
            The new task (status `submitted`).

        Raises:
            InvalidRequestError: before any request, listing every problem.
            APIError, APIConnectionError: carrying `external_task_id` (see safe submission).
        """
        fields = merged_fields(body, fields)
        external_id = external_task_id or fields.pop("external_task_id", None)
        generated, external_id = not external_id, external_id or new_external_task_id()
        return (
            yield from _task(
                self._created(fields, external_id, model_name_header, on_submitted, on_progress),
                external_task_id=external_id,
                generated=generated,
            )
        )

    def get(self, task_id: str, *, model_name_header: Any = NOT_GIVEN) -> Plan[Task]:
        """Read one task by id (free; retried on transient errors)."""
        call = Call(
            self.ops["get"],
            task_id=task_id,
            timeout=self.core.config.timeout,
            model_name=self.core.header_for(task_id, self.kind, model_name_header),
        )
        reply = yield from request_plan(call, self.core.config.retry, self.core.clock)
        return read_task(reply, self.kind, task_id, model=_task_type())

    def list(
        self, *, page_num: int = 1, page_size: int = 30, model_name_header: Any = NOT_GIVEN
    ) -> Plan[TaskList]:
        """One page of this kind's tasks, newest first (`page_size` at most 500)."""
        call = Call(
            self.ops["list"],
            query=page_query(self.ops["list"], page_num, page_size),
            timeout=self.core.config.timeout,
            model_name=self.core.header_for(None, self.kind, model_name_header),
        )
        return (
            yield from _tasks(
                request_plan(call, self.core.config.retry, self.core.clock),
                what=f"{user_kind(self.kind)} tasks",
            )
        )

    def wait(
        self,
        task_id: str,
        *,
        timeout: Any = NOT_GIVEN,
        on_progress: Callback = None,
        via: Any = None,
    ) -> Plan[Task]:
        """Poll a task until it succeeds.

        Args:
            task_id: the task.
            timeout: overall deadline in seconds (default: the client's `wait_timeout`;
                None waits without one).
            on_progress: called with a `ProgressEvent` after every poll.
            via: a `CallbackReceiver`: the wait ends on the task's callback and polls only
                every `safety_interval` seconds, in case the callback is lost.

        Returns:
            The succeeded task.

        Raises:
            TaskFailedError: the task failed. WaitTimeoutError: the deadline passed.
        """
        return (yield from _task(self.waiting(task_id, timeout, on_progress, via=via)))

    def create_and_wait(
        self,
        body: Any = None,
        /,
        *,
        external_task_id: str | None = None,
        model_name_header: Any = NOT_GIVEN,
        timeout: Any = NOT_GIVEN,
        on_progress: Callback = None,
        on_submitted: Callback = None,
        via: Any = None,
        **fields: Any,
    ) -> Plan[Task]:
        """`create` then `wait` (see both); every error after the create carries the task id.

        With `via` (a `CallbackReceiver`), a create without `callback_url` gets the receiver's
        `url` (when it has one), and the wait ends on the task's callback.
        """
        _check_deadline(timeout)  # before the create: a wait that cannot wait costs nothing
        fields = merged_fields(body, fields)
        if via is not None and not fields.get("callback_url"):
            fields["callback_url"] = _callback_url(via)
        external_id = external_task_id or fields.pop("external_task_id", None)
        generated, external_id = not external_id, external_id or new_external_task_id()
        created = yield from _task(
            self._created(fields, external_id, model_name_header, on_submitted, on_progress),
            external_task_id=external_id,
            generated=generated,
        )
        return (
            yield from _task(
                self.waiting(created.task_id, timeout, on_progress, just_created=True, via=via),
                external_task_id=external_id,
            )
        )


def _check_deadline(timeout: Any) -> None:
    """Refuse a `create_and_wait` deadline that is not a positive, finite number of seconds."""
    if isinstance(timeout, NotGiven) or timeout is None:
        return
    ok = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if not ok or not math.isfinite(timeout) or timeout <= 0:
        message = f"timeout: must be a positive number of seconds (got {timeout!r})"
        raise InvalidRequestError([Problem("timeout", "exclusiveMinimum", message)])


def _callback_url(via: Any) -> str:
    """The `callback_url` a create waited for `via` a receiver gets: the receiver's `url`."""
    if not via.url:
        message = (
            "callback_url: is required with via=receiver (give callback_url=, or set the "
            "receiver's url to where Kling can reach it); without it no callback can arrive"
        )
        raise InvalidRequestError([Problem("callback_url", "via-needs-callback-url", message)])
    return str(via.url)


class ElementPlans(KindPlans):
    """`kling.elements`: advanced custom elements (tasks), plus the legacy and preset lists."""

    def create_legacy(self, /, **fields: Any) -> Plan[CustomElement]:
        """Create a legacy element synchronously (`createCustomElement`).

        It is billed and has no external id, so it is retried only when it provably did not
        start.
        """
        body = prepare_body("createCustomElement", fields)
        reply = yield from send(self.core, "createCustomElement", body=body, idempotent=False)
        return read_model(
            _element_type(),
            "CustomElement",
            reply.data,
            what="the new element",
            request_id=reply.request_id,
        )

    def list_legacy(self, *, page_num: int = 1, page_size: int = 30) -> Plan[Elements]:
        """One page of legacy custom elements (`listCustomElements`)."""
        reply = yield from send(
            self.core,
            "listCustomElements",
            query=page_query("listCustomElements", page_num, page_size),
        )
        return _page(_element_type, "CustomElement", reply, what="custom elements", query=False)

    def list_presets(self, *, page_num: int = 1, page_size: int = 30) -> Plan[Elements]:
        """One page of Kling's legacy preset elements (`listPresetElements`)."""
        reply = yield from send(
            self.core,
            "listPresetElements",
            query=page_query("listPresetElements", page_num, page_size),
        )
        return _page(_element_type, "CustomElement", reply, what="preset elements", query=False)

    def list_advanced_presets(self, *, page_num: int = 1, page_size: int = 30) -> Plan[TaskList]:
        """One page of Kling's preset elements in the current design (tasks holding them)."""
        return (
            yield from _tasks(
                send(
                    self.core,
                    "listAdvancedPresetElements",
                    query=page_query("listAdvancedPresetElements", page_num, page_size),
                ),
                what="advanced preset elements",
            )
        )


def given(value: Any) -> Any:
    """A generated call's argument as the plans take it: `UNSET` (the caller gave none) is
    `NOT_GIVEN`, so the plan picks the default."""
    return NOT_GIVEN if value is UNSET else value


class Runner:
    """One namespace's plans, with what runs them: the client's sender and clock."""

    def __init__(self, plans: Any, sender: Callable[[Any], Any], clock: Clock) -> None:
        self.plans = plans
        self.sender = sender
        self.clock = clock

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self.plans, 'kind', '')}>".replace(" >", ">")


class SyncKindRunner(Runner):
    """Runs a task kind's calls blocking: the generated `KindRunner` of `kling.<kind>`."""

    plans: KindPlans

    def create(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: Any,
        on_submitted: Callback,
        on_progress: Callback,
        fields: Mapping[str, Any],
    ) -> Task:
        plan = self.plans.create(
            body,
            external_task_id=external_task_id,
            model_name_header=given(model_name_header),
            on_submitted=on_submitted,
            on_progress=on_progress,
            **fields,
        )
        return run(plan, self.sender, self.clock.sleep)

    def create_and_wait(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: Any,
        timeout: Any,
        on_progress: Callback,
        on_submitted: Callback,
        via: Any,
        fields: Mapping[str, Any],
    ) -> Task:
        plan = self.plans.create_and_wait(
            body,
            external_task_id=external_task_id,
            model_name_header=given(model_name_header),
            timeout=given(timeout),
            on_progress=on_progress,
            on_submitted=on_submitted,
            via=via,
            **fields,
        )
        return run(plan, self.sender, self.clock.sleep)

    def get(self, task_id: str, *, model_name_header: Any) -> Task:
        plan = self.plans.get(task_id, model_name_header=given(model_name_header))
        return run(plan, self.sender, self.clock.sleep)

    def list(self, *, page_num: int, page_size: int, model_name_header: Any) -> TaskList:
        plan = self.plans.list(
            page_num=page_num, page_size=page_size, model_name_header=given(model_name_header)
        )
        return run(plan, self.sender, self.clock.sleep)

    def wait(self, task_id: str, *, timeout: Any, on_progress: Callback, via: Any) -> Task:
        plan = self.plans.wait(task_id, timeout=given(timeout), on_progress=on_progress, via=via)
        return run(plan, self.sender, self.clock.sleep)


Awaited = Coroutine[Any, Any, "Task"]


class AsyncKindRunner(Runner):
    """Runs a task kind's calls awaited: the generated `AsyncKindRunner` of `kling.<kind>`."""

    plans: KindPlans

    def create(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: Any,
        on_submitted: Callback,
        on_progress: Callback,
        fields: Mapping[str, Any],
    ) -> Awaited:
        plan = self.plans.create(
            body,
            external_task_id=external_task_id,
            model_name_header=given(model_name_header),
            on_submitted=on_submitted,
            on_progress=on_progress,
            **fields,
        )
        return arun(plan, self.sender, self.clock.asleep)

    def create_and_wait(
        self,
        body: Any,
        /,
        *,
        external_task_id: str | None,
        model_name_header: Any,
        timeout: Any,
        on_progress: Callback,
        on_submitted: Callback,
        via: Any,
        fields: Mapping[str, Any],
    ) -> Awaited:
        plan = self.plans.create_and_wait(
            body,
            external_task_id=external_task_id,
            model_name_header=given(model_name_header),
            timeout=given(timeout),
            on_progress=on_progress,
            on_submitted=on_submitted,
            via=via,
            **fields,
        )
        return arun(plan, self.sender, self.clock.asleep)

    def get(self, task_id: str, *, model_name_header: Any) -> Awaited:
        plan = self.plans.get(task_id, model_name_header=given(model_name_header))
        return arun(plan, self.sender, self.clock.asleep)

    def list(
        self, *, page_num: int, page_size: int, model_name_header: Any
    ) -> Coroutine[Any, Any, TaskList]:
        plan = self.plans.list(
            page_num=page_num, page_size=page_size, model_name_header=given(model_name_header)
        )
        return arun(plan, self.sender, self.clock.asleep)

    def wait(self, task_id: str, *, timeout: Any, on_progress: Callback, via: Any) -> Awaited:
        plan = self.plans.wait(task_id, timeout=given(timeout), on_progress=on_progress, via=via)
        return arun(plan, self.sender, self.clock.asleep)
