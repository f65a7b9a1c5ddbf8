"""Request bodies: local media to raw base64, checked, then validated against the spec.

Media fields are the ones marked `x-kling-media` in the spec. A value may be a URL (sent as
is), raw base64, a `data:...;base64,` string (the prefix is stripped: Kling rejects it),
`bytes`, a `pathlib.Path` or a local path string. Local data is checked against the field's
`formats` (by magic bytes, not the file name), `max_bytes` and, for images, `min_width`,
`min_height`, `min_aspect` and `max_aspect`. Dimension and aspect checks need Pillow; without it
they are skipped (the server still checks them). Fields whose transport is only `url` refuse
local data. Then `validate_body` applies the spec's JSON Schema and `x-kling-rules`, and every
problem found is raised together, before any request is sent.

What a body needs to know of its schema (its fields, its media fields, its optional text) is
compiled once per operation (`_compiled`), not walked again on every create. A list call's
paging is checked against the spec's parameter limits (`page_query`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import InvalidRequestError
from .._spec import media_fields, operation, resolve
from ._validation import Problem, validate_body, validate_parameters

__all__ = ["detect_format", "encode_media", "merged_fields", "page_query", "prepare_body"]

_BASE64 = re.compile(r"^[A-Za-z0-9+/\r\n]+={0,2}$")
_DATA_PREFIX = re.compile(r"^data:[^,]*;base64,", re.IGNORECASE)
_URL = re.compile(r"^https?://", re.IGNORECASE)
# Anything shorter is more likely a file name than an encoded file.
_MIN_BASE64 = 64
_ALIASES = {"jpeg": "jpg"}


def detect_format(data: bytes) -> str | None:
    """The file format by magic bytes: jpg, png, gif, webp, mp4, mov, m4a, mp3, wav or aac."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return "m4a"
        return "mov" if brand == b"qt  " else "mp4"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"
    return None


def _check(field: str, data: bytes, media: Mapping[str, Any]) -> list[Problem]:
    allowed = [_ALIASES.get(f, f) for f in media.get("formats", [])]
    found = detect_format(data)
    problems: list[Problem] = []
    if allowed and found not in allowed:
        problems.append(
            Problem(
                field,
                "x-kling-media.formats",
                f"{field}: must be {'/'.join(media['formats'])} "
                f"(got {found or 'an unrecognised format'})",
            )
        )
    limit = media.get("max_bytes")
    if limit is not None and len(data) > limit:
        problems.append(
            Problem(
                field,
                "x-kling-media.max_bytes",
                f"{field}: must be at most {limit} bytes (got {len(data)})",
            )
        )
    if media.get("kind") == "image" and not problems:
        problems += _check_image(field, data, media)
    return problems


def _check_image(field: str, data: bytes, media: Mapping[str, Any]) -> list[Problem]:
    try:
        from PIL import Image
    except ImportError:  # Pillow is optional: the server checks dimensions too.
        return []
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (OSError, ValueError):
        return [Problem(field, "x-kling-media.formats", f"{field}: the image cannot be read")]
    problems: list[Problem] = []
    min_w, min_h = media.get("min_width"), media.get("min_height")
    if (min_w and width < min_w) or (min_h and height < min_h):
        problems.append(
            Problem(
                field,
                "x-kling-media.min_width",
                f"{field}: must be at least {min_w}x{min_h} px (got {width}x{height})",
            )
        )
    low, high = media.get("min_aspect"), media.get("max_aspect")
    aspect = width / height if height else 0.0
    if (low is not None and aspect < low) or (high is not None and aspect > high):
        problems.append(
            Problem(
                field,
                "x-kling-media.aspect",
                f"{field}: width/height must be between {low} and {high} (got {aspect:.3f})",
            )
        )
    return problems


def encode_media(field: str, value: Any, media: Mapping[str, Any]) -> tuple[Any, list[Problem]]:
    """Turn one media value into what the wire takes.

    Args:
        field: the field's path, for messages (`image_list[0].image_url`).
        value: URL, raw base64, `data:` string, bytes, Path or local path string.
        media: the field's `x-kling-media`.

    Returns:
        (the value to send, the problems found); a URL is returned unchanged.
    """
    url_only = "base64" not in media.get("transport", ["url", "base64"])
    if isinstance(value, str) and _URL.match(value):
        return value, []
    if isinstance(value, str) and not value:
        return value, []  # the schema reports an empty string
    if url_only:
        return value, [
            Problem(
                field,
                "x-kling-media.transport",
                f"{field}: needs a public http(s) URL; this field does not "
                f"accept local files or base64",
            )
        ]
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
    elif isinstance(value, str) and (
        _DATA_PREFIX.match(value) or (len(value) >= _MIN_BASE64 and _BASE64.match(value))
    ):
        try:
            data = base64.b64decode(_DATA_PREFIX.sub("", value), validate=False)
        except (binascii.Error, ValueError):
            return value, [Problem(field, "base64", f"{field}: is not valid base64")]
    elif isinstance(value, str | Path):
        path = Path(value).expanduser()
        if not path.is_file():
            return str(value), [Problem(field, "file", f"{field}: no such file: {path}")]
        data = path.read_bytes()
    else:
        return value, []  # not media-shaped at all: the schema reports the type
    return base64.b64encode(data).decode("ascii"), _check(field, data, media)


def _encode_at(where: str, value: Any, *, media: Mapping[str, Any]) -> tuple[Any, list[Problem]]:
    return encode_media(where, value, media)


@dataclass
class _Node:
    """One schema node as a body is built along it: its fields (by name), which are required,
    whether it is text, and the schema of its items."""

    properties: dict[str, _Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    text: bool = False
    items: _Node | None = None


def _node(schema: Mapping[str, Any], seen: dict[str, _Node]) -> _Node:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref in seen:
        return seen[ref]  # a schema that holds itself: the same node
    resolved = resolve(schema)
    kind = resolved.get("type")
    node = _Node(
        required=frozenset(resolved.get("required", ())),
        text=kind == "string" or (isinstance(kind, list) and "string" in kind),
    )
    if isinstance(ref, str):
        seen[ref] = node
    node.properties = {
        name: _node(sub, seen) for name, sub in resolved.get("properties", {}).items()
    }
    items = resolved.get("items")
    node.items = _node(items, seen) if isinstance(items, Mapping) else None
    return node


@dataclass(frozen=True)
class _Body:
    """What building a body for one operation needs of its schema, compiled once."""

    root: _Node
    media: tuple[tuple[list[str], Callable[[str, Any], tuple[Any, list[Problem]]]], ...]


@functools.cache
def _compiled(operation_id: str) -> _Body:
    schema = operation(operation_id).body_schema or {}
    media = tuple(
        (_split(found.path), functools.partial(_encode_at, media=found.media))
        for found in media_fields(schema)
    )
    return _Body(_node(schema, {}), media)


def _walk(
    node: Any, parts: list[str], where: str, fn: Callable[[str, Any], tuple[Any, list[Problem]]]
) -> tuple[Any, list[Problem]]:
    if not parts:
        return fn(where, node)
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        name = head[:-2]
        items = node.get(name) if isinstance(node, dict) and name else node
        if not isinstance(items, list):
            return node, []
        problems: list[Problem] = []
        prefix = f"{where}.{name}" if where and name else (name or where)
        for index, item in enumerate(items):
            items[index], found = _walk(item, rest, f"{prefix}[{index}]", fn)
            problems += found
        return node, problems
    if not isinstance(node, dict) or node.get(head) is None:
        return node, []
    node[head], found = _walk(node[head], rest, f"{where}.{head}" if where else head, fn)
    return node, found


def _split(path: str) -> list[str]:
    # "image_list[].image_url" -> ["image_list[]", "image_url"]; "[]" alone for array roots.
    return [part for part in re.split(r"\.(?![^\[]*\])", path) if part]


def prepare_body(
    operation_id: str, fields: Mapping[str, Any], *, call: str | None = None
) -> dict[str, Any]:
    """Build and check a request body for an operation.

    Args:
        operation_id: the spec's operationId, e.g. `createImage2Video`.
        call: how the caller named the call (`text2video.create`), for messages.
        fields: the caller's keyword arguments; None values are left out, and so is `""` in
            an optional text field (Kling's own examples send `"callback_url": ""` to mean
            "none"); `""` in a required field is still refused.

    Returns:
        The JSON body to send, media encoded.

    Raises:
        InvalidRequestError: listing every problem (media checks, schema, x-kling-rules).
    """
    compiled = _compiled(operation_id)
    body: dict[str, Any] = _json(fields, compiled.root)
    known = compiled.root.properties
    problems: list[Problem] = [
        Problem(name, "unknown-field", _unknown(name, call or operation_id, known))
        for name in body
        if known and name not in known
    ]
    for path, encode in compiled.media:
        body, found = _walk(body, path, "", encode)
        problems += found
    bad_fields = {p.field for p in problems}
    problems += [p for p in validate_body(operation_id, body) if p.field not in bad_fields]
    if problems:
        raise InvalidRequestError(problems)
    return body


def _unknown(name: str, call: str, known: Mapping[str, Any]) -> str:
    import difflib  # only a misspelt field needs it: not loaded for a call that is right

    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{name}: is not a field of {call}{hint}"


def _json(value: Any, node: _Node | None) -> Any:
    """The JSON of a body, in one walk along its schema: dicts and lists copied (the caller's
    objects are never modified), models as dicts, generated enums as their values, None left
    out, and so is `""` where the schema has an optional text field."""
    if isinstance(value, Mapping):
        properties = node.properties if node is not None else {}
        required = node.required if node is not None else frozenset()
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            name = str(key)
            sub = properties.get(name)  # None: not a field (reported by prepare_body)
            item = _json(item, sub)
            if sub is not None and item == "" and sub.text and name not in required:
                continue
            kept[name] = item
        return kept
    if isinstance(value, list | tuple):
        items = node.items if node is not None else None
        return [_json(v, items) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _json(to_dict(), node)
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # generated enums
    return value


def merged_fields(body: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A whole body (a generated model or a dict) and keyword fields as one dict; keywords win."""
    if body is None:
        return dict(fields)
    to_dict = getattr(body, "to_dict", None)
    whole = to_dict() if callable(to_dict) else body
    if not isinstance(whole, Mapping):
        raise TypeError(f"body must be a request model or a dict, not {type(body).__name__}")
    return {**whole, **fields}


def page_query(operation_id: str, page_num: int, page_size: int) -> dict[str, int]:
    """The paging query of a list call, checked against the spec's limits before sending.

    Raises:
        InvalidRequestError: `page_num` or `page_size` is out of range (e.g. `page_size` 600).
    """
    names = {"pageNum": "page_num", "pageSize": "page_size"}  # the wire's names -> the call's
    wire = {"pageNum": str(page_num), "pageSize": str(page_size)}
    problems = validate_parameters(operation_id, {"query": wire})
    if problems:
        raise InvalidRequestError(
            [
                Problem(
                    names.get(p.field, p.field),
                    p.rule,
                    p.message.replace(p.field, names.get(p.field, p.field), 1),
                )
                for p in problems
            ]
        )
    return {"page_num": page_num, "page_size": page_size}
