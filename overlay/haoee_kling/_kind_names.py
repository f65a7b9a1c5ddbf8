"""One spelling of each task kind for people, every spelling accepted from them.

What a user sees — messages, the batch manifest, listed tasks, the fake's task list — names a
kind as the `kling` command does (`text2video`, `text-to-audio`, `elements`). What a user types
may be that, the client's namespace (`text_to_audio`) or the spec's kind
(`advanced_custom_element`); a near miss (`Text2Video`, `text2vidoe`) gets a "did you mean".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ._errors import KlingError
from ._spec import operations

__all__ = [
    "UnknownKindError",
    "kind_hint",
    "kind_names",
    "namespace_of",
    "namespaces",
    "spec_kind",
    "suggest",
    "user_kind",
]


class UnknownKindError(KlingError, ValueError):
    """A name that is not a task kind (nothing was sent); the message has the closest kinds
    or the list. A `ValueError` too, as a bad argument."""


@functools.cache
def namespaces() -> dict[str, str]:
    """Client attribute -> task kind, from the spec's kinds (read on first use, not at import).

    Every kind has a namespace of its own name, except the current element design, which
    `elements` serves.
    """
    kinds = {op.kind for op in operations().values() if op.kind is not None}
    return {
        ("elements" if kind == "advanced_custom_element" else kind): kind for kind in sorted(kinds)
    }


@functools.cache
def kind_names() -> dict[str, str]:
    """The kind as users see it -> the spec's kind (`elements` -> `advanced_custom_element`)."""
    return {name.replace("_", "-"): kind for name, kind in namespaces().items()}


@functools.cache
def _spellings() -> dict[str, str]:
    """Every accepted spelling -> the spec's kind: shown names, namespaces, spec kinds, each
    with dashes or underscores."""
    found: dict[str, str] = {}
    for shown, kind in kind_names().items():
        for name in (shown, kind):
            found[name] = found[name.replace("-", "_")] = found[name.replace("_", "-")] = kind
    return found


@functools.cache
def _shown() -> dict[str, str]:
    """Every accepted spelling -> the name users see."""
    shown = {kind: name for name, kind in kind_names().items()}
    return {spelling: shown[kind] for spelling, kind in _spellings().items()}


def user_kind(kind: str) -> str:
    """The name users see for a kind given in any accepted spelling (unknown names unchanged)."""
    return _shown().get(kind, kind)


def namespace_of(kind: str) -> str:
    """The client's namespace of a kind in any spelling (`elements`, `text_to_audio`): how a
    create is named in messages (`text_to_audio.create`), as Python code calls it."""
    return user_kind(kind).replace("-", "_")


def suggest(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` (or `'x' or 'y'`) for a misspelt word, or "" when nothing is close.

    Case is ignored in the comparison (`Text2Video` is close to `text2video`).

    Args:
        word: what was typed.
        choices: the valid words.
    """
    by_lower = {choice.lower(): choice for choice in choices}
    if word.lower() in by_lower:  # only the case differs: that one, and no other
        return f"; did you mean '{by_lower[word.lower()]}'?"
    import difflib  # only a near miss needs it: not loaded for a name that is right

    close = difflib.get_close_matches(word.lower(), list(by_lower), n=2, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{by_lower[c]}'" for c in close) + "?"


def spec_kind(name: str) -> str:
    """The spec's kind for a name in any accepted spelling.

    Raises:
        UnknownKindError: not a kind; the message suggests the closest names users see, or
            lists them all.
    """
    kind = _spellings().get(name)
    if kind is not None:
        return kind
    raise UnknownKindError(f"unknown task kind '{name}'{kind_hint(name)}")


def kind_hint(name: str) -> str:
    """`; did you mean 'x'?` for a name that is not a kind, or `; the kinds are ...`."""
    shown = kind_names()
    return suggest(name.replace("_", "-"), shown) or f"; the kinds are {', '.join(shown)}"
