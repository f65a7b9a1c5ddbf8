"""Task kinds on the command line: their names, the KIND argument, and their operations.

A kind is typed as the command is named (`video-extend`) or as the client's namespace is
(`video_extend`); a misspelt one gets a "did you mean" in one line instead of the list of all.
"""

from __future__ import annotations

import difflib
from typing import Any

import click

from .._namespaces import namespaces
from .._spec import Operation, operations

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
# one command per namespace, named with dashes (`video_extend` -> `video-extend`).
KINDS: dict[str, tuple[str, str]] = {
    namespace.replace("_", "-"): (namespace, kind) for namespace, kind in namespaces().items()
}


def suggest(word: str, choices: Any) -> str:
    """`; did you mean 'x'?` (or `'x' or 'y'`) for a misspelt word, or "" when nothing is close.

    Args:
        word: what was typed.
        choices: the valid words.
    """
    close = difflib.get_close_matches(word, list(choices), n=2, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def namespace_name(kind: str) -> str:
    """The client's namespace for a kind typed with dashes or underscores."""
    return KINDS[kind.replace("_", "-")][0]


class KindType(click.ParamType[str]):
    """The KIND argument: a task kind, with dashes or underscores; converts to the dashed name."""

    name = "kind"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """`KIND` in usage lines, not the 28 spellings."""
        return "KIND"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The dashed kind name.

        Raises:
            click.BadParameter: not a task kind; the message suggests the closest ones.
        """
        dashed = str(value).replace("_", "-")
        if dashed not in KINDS:
            hint = suggest(dashed, KINDS) or f"; the kinds are {', '.join(KINDS)}"
            self.fail(f"unknown task kind '{value}'{hint}", param, ctx)
        return dashed


def _operation(kind: str, method: str, with_id: bool) -> Operation:
    spec_kind = KINDS[kind.replace("_", "-")][1]
    for op in operations().values():
        if op.kind == spec_kind and op.method == method and ("{" in op.path) == with_id:
            return op
    raise LookupError(f"the spec has no {method} operation for kind {spec_kind!r}")


def create_operation(kind: str) -> Operation:
    """The spec's create operation of a kind (`POST .../text2video`)."""
    return _operation(kind, "POST", with_id=False)


def list_operation(kind: str) -> Operation:
    """The spec's list operation of a kind (`GET .../text2video`)."""
    return _operation(kind, "GET", with_id=False)


def get_operation(kind: str) -> Operation:
    """The spec's get operation of a kind (`GET .../text2video/{task_id}`)."""
    return _operation(kind, "GET", with_id=True)
