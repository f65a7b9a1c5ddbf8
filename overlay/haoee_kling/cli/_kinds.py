"""Task kinds on the command line: their names, the KIND argument, and their operations.

A kind is typed as the command is named (`video-extend`), as the client's namespace is
(`video_extend`) or as the spec names it; a misspelt one gets a "did you mean" in one line
instead of the list of all (`_kind_names`).
"""

from __future__ import annotations

from typing import Any

import click

from .._kind_names import UnknownKindError, spec_kind, suggest, user_kind
from .._spec import Operation, operations
from ..kinds._kind_plans import namespaces

__all__ = [
    "KINDS",
    "KindType",
    "create_operation",
    "get_operation",
    "list_operation",
    "namespace_name",
    "suggest",
]

# Command name -> (client namespace, the spec's x-kling-kind), from the client's own table:
# one command per namespace, named with dashes (`video_extend` -> `video-extend`): the names
# users see (`_kind_names.kind_names`).
KINDS: dict[str, tuple[str, str]] = {
    namespace.replace("_", "-"): (namespace, kind) for namespace, kind in namespaces().items()
}


def namespace_name(kind: str) -> str:
    """The client's namespace for a kind typed with dashes or underscores."""
    return KINDS[user_kind(kind)][0]


class KindType(click.ParamType[str]):
    """The KIND argument: a task kind in any spelling; converts to the name users see."""

    name = "kind"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """`KIND` in usage lines, not the 28 spellings."""
        return "KIND"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The dashed kind name.

        Raises:
            click.BadParameter: not a task kind; the message suggests the closest ones.
        """
        try:
            return user_kind(spec_kind(str(value)))
        except UnknownKindError as exc:
            self.fail(str(exc), param, ctx)


def _operation(kind: str, method: str, with_id: bool) -> Operation:
    spec = spec_kind(kind)
    for op in operations().values():
        if op.kind == spec and op.method == method and ("{" in op.path) == with_id:
            return op
    raise LookupError(f"the spec has no {method} operation for kind {spec!r}")


def create_operation(kind: str) -> Operation:
    """The spec's create operation of a kind (`POST .../text2video`)."""
    return _operation(kind, "POST", with_id=False)


def list_operation(kind: str) -> Operation:
    """The spec's list operation of a kind (`GET .../text2video`)."""
    return _operation(kind, "GET", with_id=False)


def get_operation(kind: str) -> Operation:
    """The spec's get operation of a kind (`GET .../text2video/{task_id}`)."""
    return _operation(kind, "GET", with_id=True)
