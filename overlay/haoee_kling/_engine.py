"""Plans and their two drivers: every decision written once, the I/O written twice.

A plan is a generator that yields actions (`Call` one HTTP request, `Sleep`, `Notify` a
callback, `Emit` a value to an iterator, or an I/O action of its own such as a download) and
receives their results; a failed `Call` is thrown
back into the plan as a `KlingError`. Retries, safe submission and polling are plans. The sync
driver runs a plan with blocking I/O, the async driver with `await` — the plans cannot tell.
Cancellation (`asyncio.CancelledError`, `KeyboardInterrupt`) is never thrown into a plan: it
closes the plan and propagates.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._errors import KlingError

__all__ = [
    "Action",
    "Call",
    "Emit",
    "Notify",
    "Plan",
    "Sleep",
    "aiterate",
    "arun",
    "iterate",
    "run",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """Send one request (one attempt) and receive its `Reply`.

    Attributes:
        operation_id: the spec's operationId.
        task_id: the path parameter, for get operations.
        query: query parameters by their Python names (`page_num`, `page_size`).
        body: the JSON body, for creates.
        model_name: the `ModelName` header, or None to send none.
        timeout: the per-request timeout in seconds (always finite).
    """

    operation_id: str
    task_id: str | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    model_name: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Sleep:
    """Wait this many seconds (through the client's clock)."""

    seconds: float


@dataclass(frozen=True)
class Notify:
    """Call a user callback with one argument (awaited when it returns an awaitable)."""

    callback: Callable[[Any], Any]
    argument: Any


@dataclass(frozen=True)
class Emit:
    """Hand a value to the caller of `iterate` / `aiterate`."""

    value: Any


Action = Call | Sleep | Notify | Emit
Plan = Generator[Action, Any, T]


class _Stepper:
    """Feeds results and errors back into a plan; remembers its return value."""

    def __init__(self, plan: Plan[Any]) -> None:
        self.plan = plan
        self.value: Any = None
        self.error: KlingError | None = None
        self.result: Any = None

    def next(self) -> Action | None:
        """The plan's next action, or None once it has returned (see `result`)."""
        value, error = self.value, self.error
        self.value, self.error = None, None
        try:
            return self.plan.throw(error) if error is not None else self.plan.send(value)
        except StopIteration as stop:
            self.result = stop.value
            return None


def _steps(
    stepper: _Stepper, perform: Callable[[Any], Any], sleep: Callable[[float], None]
) -> Iterator[Any]:
    with contextlib.closing(stepper.plan):
        while (action := stepper.next()) is not None:
            if isinstance(action, Emit):
                yield action.value
            elif isinstance(action, Sleep):
                sleep(action.seconds)
            elif isinstance(action, Notify):
                action.callback(action.argument)
            else:
                try:
                    stepper.value = perform(action)
                except KlingError as exc:
                    stepper.error = exc


async def _asteps(
    stepper: _Stepper,
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> AsyncIterator[Any]:
    with contextlib.closing(stepper.plan):
        while (action := stepper.next()) is not None:
            if isinstance(action, Emit):
                yield action.value
            elif isinstance(action, Sleep):
                await sleep(action.seconds)
            elif isinstance(action, Notify):
                result = action.callback(action.argument)
                if inspect.isawaitable(result):
                    await result
            else:
                try:
                    stepper.value = await perform(action)
                except KlingError as exc:
                    stepper.error = exc


def run(plan: Plan[T], perform: Callable[[Any], Any], sleep: Callable[[float], None]) -> T:
    """Run a plan to completion with blocking I/O.

    Args:
        plan: the plan.
        perform: does one I/O action (a `Call`, or a plan's own kind such as a download),
            returns its result or raises `KlingError`.
        sleep: blocks for the given seconds.

    Returns:
        The plan's return value. Emitted values are discarded.
    """
    stepper = _Stepper(plan)
    for _ in _steps(stepper, perform, sleep):
        pass
    return stepper.result  # type: ignore[no-any-return]


def iterate(
    plan: Plan[Any], perform: Callable[[Any], Any], sleep: Callable[[float], None]
) -> Iterator[Any]:
    """Run a plan with blocking I/O, yielding each value it emits."""
    return _steps(_Stepper(plan), perform, sleep)


async def arun(
    plan: Plan[T],
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> T:
    """Run a plan to completion with async I/O; returns the plan's return value."""
    stepper = _Stepper(plan)
    async for _ in _asteps(stepper, perform, sleep):
        pass
    return stepper.result  # type: ignore[no-any-return]


def aiterate(
    plan: Plan[Any],
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> AsyncIterator[Any]:
    """Run a plan with async I/O, yielding each value it emits."""
    return _asteps(_Stepper(plan), perform, sleep)
