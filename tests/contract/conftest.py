"""Unique node ids for schemathesis' per-operation tests, built without coverage tracing.

schemathesis 4.32.5 names each item `test_x[POST /v1/...]` but builds it the way pytest 9 takes
for an unparametrized function, so every operation's item gets the same node id
(`test_x`). Under xdist (`--dist load`) items are scheduled by node id: all but one
operation would silently not run. Each item gets its operation in its node id back.

Building the items (schemathesis draws every operation's coverage-phase cases while collecting,
in every xdist worker) runs only schemathesis' and Hypothesis' code; traced, it cost each
worker 2.7 s more, so coverage is paused while a schemathesis collector builds its items.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from schemathesis.pytest.plugin import SchemathesisCase, SchemathesisFunction

from tests.coverage_pause import unmeasured


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    if not isinstance(collector, SchemathesisCase):
        return (yield)
    with unmeasured():
        return (yield)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, SchemathesisFunction) and item.nodeid.endswith(item.originalname):
            operation = item.name.removeprefix(item.originalname)
            if operation.startswith("[") and operation.endswith("]"):
                item._id = item._id.with_params(operation[1:-1])
