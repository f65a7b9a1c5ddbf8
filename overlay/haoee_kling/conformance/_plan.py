"""What a conformance run asks, read from the spec: every free request worth sending, with the
answers the spec leads us to expect. Pure data; `_run` sends it.

Nothing here creates a task: lists and gets, an unknown task id, a wrong and a missing key, a
page size the spec forbids and a create whose body is not JSON (documented 400s that no gateway
can bill). Creates come only from `billed_probes`, which `--allow-billed N` caps.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "UNKNOWN_TASK_ID",
    "Probe",
    "SpecOperation",
    "billed_probes",
    "free_probes",
    "operations",
    "read_back_probe",
    "resolve",
]

UNKNOWN_TASK_ID = "100000000000000001"
WRONG_KEY = "not-a-real-key-kling-conformance"
DAY_MS = 86_400_000
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the spec, as the checks need it."""

    operation_id: str
    method: str
    path: str
    raw: Mapping[str, Any] = field(repr=False)
    parameters: tuple[str, ...] = ()

    @property
    def listed(self) -> bool:
        """Whether haoee's documentation lists it (`x-haoee-listed`, default true); an
        official-only operation that a gateway does not serve is reported, not failed."""
        return bool(self.raw.get("x-haoee-listed", True))

    @property
    def paged(self) -> bool:
        """Whether it takes `pageNum` (a list of tasks or elements)."""
        return "pageNum" in self.parameters


def resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s until a node that is not a reference."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(spec: Mapping[str, Any]) -> list[SpecOperation]:
    """Every operation of the spec, in document order."""
    return [
        SpecOperation(
            op["operationId"],
            method.upper(),
            path,
            op,
            tuple(str(resolve(spec, p).get("name")) for p in op.get("parameters", ())),
        )
        for path, item in spec["paths"].items()
        for method in _METHODS
        if isinstance(op := item.get(method), dict)
    ]


@dataclass(frozen=True)
class Probe:
    """One request and what the spec leads us to expect of it.

    Attributes:
        operation: the operation whose answer it is.
        name: what the check is (`list`, `unknown task id`, `wrong key`).
        path: the path below the base URL (`/v1/videos/text2video/1000...`).
        expect: the statuses that make the check pass (the answer must also conform).
        query: the query parameters.
        key: `own` (the run's key), `wrong` or `none`.
        body: raw bytes to send as the body, or None.
        json: a JSON body, or None.
        read_back: ask `_run` to read the listed tasks back (list probes).
    """

    operation: SpecOperation
    name: str
    path: str
    expect: frozenset[int]
    query: Mapping[str, Any] = field(default_factory=dict)
    key: str = "own"
    body: bytes | None = None
    json: Any = None
    read_back: bool = False


def _page(size: int = 2) -> dict[str, int]:
    return {"pageNum": 1, "pageSize": size}


def _last_30_days(now_ms: int) -> dict[str, int]:
    return {"start_time": now_ms - 30 * DAY_MS, "end_time": now_ms}


def free_probes(spec: Mapping[str, Any], now_ms: int | None = None) -> Iterator[Probe]:
    """Every free probe, in spec order: the lists (each then read back), the gets with an id no
    task has, the other reads, then the documented errors that cost nothing to provoke."""
    now_ms = round(time.time() * 1000) if now_ms is None else now_ms
    ops = operations(spec)
    for op in ops:
        if op.method != "GET":
            continue
        if "{" not in op.path and op.paged:
            yield Probe(op, "list", op.path, frozenset({200}), _page(), read_back=True)
        elif "{" in op.path:
            unknown = op.path.split("{", 1)[0] + UNKNOWN_TASK_ID
            yield Probe(op, "unknown task id", unknown, frozenset({404}))
        else:
            # The account's costs: a period is all it takes (the last 30 days).
            period = {k: v for k, v in _last_30_days(now_ms).items() if k in op.parameters}
            yield Probe(op, "read", op.path, frozenset({200}), period)
    first = next(op for op in ops if op.method == "GET" and op.paged and op.listed)
    yield Probe(first, "wrong key", first.path, frozenset({401, 403}), _page(1), key="wrong")
    yield Probe(first, "no key", first.path, frozenset({401, 403}), _page(1), key="none")
    yield Probe(first, "page size 0", first.path, frozenset({400}), {"pageNum": 1, "pageSize": 0})
    create = next(op for op in ops if op.method == "POST" and op.path == first.path)
    yield Probe(create, "body not JSON", create.path, frozenset({400}), body=b"{not json")


def read_back_probe(listing: Probe, getter: SpecOperation, task_id: str) -> Probe:
    """Read one listed task back by its id."""
    return Probe(getter, "read back", f"{listing.path}/{task_id}", frozenset({200}))


def billed_probes(spec: Mapping[str, Any], limit: int) -> list[Probe]:
    """At most ``limit`` creates, from the first request example of each create haoee lists,
    in spec order (text2video first). Each makes a task: a paid one on a real gateway."""
    found = []
    for op in operations(spec):
        if op.method != "POST" or not op.listed or "x-kling-kind" not in op.raw:
            continue
        examples = (
            op.raw.get("requestBody", {}).get("content", {}).get("application/json", {})
        ).get("examples", {})
        for example in [resolve(spec, e) for e in examples.values()][:1]:
            if "value" in example:
                created = Probe(op, "create (billed)", op.path, frozenset({200}))
                found.append(dataclasses.replace(created, json=example["value"]))
    return found[: max(limit, 0)]
