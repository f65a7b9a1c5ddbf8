"""What the spec says an answer must look like, compiled once per schema for the reader.

`shape_of(schema, query)` compiles `components/schemas/<schema>` into a tree of shapes; each
shape's `read` keeps what fits, converts what converts losslessly and sets the rest aside
(`_reading` says what is kept and why). A shape can also be bound to its generated model
(`Shape.builder`): the bound builder reads and builds the model in one walk, where reading and
then `from_dict` walked every answer twice (`make bench`, per-call overhead). Models the
binding cannot serve exactly (a union of several classes) are built the two-walk way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._spec import load_spec

__all__ = [
    "Read",
    "SetAside",
    "Step",
    "UnfitError",
    "generated_model",
    "kind_of",
    "shape_of",
    "traced",
]

_INTEGER = re.compile(r"-?[0-9]+")


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


def traced(value: Any, request_id: str | None) -> Any:
    """The value the reader produced, carrying its answer's trace id (objects are `Read`;
    models read in one walk have a `request_id` attribute too)."""
    if isinstance(value, Read) or hasattr(value, "request_id"):
        value.request_id = request_id
    return value


class UnfitError(Exception):
    """A value does not fit its schema (the message says how)."""


def kind_of(value: Any) -> str:
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


Step = Callable[[Any, str, list[SetAside]], Any]
"""Reads one value that does not fit as it is: `step(value, path, notes)`, what to keep, or
raises `UnfitError`; values set aside below it are appended to `notes`."""


class _Shape:
    """What a schema says a value must look like, as far as reading is concerned.

    Attributes:
        as_is: the Python types of values that fit unchanged: the walk keeps those without a
            call (most of every answer), which `make bench` counts in the per-call overhead.
    """

    as_is: frozenset[type] = _ANY_JSON

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        return value

    def builder(self, model: type) -> Step:
        """Reads a value and builds `model` from it: here the two-walk way, read then
        `from_dict`; an object's shape does both in one walk where it can (`_Object`)."""
        read = self.read
        return lambda value, path, notes: model.from_dict(read(value, path, notes))  # type: ignore[attr-defined]


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
        raise UnfitError(f"is {kind_of(value)}, not {self._describe()}")


def _walk_list(
    value: Any, path: str, notes: list[SetAside], fits: frozenset[type], step: Step
) -> list[Any]:
    """The items of a list that fit or can be read (`step`); the others are set aside."""
    if not isinstance(value, list):
        raise UnfitError(f"is {kind_of(value)}, not a list")
    kept = []
    for index, item in enumerate(value):
        if type(item) in fits:
            kept.append(item)
            continue
        where = f"{path}[{index}]"
        try:
            kept.append(step(item, where, notes))
        except UnfitError as unfit:
            notes.append(SetAside(where, str(unfit)))
    return kept


class _Array(_Shape):
    as_is = frozenset()

    def __init__(self) -> None:
        self.items: _Shape = _Shape()

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        return _walk_list(value, path, notes, self.items.as_is, self.items.read)


# Per property of an object: where its value goes (the JSON name when reading, the model's
# attribute when building), the types kept as they are, and how anything else is read.
_Plan = dict[str, tuple[str, frozenset[type], Step]]


def _walk_object(
    value: Any,
    path: str,
    notes: list[SetAside],
    plan: _Plan,
    found: dict[str, Any],
    unnamed: dict[str, Any],
    required: tuple[tuple[str, str], ...],
) -> None:
    """Reads an object's properties into `found` (along `plan`) and the properties the spec
    does not name, as they are, into `unnamed`; what cannot be read is set aside. Raises
    `UnfitError` when a `required` (name, key) is missing or empty in `found`."""
    if not isinstance(value, dict):
        raise UnfitError(f"is {kind_of(value)}, not an object")
    for name, item in value.items():
        entry = plan.get(name)
        if entry is None:  # not in the spec: passed through for the caller to see
            unnamed[name] = item
            continue
        key, fits, step = entry
        if type(item) in fits:
            found[key] = item
            continue
        where = f"{path}.{name}" if path else name
        try:
            found[key] = step(item, where, notes)
        except UnfitError as unfit:
            notes.append(SetAside(where, str(unfit)))
    for _, key in required:
        if found.get(key) in (None, ""):
            raise _unfit_for_missing(found, required)


def _unfit_for_missing(found: dict[str, Any], required: tuple[tuple[str, str], ...]) -> UnfitError:
    missing = [name for name, key in required if found.get(key) in (None, "")]
    return UnfitError(f"has no {' or '.join(missing)}")


class _Object(_Shape):
    as_is = frozenset()

    def __init__(self, properties: dict[str, _Shape], required: tuple[str, ...]) -> None:
        self.properties = properties
        self.required = required
        # A nullable property's null fits as it is, so what is left to read goes straight to
        # the schema inside.
        self._plan: _Plan = {
            name: (name, shape.as_is, _inner(shape).read) for name, shape in properties.items()
        }
        self._required = tuple((name, name) for name in required)
        self._builders: dict[type, Step] = {}

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        kept = Read()  # made as the reader's output, so never copied again
        _walk_object(value, path, notes, self._plan, kept, kept, self._required)
        return kept

    def builder(self, model: type) -> Step:
        built = self._builders.get(model)
        if built is None:
            # The two-walk way first, so that a schema that contains itself is bound.
            self._builders[model] = super().builder(model)
            built = self._builders[model] = self._bind(model) or self._builders[model]
        return built

    def _bind(self, model: type) -> Step | None:
        """One walk that reads the value and builds `model`, or None when the model's
        `_json_fields` (written by the generator) cannot say where every property goes."""
        fields: dict[str, tuple[str, str | None]] | None = getattr(model, "_json_fields", None)
        if fields is None or not set(self.properties) <= set(fields):
            return None
        plan: _Plan = {}
        for name, shape in self.properties.items():
            attribute, class_name = fields[name]
            entry = functools.partial(_settle, plan, name, attribute, shape.as_is)
            step = _model_step(shape, class_name, entry)
            if step is None:
                return None
            entry(step)
        required = tuple((name, fields[name][0]) for name in self.required)

        def build(value: Any, path: str, notes: list[SetAside]) -> Any:
            found: dict[str, Any] = {}
            unnamed: dict[str, Any] = {}
            _walk_object(value, path, notes, plan, found, unnamed, required)
            built = model(**found)
            built.additional_properties = unnamed
            return built

        return build


class _Nullable(_Shape):
    """A schema or null (`oneOf: [X, {type: 'null'}]`, the spec's way to say "may be null")."""

    def __init__(self, inner: _Shape) -> None:
        self.inner = inner
        self.as_is = inner.as_is | {type(None)}

    def read(self, value: Any, path: str, notes: list[SetAside]) -> Any:
        return None if value is None else self.inner.read(value, path, notes)


def _inner(shape: _Shape) -> _Shape:
    return shape.inner if isinstance(shape, _Nullable) else shape


@functools.cache
def generated_model(name: str) -> Any:
    """A class of the generated models by name (`Task`, `TtsResult`, ...); the models load
    with the first answer that needs them, not with `import haoee_kling`."""
    from haoee_kling_api import models

    return getattr(models, name)


def _settle(plan: _Plan, name: str, attribute: str, fits: frozenset[type], step: Step) -> None:
    plan[name] = (attribute, fits, step)


def _model_step(
    shape: _Shape, class_name: str | None, settle: Callable[[Step], None]
) -> Step | None:
    """How a property's value that does not fit as it is becomes what the model holds, the
    way `from_dict` would make it from the read value; None when only `from_dict` can.
    A step bound later (a nested model's) hands itself to `settle` once bound, which puts
    it where the walk finds it: later answers call it directly."""
    shape = _inner(shape)  # null fits as it is: the step sees the other values
    if class_name == "?":  # a union of several classes: the model's own from_dict decides
        return None
    if isinstance(shape, _Array):
        fits = shape.items.as_is
        items: list[Step] = []
        item = _model_step(shape.items, class_name, functools.partial(_replace, items))
        if item is None:
            return None
        items.append(item)
        return lambda value, path, notes: _walk_list(value, path, notes, fits, items[0])
    if class_name is None:  # kept as read: text, numbers, lists of them, any JSON
        return None if isinstance(shape, _Object | _OneOf) else shape.read
    if isinstance(shape, _Object):
        return _later(lambda: shape.builder(generated_model(class_name)), settle)
    if isinstance(shape, _Scalar) and shape.enum:
        # The model's module has imported its own enums already: bound now.
        return _enum_step(shape, generated_model(class_name))
    return None


def _replace(cell: list[Step], step: Step) -> None:
    cell[:] = [step]


def _enum_step(shape: _Scalar, enum: Any) -> Step:
    """An enum's member for a value: a value spelt as the spec spells it is looked up
    directly (nearly every answer); any other goes the reader's way, then through the enum
    class, as `from_dict` would take it (unknown values become the enum's pseudo-members)."""
    members = {spelt: enum(spelt) for spelt in shape.enum.values() if isinstance(spelt, str)}
    read = shape.read

    def step(value: Any, path: str, notes: list[SetAside]) -> Any:
        member = members.get(value) if type(value) is str else None
        return enum(read(value, path, notes)) if member is None else member

    return step


def _later(bind: Callable[[], Step], settle: Callable[[Step], None]) -> Step:
    """A step bound at its first use: a model's classes load only once an answer holds one,
    as `from_dict` loads them (`tests/unit/test_resource.py`, the models one call loads)."""

    def step(value: Any, path: str, notes: list[SetAside]) -> Any:
        bound = bind()
        settle(bound)
        return bound(value, path, notes)

    return step


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
            except UnfitError as unfit:
                problems.append(str(unfit))
                continue
            notes.extend(found)
            return result
        raise UnfitError(" and ".join(dict.fromkeys(problems)))


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
        shapes = [_compile(option, cache) for option in options]
        nulls = [option for option in options if option.get("type") == "null"]
        if len(options) == 2 and len(nulls) == 1:
            return _Nullable(shapes[0] if options[1] is nulls[0] else shapes[1])
        return _OneOf(shapes)
    raw_type = schema.get("type")
    types = frozenset(raw_type if isinstance(raw_type, list) else [raw_type] if raw_type else [])
    if "object" in types or "properties" in schema:
        shape = _Object(
            {name: _compile(sub, cache) for name, sub in schema.get("properties", {}).items()},
            tuple(schema.get("required", ())),
        )
        return _either(shape, types - {"object"})
    if "array" in types:
        array = _Array()
        array.items = _compile(schema.get("items", {}), cache)
        return _either(array, types - {"array"})
    if types:
        return _Scalar(types, tuple(schema.get("enum", ())))
    return _Shape()


def _either(shape: _Shape, others: frozenset[str]) -> _Shape:
    """An object or array schema whose `type` also allows other JSON types."""
    if not others:
        return shape
    return _Nullable(shape) if others == {"null"} else _OneOf([shape, _Scalar(others, ())])


@functools.cache
def shape_of(schema_name: str, query: bool) -> _Shape:
    schema = load_spec()["components"]["schemas"][schema_name]
    shape = _compile({"$ref": f"#/components/schemas/{schema_name}"}, {})
    if query and isinstance(shape, _Object):
        extra = tuple(schema.get("x-kling-query-required", ()))
        return _Object(shape.properties, shape.required + extra)
    return shape
