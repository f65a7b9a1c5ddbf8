"""The namespaces users call besides a task kind's, each written once and exposed twice.

A task kind's namespace is the generated class of its typed calls (`haoee_kling_api.calls`),
built with a runner of `_namespaces`; so is a call answered at once (`tts`, `image_recognize`,
`identify_face`), with a runner from here. `kling.elements` adds the legacy and preset lists to
its kind's calls. The other namespaces (`tasks`, `account`) expose their plan methods directly
(`blocking`, `awaited`): same signature, same docstring. Nothing else differs between the two
clients' namespaces, so they cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from haoee_kling_api.calls import (
    ASYNC_CALLS,
    ASYNC_INSTANT_CALLS,
    CALLS,
    INSTANT_CALLS,
    AdvancedCustomElementCalls,
    AsyncAdvancedCustomElementCalls,
    AsyncCustomVoiceCalls,
    AsyncInstantCalls,
    AsyncKindCalls,
    CustomVoiceCalls,
    InstantCalls,
    KindCalls,
)

from .._clock import Clock
from ..plans._engine import Plan, aiterate, arun, iterate, run
from ._instant import AccountPlans
from ._kind_plans import (
    AsyncKindRunner,
    ElementPlans,
    KindPlans,
    Runner,
    SyncKindRunner,
    given,
)
from ._voices import AsyncVoiceRunner, SyncVoiceRunner

if TYPE_CHECKING:
    from haoee_kling_api.models import Task

    from ..read._results import Page

    TaskPage = Page[Task]
else:
    TaskPage = Any  # what a page holds matters to type checkers only: no model loads here

__all__ = [
    "AsyncAccount",
    "AsyncElements",
    "AsyncInstantRunner",
    "Facade",
    "SyncAccount",
    "SyncElements",
    "SyncInstantRunner",
    "async_instant",
    "async_kind",
    "sync_instant",
    "sync_kind",
]

P = ParamSpec("P")
R = TypeVar("R")
PlanMethod = Callable[Concatenate[Any, P], Plan[R]]


def blocking(plan: PlanMethod[P, R]) -> Callable[Concatenate[Any, P], R]:
    """Expose a plan method as a blocking method (of an object holding a `Runner`)."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        runner: Runner = self._runner
        return run(plan(runner.plans, *args, **kwargs), runner.sender, runner.clock.sleep)

    functools.update_wrapper(method, plan)
    return method


def awaited(plan: PlanMethod[P, R]) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]:
    """Expose a plan method as a coroutine method."""

    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        runner: Runner = self._runner
        return await arun(plan(runner.plans, *args, **kwargs), runner.sender, runner.clock.asleep)

    functools.update_wrapper(method, plan)
    return method


def iterating(plan: PlanMethod[P, Any]) -> Callable[Concatenate[Any, P], Iterator[Any]]:
    """Expose a plan method as a method returning an iterator of what the plan emits."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
        runner: Runner = self._runner
        return iterate(plan(runner.plans, *args, **kwargs), runner.sender, runner.clock.sleep)

    functools.update_wrapper(method, plan)
    return method


def aiterating(plan: PlanMethod[P, Any]) -> Callable[Concatenate[Any, P], AsyncIterator[Any]]:
    """Expose a plan method as a method returning an async iterator of what the plan emits."""

    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Any]:
        runner: Runner = self._runner
        return aiterate(plan(runner.plans, *args, **kwargs), runner.sender, runner.clock.asleep)

    functools.update_wrapper(method, plan)
    return method


class Facade:
    """A namespace whose methods are plan methods, run by `runner`."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    @property
    def kind(self) -> str | None:
        """None: `tasks` and `account` span every task kind."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class SyncElements(AdvancedCustomElementCalls[TaskPage]):
    """`kling.elements` on `Kling`: the task kind's calls, plus the legacy and preset lists."""

    create_legacy = blocking(ElementPlans.create_legacy)
    list_legacy = blocking(ElementPlans.list_legacy)
    list_presets = blocking(ElementPlans.list_presets)
    list_advanced_presets = blocking(ElementPlans.list_advanced_presets)


class AsyncElements(AsyncAdvancedCustomElementCalls[TaskPage]):
    """`kling.elements` on `AsyncKling`: the task kind's calls, plus the legacy and preset
    lists."""

    create_legacy = awaited(ElementPlans.create_legacy)
    list_legacy = awaited(ElementPlans.list_legacy)
    list_presets = awaited(ElementPlans.list_presets)
    list_advanced_presets = awaited(ElementPlans.list_advanced_presets)


def sync_kind(plans: KindPlans, sender: Callable[[Any], Any], clock: Clock) -> KindCalls[Any]:
    """`kling.<kind>` on `Kling`: the kind's generated calls, run blocking."""
    if plans.kind == "custom_voice":
        return CustomVoiceCalls(SyncVoiceRunner(plans, sender, clock))
    runner = SyncKindRunner(plans, sender, clock)
    if plans.kind == "advanced_custom_element":
        return SyncElements(runner)
    return CALLS[plans.kind](runner)


def async_kind(plans: KindPlans, sender: Callable[[Any], Any], clock: Clock) -> AsyncKindCalls[Any]:
    """`kling.<kind>` on `AsyncKling`: the kind's generated calls, run awaited."""
    if plans.kind == "custom_voice":
        return AsyncCustomVoiceCalls(AsyncVoiceRunner(plans, sender, clock))
    runner = AsyncKindRunner(plans, sender, clock)
    if plans.kind == "advanced_custom_element":
        return AsyncElements(runner)
    return ASYNC_CALLS[plans.kind](runner)


class SyncInstantRunner(Runner):
    """Runs a call answered at once blocking: the generated `InstantRunner`."""

    def create(self, body: Any, /, *, model_name_header: Any, fields: Mapping[str, Any]) -> Any:
        plan = self.plans.create(body, model_name_header=given(model_name_header), **fields)
        return run(plan, self.sender, self.clock.sleep)


class AsyncInstantRunner(Runner):
    """Runs a call answered at once awaited: the generated `AsyncInstantRunner`."""

    def create(
        self, body: Any, /, *, model_name_header: Any, fields: Mapping[str, Any]
    ) -> Coroutine[Any, Any, Any]:
        plan = self.plans.create(body, model_name_header=given(model_name_header), **fields)
        return arun(plan, self.sender, self.clock.asleep)


def sync_instant(
    name: str, plans: Any, sender: Callable[[Any], Any], clock: Clock
) -> InstantCalls[Any]:
    """`kling.<name>` (`tts`, `image_recognize`, `identify_face`) on `Kling`."""
    return INSTANT_CALLS[name](SyncInstantRunner(plans, sender, clock))


def async_instant(
    name: str, plans: Any, sender: Callable[[Any], Any], clock: Clock
) -> AsyncInstantCalls[Any]:
    """`kling.<name>` (`tts`, `image_recognize`, `identify_face`) on `AsyncKling`."""
    return ASYNC_INSTANT_CALLS[name](AsyncInstantRunner(plans, sender, clock))


class SyncAccount(Facade):
    """`kling.account` on `Kling`."""

    costs = blocking(AccountPlans.costs)


class AsyncAccount(Facade):
    """`kling.account` on `AsyncKling`."""

    costs = awaited(AccountPlans.costs)
