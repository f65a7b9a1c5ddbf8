"""Drift said as spec changes: for each difference a tolerant reader gets past (a new enum value,
a new field, a widened type, a required field left out), the change to openapi/kling.yaml that
would describe it, and all of them as one OpenAPI Overlay 1.0.0 document.

An Overlay action names a node of the spec by JSONPath (RFC 9535) and either merges `update`
into it (an object into an object; an array target gets the update's items appended) or removes
it. `tools/apply_overlay.py` applies such a document to the spec's YAML, comments kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._judge import Difference, Judge

__all__ = ["Edit", "Suggestion", "json_path", "overlay_document", "suggest"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


@dataclass(frozen=True)
class Edit:
    """One Overlay action: merge `update` into (or append it to) the node at `target`, or remove
    that node."""

    target: str
    update: Any = None
    remove: bool = False

    def action(self, description: str) -> dict[str, Any]:
        """The Overlay action object."""
        action: dict[str, Any] = {"target": self.target, "description": description}
        if self.remove:
            action["remove"] = True
        else:
            action["update"] = self.update
        return action


@dataclass(frozen=True)
class Suggestion:
    """A spec change that would describe a difference.

    Attributes:
        summary: the change in words (`add 'queued' to the enum at #/components/schemas/...`).
        edits: the Overlay actions that make it.
    """

    summary: str
    edits: tuple[Edit, ...]

    def actions(self, description: str) -> list[dict[str, Any]]:
        """The Overlay action objects, each described by ``description``."""
        return [edit.action(description) for edit in self.edits]


def json_path(parts: Iterable[str | int]) -> str:
    """The JSONPath of a spec node from its keys (`$.components.schemas['Task-1'].enum`)."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _NAME.match(part):
            text += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            text += f"['{escaped}']"
    return text


def _json_type(value: Any) -> str:
    return next(name for kind, name in _JSON_TYPES if isinstance(value, kind))


def _parts(location: str) -> list[str | int]:
    if location == "#":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in location.removeprefix("#/").split("/")]


def suggest(difference: Difference, judge: Judge) -> Suggestion | None:
    """The spec change that describes a tolerated difference, or None for one a reader cannot
    get past (a wrong status, HTML instead of JSON, a broken limit)."""
    parts = _parts(difference.spec_location)
    if not parts:
        return None
    node: Any = judge.spec
    for part in parts:
        node = node[part]
    where = difference.spec_location
    if difference.keyword == "enum" and isinstance(node.get("enum"), list):
        value = difference.value
        edits = [Edit(json_path([*parts, "enum"]), [value])]
        if isinstance(node.get("x-enum-varnames"), list):
            # The generator names each value by position: the list grows with the enum.
            name = re.sub(r"\W+", "_", str(value)).strip("_").upper() or "VALUE"
            edits.append(Edit(json_path([*parts, "x-enum-varnames"]), [name]))
        return Suggestion(f"add {value!r} to the enum at {where}", tuple(edits))
    if difference.keyword == "undeclared":
        name, value = difference.value["name"], difference.value["value"]
        field = {"type": _json_type(value), "description": "Seen in answers; describe it."}
        edit = Edit(json_path(parts), {name: field})
        return Suggestion(f"declare {name!r} ({field['type']}) at {where}", (edit,))
    if difference.keyword == "type":
        current = node.get("type")
        listed = list(current) if isinstance(current, list) else [current] if current else []
        widened = [*listed, _json_type(difference.value)]
        edit = Edit(json_path(parts), {"type": widened})
        return Suggestion(f"widen the type at {where} to {widened}", (edit,))
    if difference.keyword == "required" and difference.value in node.get("required", ()):
        name = str(difference.value).replace("'", "\\'")
        edit = Edit(json_path([*parts, "required"]) + f"[?@ == '{name}']", remove=True)
        return Suggestion(f"make {difference.value!r} optional at {where}", (edit,))
    return None


def overlay_document(
    suggestions: Iterable[tuple[Suggestion, str]], *, source: str, spec_version: str
) -> dict[str, Any]:
    """The Overlay 1.0.0 document of the suggestions (each with the difference it describes),
    one action per distinct change, in the order found."""
    actions: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for suggestion, because in suggestions:
        for edit in suggestion.edits:
            key = (edit.target, repr(edit.update))
            if key not in seen:
                seen.add(key)
                actions.append(edit.action(f"{suggestion.summary} ({because})"))
    return {
        "overlay": "1.0.0",
        "info": {
            "title": f"Spec changes that describe what {source} answered",
            "version": spec_version,
        },
        "extends": "openapi/kling.yaml",
        "actions": actions,
    }
