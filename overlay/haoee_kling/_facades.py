"""The namespaces users call, each written once and exposed twice: blocking and awaited.

A namespace method is its plan method from `_namespaces` (same signature, same docstring),
run by `blocking` (on `Kling`) or `awaited` (on `AsyncKling`). Nothing else differs between
the two clients' namespaces, so they cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._clock import Clock
from ._engine import Plan, aiterate, arun, iterate, run
from ._namespaces import ElementPlans, IdentifyFacePlans, KindPlans, TasksPlans

__all__ = [
    "AsyncElements",
    "AsyncIdentifyFace",
    "AsyncKind",
    "AsyncTasks",
    "SyncElements",
    "SyncIdentifyFace",
    "SyncKind",
    "SyncTasks",
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
        """The task kind of this namespace (None for `tasks` and `identify_face`)."""
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


class SyncKind(_Facade):
    """One task kind on `Kling` (e.g. `kling.text2video`)."""

    create = blocking(KindPlans.create)
    get = blocking(KindPlans.get)
    list = blocking(KindPlans.list)
    wait = blocking(KindPlans.wait)
    create_and_wait = blocking(KindPlans.create_and_wait)


class SyncElements(SyncKind):
    """`kling.elements` on `Kling`."""

    create_legacy = blocking(ElementPlans.create_legacy)
    list_legacy = blocking(ElementPlans.list_legacy)
    list_presets = blocking(ElementPlans.list_presets)
    list_advanced_presets = blocking(ElementPlans.list_advanced_presets)


class SyncIdentifyFace(_Facade):
    """`kling.identify_face` on `Kling`."""

    create = blocking(IdentifyFacePlans.create)


class SyncTasks(_Facade):
    """`kling.tasks` on `Kling`."""

    get = blocking(TasksPlans.get)
    wait = blocking(TasksPlans.wait)
    wait_many = blocking(TasksPlans.wait_many)
    iter_status = iterating(TasksPlans.iter_status)


class AsyncKind(_Facade):
    """One task kind on `AsyncKling` (e.g. `kling.text2video`), awaited."""

    create = awaited(KindPlans.create)
    get = awaited(KindPlans.get)
    list = awaited(KindPlans.list)
    wait = awaited(KindPlans.wait)
    create_and_wait = awaited(KindPlans.create_and_wait)


class AsyncElements(AsyncKind):
    """`kling.elements` on `AsyncKling`."""

    create_legacy = awaited(ElementPlans.create_legacy)
    list_legacy = awaited(ElementPlans.list_legacy)
    list_presets = awaited(ElementPlans.list_presets)
    list_advanced_presets = awaited(ElementPlans.list_advanced_presets)


class AsyncIdentifyFace(_Facade):
    """`kling.identify_face` on `AsyncKling`."""

    create = awaited(IdentifyFacePlans.create)


class AsyncTasks(_Facade):
    """`kling.tasks` on `AsyncKling`."""

    get = awaited(TasksPlans.get)
    wait = awaited(TasksPlans.wait)
    wait_many = awaited(TasksPlans.wait_many)
    iter_status = aiterating(TasksPlans.iter_status)
