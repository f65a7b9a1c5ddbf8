"""The namespaces users call, each written once and exposed twice: blocking and awaited.

A task kind's namespace is the generated class of its typed calls (`haoee_kling_api.calls`:
typed parameters from the spec, for editors and type checkers) with a runner under it that
runs the matching plan method of `_namespaces`, blocking (on `Kling`) or awaited (on
`AsyncKling`). The other namespaces expose their plan methods directly (`blocking`,
`awaited`): same signature, same docstring. Nothing else differs between the two clients'
namespaces, so they cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from .._clock import Clock
from ..plans._engine import Plan, aiterate, arun, iterate, run
from ._instant import AccountPlans
from ._kind_plans import ElementPlans
from ._tasks import TasksPlans

__all__ = [
    "AsyncAccount",
    "AsyncElementExtras",
    "AsyncRunner",
    "AsyncTasks",
    "SyncAccount",
    "SyncElementExtras",
    "SyncRunner",
    "SyncTasks",
    "instant_facade",
    "kind_facade",
]

P = ParamSpec("P")
R = TypeVar("R")
PlanMethod = Callable[Concatenate[Any, P], Plan[R]]


class _Facade:
    """Holds the plans of one namespace and what runs them (a sender and a clock)."""

    def __init__(self, plans: Any, sender: Callable[[Any], Any], clock: Clock) -> None:
        self._plans = plans
        self._sender = sender
        self._clock = clock

    @property
    def kind(self) -> str | None:
        """The task kind of this namespace (None for `tasks`, `account` and the calls answered
        at once: `identify_face`, `tts`, `image_recognize`)."""
        return getattr(self._plans, "kind", None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind or ''}>".replace(" >", ">")


def blocking(plan: PlanMethod[P, R]) -> Callable[Concatenate[_Facade, P], R]:
    """Expose a plan method as a blocking method."""

    def method(self: _Facade, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return run(plan(self._plans, *args, **kwargs), self._sender, self._clock.sleep)

    functools.update_wrapper(method, plan)
    return method


def awaited(plan: PlanMethod[P, R]) -> Callable[Concatenate[_Facade, P], Coroutine[Any, Any, R]]:
    """Expose a plan method as a coroutine method."""

    async def method(self: _Facade, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await arun(plan(self._plans, *args, **kwargs), self._sender, self._clock.asleep)

    functools.update_wrapper(method, plan)
    return method


def iterating(plan: PlanMethod[P, Any]) -> Callable[Concatenate[_Facade, P], Iterator[Any]]:
    """Expose a plan method as a method returning an iterator of what the plan emits."""

    def method(self: _Facade, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
        return iterate(plan(self._plans, *args, **kwargs), self._sender, self._clock.sleep)

    functools.update_wrapper(method, plan)
    return method


def aiterating(
    plan: PlanMethod[P, Any],
) -> Callable[Concatenate[_Facade, P], AsyncIterator[Any]]:
    """Expose a plan method as a method returning an async iterator of what the plan emits."""

    def method(self: _Facade, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Any]:
        return aiterate(plan(self._plans, *args, **kwargs), self._sender, self._clock.asleep)

    functools.update_wrapper(method, plan)
    return method


class SyncRunner(_Facade):
    """Runs a namespace's calls blocking: the `_call` the generated typed calls hand off to."""

    def _call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        plan = getattr(self._plans, method)(*args, **_given(kwargs))
        return run(plan, self._sender, self._clock.sleep)


class AsyncRunner(_Facade):
    """Runs a namespace's calls awaited: the `_acall` the generated typed calls hand off to."""

    async def _acall(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        plan = getattr(self._plans, method)(*args, **_given(kwargs))
        return await arun(plan, self._sender, self._clock.asleep)


def _given(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Leave out the arguments the caller did not give (the generated calls' `UNSET`)."""
    unset = _unset()
    given = {}
    for name, value in kwargs.items():  # a loop, not a comprehension: no function call
        if value is not unset:
            given[name] = value
    return given


@functools.cache
def _unset() -> object:
    # The generated package loads with the first call, not with `import haoee_kling`.
    from haoee_kling_api.types import UNSET

    return UNSET


class SyncElementExtras(_Facade):
    """What `kling.elements` has beyond a task kind's calls, blocking."""

    create_legacy = blocking(ElementPlans.create_legacy)
    list_legacy = blocking(ElementPlans.list_legacy)
    list_presets = blocking(ElementPlans.list_presets)
    list_advanced_presets = blocking(ElementPlans.list_advanced_presets)


class AsyncElementExtras(_Facade):
    """What `kling.elements` has beyond a task kind's calls, awaited."""

    create_legacy = awaited(ElementPlans.create_legacy)
    list_legacy = awaited(ElementPlans.list_legacy)
    list_presets = awaited(ElementPlans.list_presets)
    list_advanced_presets = awaited(ElementPlans.list_advanced_presets)


@functools.cache
def kind_facade(kind: str, flavour: str) -> type[_Facade]:
    """The namespace class of a task kind: the generated typed calls of that kind, run by the
    blocking (`flavour` "sync") or awaited runner; built once per process, when a client is."""
    from haoee_kling_api.calls import ASYNC_CALLS, CALLS

    sync = flavour == "sync"
    calls = (CALLS if sync else ASYNC_CALLS)[kind]
    bases: tuple[type, ...] = (SyncRunner if sync else AsyncRunner,)
    if kind == "advanced_custom_element":
        bases = (SyncElementExtras if sync else AsyncElementExtras, *bases)
    return type(calls.__name__, (*bases, calls), {"__doc__": calls.__doc__})


if TYPE_CHECKING:
    from haoee_kling_api.calls import AdvancedCustomElementCalls, AsyncAdvancedCustomElementCalls
    from haoee_kling_api.models import Task

    from ..read._results import Page

    class SyncElements(AdvancedCustomElementCalls[Page[Task]], SyncElementExtras):
        """`kling.elements` on `Kling`, as type checkers see it."""

    class AsyncElements(AsyncAdvancedCustomElementCalls[Page[Task]], AsyncElementExtras):
        """`kling.elements` on `AsyncKling`, as type checkers see it."""


@functools.cache
def instant_facade(name: str, flavour: str) -> type[_Facade]:
    """The namespace class of a call answered at once (`tts`, `image_recognize`,
    `identify_face`): its generated typed class (the spec's `x-kling-instant`), run by the
    blocking (`flavour` "sync") or awaited runner."""
    from haoee_kling_api.calls import ASYNC_INSTANT_CALLS, INSTANT_CALLS

    sync = flavour == "sync"
    calls = (INSTANT_CALLS if sync else ASYNC_INSTANT_CALLS)[name]
    runner = SyncRunner if sync else AsyncRunner
    return type(calls.__name__, (runner, calls), {"__doc__": calls.__doc__})


class SyncAccount(_Facade):
    """`kling.account` on `Kling`."""

    costs = blocking(AccountPlans.costs)


class SyncTasks(_Facade):
    """`kling.tasks` on `Kling`."""

    list = iterating(TasksPlans.list)
    get = blocking(TasksPlans.get)
    wait = blocking(TasksPlans.wait)
    wait_many = blocking(TasksPlans.wait_many)
    iter_status = iterating(TasksPlans.iter_status)


class AsyncAccount(_Facade):
    """`kling.account` on `AsyncKling`."""

    costs = awaited(AccountPlans.costs)


class AsyncTasks(_Facade):
    """`kling.tasks` on `AsyncKling`."""

    list = aiterating(TasksPlans.list)
    get = awaited(TasksPlans.get)
    wait = awaited(TasksPlans.wait)
    wait_many = awaited(TasksPlans.wait_many)
    iter_status = aiterating(TasksPlans.iter_status)
