"""The OpenAPI document shipped inside the package, and the lookups built on it.

The spec is the only place the wire format is written (openapi/kling.yaml). `make generate`
copies it into the generated package and compiles it to JSON there (`openapi.json`), so an
installed wheel or a vendored copy carries it; the client's input checks and the fake gateway
both read that compiled copy, never a second hand-made one, and no client path parses YAML.
"""

from __future__ import annotations

import functools
import json
import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MediaField",
    "Operation",
    "capability_map",
    "load_spec",
    "media_fields",
    "operation",
    "operations",
    "resolve",
]

SPEC_PACKAGE = "haoee_kling_api"
SPEC_RESOURCE = "openapi.json"
_HTTP_METHODS = ("get", "post", "put", "patch", "delete")

JSON = dict[str, Any]


@functools.cache
def load_spec() -> JSON:
    """Parse the packaged spec once per process.

    Read through the package's loader (`pkgutil.get_data`; a zip import has one too), not
    `importlib.resources`, whose readers import `zipfile` and its compressors: ~5 ms of every
    process's first call (`make bench`, cold start).

    Returns:
        The OpenAPI document as plain dicts and lists.
    """
    data = pkgutil.get_data(SPEC_PACKAGE, SPEC_RESOURCE)
    if data is None:  # a loader that cannot read files: nothing to check or read against
        raise FileNotFoundError(f"{SPEC_PACKAGE}/{SPEC_RESOURCE} cannot be read by its loader")
    document: JSON = json.loads(data)
    return document


@functools.cache
def capability_map() -> JSON:
    """The spec's `x-kling-models` (what each model can do, per task kind), or `{}`."""
    found: JSON = load_spec().get("x-kling-models", {})
    return found


def resolve(node: Mapping[str, Any]) -> JSON:
    """Follow `$ref` links (local ones only, as the spec uses) until a real node is reached."""
    seen: set[str] = set()
    current: Mapping[str, Any] = node
    while "$ref" in current:
        ref = str(current["$ref"])
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot resolve {ref!r} in the packaged spec")
        seen.add(ref)
        target: Any = load_spec()
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        current = target
    return dict(current)


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, with the project's extensions read out."""

    operation_id: str
    method: str
    path: str
    tag: str
    kind: str | None
    default_model: str | None
    poll: str | None
    body_schema: JSON | None
    rules: tuple[JSON, ...]
    parameters: tuple[JSON, ...]
    raw: JSON


@functools.cache
def operations() -> dict[str, Operation]:
    """Every operation of the spec, keyed by operationId."""
    found: dict[str, Operation] = {}
    for path, item in load_spec()["paths"].items():
        for method in _HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                tag=op["tags"][0],
                kind=op.get("x-kling-kind"),
                default_model=op.get("x-kling-default-model"),
                poll=op.get("x-kling-poll"),
                body_schema=body.get("schema"),
                rules=tuple(op.get("x-kling-rules", ())),
                parameters=tuple(resolve(p) for p in op.get("parameters", ())),
                raw=op,
            )
    return found


@functools.cache
def operation(operation_id: str) -> Operation:
    """Look an operation up by its operationId (once per operation: every create asks).

    Raises:
        KeyError: the spec has no such operation.
    """
    return operations()[operation_id]


@dataclass(frozen=True)
class MediaField:
    """A request field that carries an image, video or audio (`x-kling-media`).

    `path` uses dots for objects and `[]` for every item of an array, e.g.
    `image_list[].image_url`.
    """

    path: str
    media: JSON


def media_fields(schema: Mapping[str, Any]) -> tuple[MediaField, ...]:
    """List the media-carrying fields below a request schema, in document order."""
    return tuple(_walk_media(schema, "", frozenset()))


def _walk_media(
    schema: Mapping[str, Any], prefix: str, seen: frozenset[str]
) -> Iterator[MediaField]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return
        seen = seen | {ref}
    # x-kling-media may sit beside a $ref on the property or on the referenced schema.
    media = schema.get("x-kling-media")
    node = resolve(schema)
    media = media or node.get("x-kling-media")
    if media is not None:
        yield MediaField(prefix, dict(media))
        return
    for name, sub in node.get("properties", {}).items():
        yield from _walk_media(sub, f"{prefix}.{name}" if prefix else name, seen)
    items = node.get("items")
    if isinstance(items, Mapping):
        yield from _walk_media(items, f"{prefix}[]", seen)
