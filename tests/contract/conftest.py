"""Unique node ids for schemathesis' per-operation tests.

schemathesis 4.32.5 names each item `test_x[POST /v1/...]` but builds it the way pytest 9 takes
for an unparametrized function, so every operation's item gets the same node id
(`test_x`). Under xdist (`--dist loadgroup`) items are scheduled by node id: all but one
operation would silently not run. Each item gets its operation in its node id back.
"""

from __future__ import annotations

import pytest
from schemathesis.pytest.plugin import SchemathesisFunction


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, SchemathesisFunction) and item.nodeid.endswith(item.originalname):
            operation = item.name.removeprefix(item.originalname)
            if operation.startswith("[") and operation.endswith("]"):
                item._id = item._id.with_params(operation[1:-1])
