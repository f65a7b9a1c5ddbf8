"""Facts the fake gateway reads out of the spec, so none of them is typed twice.

Known model names (the enum branch next to `OpenModelName`), tag names (`TagRef`'s
`x-enum-varnames`), list paging defaults, body defaults such as `n`, Kling's preset elements
(the spec's `PresetElementPage` example) and the request examples of each operation.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from .._spec import load_spec, operation, resolve

__all__ = [
    "body_field",
    "error_meaning",
    "model_fields",
    "parameter_default",
    "preset_elements",
    "request_examples",
    "tag_names",
]

JSON = dict[str, Any]
_OPEN_MODEL = "#/components/schemas/OpenModelName"


@functools.cache
def model_fields(operation_id: str) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """The body fields that name a Kling model, with the names the spec knows.

    Returns:
        (path of object keys, known names) per field, e.g. `(("input", "model_name"), {...})`.
    """
    schema = operation(operation_id).body_schema
    return tuple(_walk_models(schema, ())) if schema is not None else ()


def _walk_models(schema: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[Any]:
    node = resolve(schema)
    branches = node.get("anyOf", ())
    if any(branch.get("$ref") == _OPEN_MODEL for branch in branches):
        known = {
            v for b in branches for v in resolve(b).get("enum", ()) if b.get("$ref") != _OPEN_MODEL
        }
        yield path, frozenset(known)
        return
    for name, sub in node.get("properties", {}).items():
        yield from _walk_models(sub, (*path, name))


def parameter_default(operation_id: str, name: str) -> Any:
    """The `default` of a parameter's schema (e.g. `pageSize` -> 30)."""
    for param in operation(operation_id).parameters:
        if param["name"] == name:
            return param.get("schema", {}).get("default")
    raise KeyError(f"{operation_id} has no parameter {name!r}")


def body_field(operation_id: str, field: str) -> JSON | None:
    """The schema of a top-level body field, or None when the operation has no such field."""
    schema = operation(operation_id).body_schema
    if schema is None:
        return None
    found = resolve(schema).get("properties", {}).get(field)
    return None if found is None else resolve(found)


@functools.cache
def tag_names() -> dict[str, str]:
    """Element tag id -> display name, from `TagRef`'s enum and `x-enum-varnames`."""
    schema = resolve({"$ref": "#/components/schemas/TagRef"})["properties"]["tag_id"]
    return {
        tag: name.replace("_", " ").capitalize()
        for tag, name in zip(schema["enum"], schema["x-enum-varnames"], strict=True)
    }


@functools.cache
def _error_codes() -> dict[int, str]:
    envelope = load_spec()["components"]["schemas"]["ErrorEnvelope"]
    return {int(row["code"]): str(row["meaning"]) for row in envelope["x-kling-error-codes"]}


def error_meaning(code: int) -> str:
    """The meaning of a business code per `x-kling-error-codes` (generic when not listed)."""
    return _error_codes().get(code, f"error {code}")


def preset_elements() -> list[JSON]:
    """Kling's preset (official) elements, from the spec's `PresetElementPage` example."""
    page = load_spec()["components"]["examples"]["PresetElementPage"]["value"]
    return [dict(element) for element in page["data"]]


def request_examples(operation_id: str) -> dict[str, JSON]:
    """The named request-body examples of an operation (`$ref`s followed)."""
    body = operation(operation_id).raw.get("requestBody", {})
    examples = body.get("content", {}).get("application/json", {}).get("examples", {})
    return {name: dict(resolve(example)["value"]) for name, example in examples.items()}
