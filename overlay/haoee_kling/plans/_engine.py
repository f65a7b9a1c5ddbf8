"""Plans and their two drivers: every decision written once, the I/O written twice.

A plan is a generator that yields actions (`Call` one HTTP request, `Sleep`, `Listen` for a
push, `Notify` a callback, `Emit` a value to an iterator, or an I/O action of its own such as a
download) and receives their results; a failed `Call` is thrown back into the plan as a
`KlingError`. Retries, safe submission and polling are plans. The sync
driver runs a plan with blocking I/O, the async driver with `await` — the plans cannot tell.
Cancellation (`asyncio.CancelledError`, `KeyboardInterrupt`) is never thrown into a plan: it
closes the plan and propagates.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from .._errors import KlingError

__all__ = [
    "Action",
    "Call",
    "Emit",
    "Listen",
    "Notify",
    "Plan",
    "Sleep",
    "aiterate",
    "arun",
    "iterate",
    "run",
]

T = TypeVar("T")


_NO_QUERY: Mapping[str, Any] = MappingProxyType({})


class Call(NamedTuple):
    """Send one request (one attempt) and receive its `Reply`.

    A named tuple rather than a frozen dataclass: one is made for every request, and a tuple is
    built in a quarter of the time (`make bench`, per-call overhead); it is just as immutable.

    Attributes:
        operation_id: the spec's operationId.
        task_id: the path parameter, for get operations.
        query: query parameters by their Python names (`page_num`, `page_size`).
        body: the JSON body, for creates.
        model_name: the `ModelName` header, or None to send none.
        timeout: the per-request timeout in seconds (always finite).
        attempt: 1 for the first attempt, 2 for the first retry, ... (for the debug log).
    """

    operation_id: str
    task_id: str | None = None
    query: Mapping[str, Any] = _NO_QUERY
    body: Mapping[str, Any] | None = None
    model_name: str | None = None
    timeout: float | None = None
    attempt: int = 1


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


@dataclass(frozen=True)
class Listen:
    """Wait up to `seconds` for news from outside the plan (a callback receiver's push), and
    receive what came: `source.listen(self)` blocks, `await source.alisten(self)` suspends.

    Attributes:
        source: what delivers the news (`CallbackReceiver`).
        keys: what to listen for (task ids).
        seconds: the longest wait; the source sleeps through `clock` so fake time moves.
        clock: the client's clock.
    """

    source: Any
    keys: tuple[str, ...]
    seconds: float
    clock: Any


Action = Call | Sleep | Notify | Emit | Listen
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


def _act(
    action: Action, perform: Callable[[Any], Any], sleep: Callable[[float], None]
) -> tuple[Any, KlingError | None]:
    """Carry out one action other than `Emit` with blocking I/O: (its result, its error)."""
    if isinstance(action, Sleep):
        sleep(action.seconds)
    elif isinstance(action, Listen):
        return action.source.listen(action), None
    elif isinstance(action, Notify):
        action.callback(action.argument)
    else:  # a Call, or an I/O action of the plan's own (a download)
        try:
            return perform(action), None
        except KlingError as exc:
            return None, exc
    return None, None


async def _aact(
    action: Action,
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> tuple[Any, KlingError | None]:
    """Carry out one action other than `Emit` with async I/O (see `_act`)."""
    if isinstance(action, Sleep):
        await sleep(action.seconds)
    elif isinstance(action, Listen):
        return await action.source.alisten(action), None
    elif isinstance(action, Notify):
        result = action.callback(action.argument)
        if inspect.isawaitable(result):
            await result
    else:
        try:
            return await perform(action), None
        except KlingError as exc:
            return None, exc
    return None, None


def _steps(
    stepper: _Stepper, perform: Callable[[Any], Any], sleep: Callable[[float], None]
) -> Iterator[Any]:
    try:
        while (action := stepper.next()) is not None:
            if isinstance(action, Emit):
                yield action.value
            else:
                stepper.value, stepper.error = _act(action, perform, sleep)
    finally:
        stepper.plan.close()  # a plan left early (cancelled, or an error) runs its cleanup


async def _asteps(
    stepper: _Stepper,
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> AsyncIterator[Any]:
    try:
        while (action := stepper.next()) is not None:
            if isinstance(action, Emit):
                yield action.value
            else:
                stepper.value, stepper.error = await _aact(action, perform, sleep)
    finally:
        stepper.plan.close()


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
    # A loop of its own rather than a `_Stepper` and `_act`: a `Call` is performed right here,
    # and no other function runs between the plan and its I/O on the path every call takes
    # (`make bench`, per-call overhead).
    value: Any = None
    error: KlingError | None = None
    try:
        while True:
            try:
                action = plan.send(value) if error is None else plan.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value = error = None
            if type(action) is Call:
                try:
                    value = perform(action)
                except KlingError as exc:
                    error = exc
            elif not isinstance(action, Emit):
                value, error = _act(action, perform, sleep)
    finally:
        plan.close()  # a plan left early (cancelled, or an error) runs its cleanup


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
    """Run a plan to completion with async I/O; returns the plan's return value (see `run`)."""
    value: Any = None
    error: KlingError | None = None
    try:
        while True:
            try:
                action = plan.send(value) if error is None else plan.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value = error = None
            if type(action) is Call:
                try:
                    value = await perform(action)
                except KlingError as exc:
                    error = exc
            elif not isinstance(action, Emit):
                value, error = await _aact(action, perform, sleep)
    finally:
        plan.close()


def aiterate(
    plan: Plan[Any],
    perform: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[None]],
) -> AsyncIterator[Any]:
    """Run a plan with async I/O, yielding each value it emits."""
    return _asteps(_Stepper(plan), perform, sleep)
