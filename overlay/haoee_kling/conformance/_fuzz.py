"""Schemathesis over the free operations: generated parameters (valid by the spec) for each GET,
sent by the run like every other probe, so every answer is judged the same way.

Only generation is schemathesis' here (its strategies, Hypothesis underneath, deterministic and
without an example database); no request leaves from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.core.result import Ok

from ._plan import SpecOperation

__all__ = ["Fuzzer"]


class Fuzzer:
    """Generates requests for the spec's operations (loaded into schemathesis once)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        schema = schemathesis.openapi.from_dict(dict(spec))
        # An operation schemathesis cannot read is left out of fuzzing (the other checks and
        # the spec's own linting say what is wrong with it).
        found = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
        self._operations = {op.definition.raw["operationId"]: op for op in found}

    def __call__(self, op: SpecOperation, count: int) -> list[tuple[str, dict[str, Any]]]:
        """Up to ``count`` (path, query) pairs for ``op``, the same ones on every run."""
        found: list[tuple[str, dict[str, Any]]] = []
        if op.operation_id not in self._operations:
            return found

        @hypothesis.given(case=self._operations[op.operation_id].as_strategy())
        @hypothesis.settings(
            max_examples=count,
            database=None,
            derandomize=True,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def generate(case: Any) -> None:
            found.append((case.formatted_path, dict(case.query or {})))

        generate()
        return found[:count]
