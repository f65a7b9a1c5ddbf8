"""Reading answers: tolerant in what we read, never silent about what we could not read.

The live gateway may shape an answer differently from the spec: a field left out, a number sent
as a string, a status in capitals, a list where an object was expected. Every answer's `data`
passes through here before a model is built. The reader walks the value along its response
schema in the spec (`components/schemas/<name>`) and keeps what fits:

- only what a client cannot work without is required: the schema's `required` (for a task, its
  `task_id`) plus, on a get or list answer, the schema's `x-kling-query-required` (a task's
  `task_status`); without them the value is unreadable (`UnexpectedResponseError`, or a skipped
  list item);
- a value of the wrong type is set aside (left unset) and logged once as a warning; lossless
  conversions are made instead (a number where text is expected, digits where a number is);
- enum values match case-insensitively and come out in the spec's spelling (`SUCCEED` ->
  `succeed`); values the spec does not list pass through unchanged;
- fields the spec does not name pass through, reachable on the model's `additional_properties`;
- an unreadable item of a list is skipped and counted (`Page.skipped`), never sinking the page.

What comes out always fits the generated model, so building it cannot fail and no result is
ever left as a raw dict.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ._errors import UnexpectedResponseError
from ._results import Skipped
from ._spec import load_spec

__all__ = [
    "Read",
    "SetAside",
    "build_model",
    "read_items",
    "read_one",
]

_log = logging.getLogger("haoee_kling")
_warned: set[str] = set()
_INTEGER = re.compile(r"-?[0-9]+")
_INDEX = re.compile(r"\[[0-9]+\]")
_EXCERPT = 200
_MAX_WARNED = 10_000
M = TypeVar("M")


@dataclass(frozen=True)
class SetAside:
    """A value the reader could not use and left out.

    Attributes:
        path: where it was, e.g. `task_result.videos[0].url`.
        problem: what was wrong with it, e.g. `is a list, not text`.
    """

    path: str
    problem: str


class Read(dict[str, Any]):
    """An object the reader produced: JSON that fits the generated model, and the trace id of
    the answer it came from, which `build_model` hands on to the model (`task.request_id`)."""

    # A class default rather than an `__init__`: one is made for every object of every answer,
    # and dict's own constructor is the cheap one.
    request_id: str | None = None


def _traced(value: Any, request_id: str | None) -> Any:
    """The value the reader produced, carrying its answer's trace id (objects are `Read`)."""
    if isinstance(value, Read):
        value.request_id = request_id
    return value


class _UnfitError(Exception):
    """A value does not fit its schema (the message says how)."""


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_ANY_JSON: frozenset[type] = frozenset({str, int, float, bool, type(None), list, dict})
# The Python types a JSON schema type takes as they are (`bool` is not an `int` here: `type()`
# is compared, not `isinstance`).
_AS_IS: dict[str, set[type]] = {
    "string": {str},
    "integer": {int},
    "number": {int, float},
    "boolean": {bool},
    "null": {type(None)},
}


class _Shape:
    """What a schema says a value must look like, as far as reading is concerned.

    Attributes:
        as_is: the Python types of values that fit unchanged: the walk keeps those without a
            call (most of every answer), which `make bench` counts in the per-call overhead.
    """

    as_is: frozenset[type] = _ANY_JSON

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        return value


class _Scalar(_Shape):
    def __init__(self, types: frozenset[str], enum: tuple[str, ...]) -> None:
        self.types = types
        self.enum = {str(v).strip().casefold(): v for v in enum}
        self.as_is = (
            frozenset() if enum else frozenset(t for name in types for t in _AS_IS.get(name, ()))
        )

    def _describe(self) -> str:
        names = {"string": "text", "integer": "an integer", "number": "a number"}
        return " or ".join(names.get(t, f"a {t}") for t in sorted(self.types - {"null"}))

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        types = self.types
        if value is None:
            if "null" in types:
                return None
        elif isinstance(value, bool):
            if "boolean" in types:
                return value
        elif isinstance(value, int | float):
            if "number" in types or ("integer" in types and isinstance(value, int)):
                return value
            if "integer" in types and isinstance(value, float) and value.is_integer():
                return int(value)
            if "string" in types and not self.enum:
                # An enum's values are words: a number there (a gateway's own status codes)
                # is not one of them, however it is spelt.
                return str(value)
        elif isinstance(value, str):
            if "string" in types:
                return self.enum.get(value.strip().casefold(), value) if self.enum else value
            if "integer" in types and _INTEGER.fullmatch(value.strip()):
                return int(value)
            if "number" in types:
                try:
                    return float(value)
                except ValueError:
                    pass
            if "boolean" in types and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
        raise _UnfitError(f"is {_kind_of(value)}, not {self._describe()}")


class _Array(_Shape):
    as_is = frozenset()

    def __init__(self) -> None:
        self.items: _Shape = _Shape()

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        if not isinstance(value, list):
            raise _UnfitError(f"is {_kind_of(value)}, not a list")
        kept = []
        as_is = self.items.as_is
        for index, item in enumerate(value):
            if type(item) in as_is:
                kept.append(item)
                continue
            where = f"{path}[{index}]"
            try:
                kept.append(self.items.read(item, where, notes))
            except _UnfitError as unfit:
                notes.append(SetAside(where, str(unfit)))
        return kept


class _Object(_Shape):
    as_is = frozenset()

    def __init__(self, properties: dict[str, _Shape], required: tuple[str, ...]) -> None:
        self.properties = properties
        self.required = required
        # Per property, the types that fit as they are: one lookup per field on the path
        # every answer takes (`make bench`, per-call overhead). Properties the spec does not
        # name are absent: they pass through.
        self.fits = {name: shape.as_is for name, shape in properties.items()}

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        if not isinstance(value, dict):
            raise _UnfitError(f"is {_kind_of(value)}, not an object")
        kept: dict[str, Any] = Read()  # made as the reader's output, so never copied again
        fits = self.fits
        for name, item in value.items():
            fit = fits.get(name)
            if fit is None or type(item) in fit:
                # Fits as it is, or is not in the spec: passed through for the caller to see.
                kept[name] = item
                continue
            where = f"{path}.{name}" if path else name
            try:
                kept[name] = self.properties[name].read(item, where, notes)
            except _UnfitError as unfit:
                notes.append(SetAside(where, str(unfit)))
        for name in self.required:
            if kept.get(name) in (None, ""):
                missing = [n for n in self.required if kept.get(n) in (None, "")]
                raise _UnfitError(f"has no {' or '.join(missing)}")
        return kept


class _OneOf(_Shape):
    as_is = frozenset()

    def __init__(self, options: list[_Shape]) -> None:
        self.options = options

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        problems = []
        for option in self.options:
            found: list[SetAside] = []
            try:
                result = option.read(value, path, found)
            except _UnfitError as unfit:
                problems.append(str(unfit))
                continue
            notes.extend(found)
            return result
        raise _UnfitError(" and ".join(dict.fromkeys(problems)))


def _compile(schema: Mapping[str, Any], cache: dict[str, _Shape]) -> _Shape:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref not in cache:
            target: Any = load_spec()
            for part in ref[2:].split("/"):
                target = target[part]
            # Registered before its children are compiled, so a schema may refer to itself.
            cache[ref] = _Shape()
            cache[ref] = _compile(target, cache)
        return cache[ref]
    options = schema.get("oneOf") or schema.get("anyOf")
    if options:
        return _OneOf([_compile(option, cache) for option in options])
    raw_type = schema.get("type")
    types = frozenset(raw_type if isinstance(raw_type, list) else [raw_type] if raw_type else [])
    if "object" in types or "properties" in schema:
        shape = _Object(
            {name: _compile(sub, cache) for name, sub in schema.get("properties", {}).items()},
            tuple(schema.get("required", ())),
        )
        return shape if types <= {"object"} else _OneOf([shape, _Scalar(types - {"object"}, ())])
    if "array" in types:
        array = _Array()
        array.items = _compile(schema.get("items", {}), cache)
        return array if types <= {"array"} else _OneOf([array, _Scalar(types - {"array"}, ())])
    if types:
        return _Scalar(types, tuple(schema.get("enum", ())))
    return _Shape()


@functools.cache
def _shape(schema_name: str, query: bool) -> _Shape:
    schema = load_spec()["components"]["schemas"][schema_name]
    shape = _compile({"$ref": f"#/components/schemas/{schema_name}"}, {})
    if query and isinstance(shape, _Object):
        extra = tuple(schema.get("x-kling-query-required", ()))
        return _Object(shape.properties, shape.required + extra)
    return shape


def _warn(what: str, notes: list[SetAside]) -> None:
    for note in notes:
        key = f"{what}:{_INDEX.sub('[]', note.path)}:{note.problem}"
        if key in _warned:
            continue
        if len(_warned) >= _MAX_WARNED:  # a long-running process must not grow without bound
            _warned.clear()
        _warned.add(key)
        _log.warning("%s: could not read %s (%s); left unset", what, note.path, note.problem)


def _excerpt(data: Any) -> str:
    return str(data)[:_EXCERPT]


def read_one(
    schema_name: str,
    data: Any,
    *,
    what: str,
    query: bool = False,
    defaults: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Read one object of an answer.

    Args:
        schema_name: its schema in the spec's `components/schemas` (`Task`, ...).
        data: the answer's `data`, as JSON values.
        what: how to name it in messages (`text2video task 8422...`).
        query: it answers a get or list, so `x-kling-query-required` applies too.
        defaults: values for fields the answer left out that the caller already knows (the
            task id a get asked for).
        request_id: the answer's trace id, for the error.

    Returns:
        The value as JSON that fits the generated model; unknown fields kept.

    Raises:
        UnexpectedResponseError: the answer has no such object, or it lacks what is required.
    """
    if data is None:
        raise UnexpectedResponseError(
            f"the answer for {what} said success (code 0) but carried no data",
            status_code=200,
            request_id=request_id,
        )
    if isinstance(data, dict) and defaults:
        missing = {k: v for k, v in defaults.items() if data.get(k) in (None, "")}
        if missing:  # copied only then: the caller's answer is never changed
            data = {**data, **missing}
    notes: list[SetAside] = []
    try:
        value: dict[str, Any] = _shape(schema_name, query).read(data, "", notes)
    except _UnfitError as unfit:
        raise UnexpectedResponseError(
            f"could not read {what}: the answer's data {unfit}",
            status_code=200,
            request_id=request_id,
            body=_excerpt(data),
        ) from None
    if notes:
        _warn(what, notes)
    return _traced(value, request_id)  # type: ignore[no-any-return]


def read_items(
    schema_name: str, data: Any, *, what: str, query: bool = True, request_id: str | None = None
) -> tuple[list[dict[str, Any]], tuple[Skipped, ...]]:
    """Read a list answer item by item: the readable ones, and what was skipped.

    Args:
        schema_name: the schema of one item (`Task`, `CustomElement`).
        data: the answer's `data`; it must be a list.
        what: how to name the list in messages (`text2video tasks`).
        query: items must also carry `x-kling-query-required` (a task's status).
        request_id: the answer's trace id, for the error.

    Returns:
        (the readable items as JSON, the skipped ones).

    Raises:
        UnexpectedResponseError: `data` is not a list (the message names what it is).
    """
    if not isinstance(data, list):
        raise UnexpectedResponseError(
            f"could not read {what}: the answer's data is {_kind_of(data)}, not a list",
            status_code=200,
            request_id=request_id,
            body=_excerpt(data),
        )
    shape = _shape(schema_name, query)
    items: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    for index, item in enumerate(data):
        notes: list[SetAside] = []
        try:
            items.append(_traced(shape.read(item, "", notes), request_id))
        except _UnfitError as unfit:
            task_id = item.get("task_id") if isinstance(item, dict) else None
            skipped.append(
                Skipped(
                    f"item {index} {unfit}",
                    index=index,
                    task_id=str(task_id) if task_id not in (None, "") else None,
                )
            )
            continue
        _warn(what, notes)
    if skipped:
        _log.warning(
            "%s: skipped %d of %d items that could not be read (first: %s)",
            what,
            len(skipped),
            len(data),
            skipped[0].reason,
        )
    return items, tuple(skipped)


def build_model(model: type[M], value: dict[str, Any], *, what: str) -> M:
    """Build a generated model from a value the reader produced, with its answer's trace id.

    Raises:
        UnexpectedResponseError: only if the reader and the generated model disagree, which
            the tests rule out; never a bare ValueError or KeyError.
    """
    try:
        built = model.from_dict(value)  # type: ignore[attr-defined]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"could not build {model.__name__} for {what}: {type(exc).__name__}: {exc}",
            status_code=200,
            body=_excerpt(value),
        ) from exc
    built.request_id = getattr(value, "request_id", None)
    return built  # type: ignore[no-any-return]
