"""One request as the operation handlers see it, and the paging every list shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .._spec import Operation
from ._specdata import parameter_default

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = ["JSON", "Call", "Handler", "page", "page_args"]

JSON = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One valid, authenticated request as the handlers see it."""

    op: Operation
    key: str
    body: JSON
    path: Mapping[str, str]
    query: Mapping[str, str]
    model_header: str | None
    base: str
    now: float


Handler = Callable[["FakeGateway", Call], Any]


def page_args(call: Call) -> tuple[int, int]:
    """(pageNum, pageSize) of a list request, the spec's defaults when not given."""
    op = call.op.operation_id
    num = int(call.query.get("pageNum", parameter_default(op, "pageNum")))
    size = int(call.query.get("pageSize", parameter_default(op, "pageSize")))
    return num, size


def page(items: list[T], call: Call) -> list[T]:
    """The slice of `items` a list request asks for."""
    num, size = page_args(call)
    return items[(num - 1) * size : num * size]
