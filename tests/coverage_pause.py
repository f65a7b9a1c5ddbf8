"""Under `make test`, coverage traces a Hypothesis test only while its body runs.

Hypothesis and schemathesis spend most of a property test drawing data, in their own code,
which coverage does not measure (`source = haoee_kling`) but traces all the same: on Python 3.11
every traced call costs, and it doubled the CPU time of the contract tests. The tracer is
paused for the whole test and resumed around each call of the test's body, where our code
runs. What the body runs in a thread started before it (a pause stops the tracer there, and
resuming restarts it only in the body's own thread) is not measured: a few lines of the fake
that the contract tests reach only that way, which the e2e tests measure all the same.

Tests marked `unmeasured("why")` are not traced at all while their body runs: tests that run code
other tests measure, over and over (hours of simulated waiting, the simulator's runs, the
contract suite's thousands of requests), where tracing every repetition cost a third of the
suite's CPU time and measured nothing new. The marker's reason says which tests measure it.

It relies on coverage's collector (`pause`/`resume`, coverage pinned in pyproject.toml) and on
Hypothesis' `inner_test` hook (the one its pytest-asyncio and trio support use); without
coverage, or for an async body, the test runs untouched.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import coverage


def _collector() -> Any:
    running = coverage.Coverage.current()
    return getattr(running, "_collector", None) if running is not None else None


@contextmanager
def measured_only_in_body(test: object) -> Iterator[None]:
    """While in effect, coverage traces `test` (a Hypothesis test) only inside its body."""
    hypothesis_test = getattr(test, "hypothesis", None)
    inner = getattr(hypothesis_test, "inner_test", None)
    collector = _collector()
    if collector is None or inner is None or inspect.iscoroutinefunction(inner):
        yield
        return
    hypothesis_test.inner_test = _traced(inner, collector)  # type: ignore[union-attr]
    collector.pause()
    try:
        yield
    finally:
        collector.resume()
        hypothesis_test.inner_test = inner  # type: ignore[union-attr]


@contextmanager
def unmeasured() -> Iterator[None]:
    """While in effect, coverage traces nothing in this thread (no-op without coverage)."""
    collector = _collector()
    if collector is None:
        yield
        return
    collector.pause()
    try:
        yield
    finally:
        collector.resume()


def _traced(body: Callable[..., Any], collector: Any) -> Callable[..., Any]:
    @functools.wraps(body)
    def traced(*args: Any, **kwargs: Any) -> Any:
        collector.resume()
        try:
            return body(*args, **kwargs)
        finally:
            collector.pause()

    return traced
