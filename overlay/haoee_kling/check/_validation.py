"""Request validation against the spec: JSON Schema limits plus the `x-kling-rules`.

The client calls this before any request leaves the machine; the fake gateway calls the same
functions to reject invalid requests the way Kling does (HTTP 400, code 1201). Every message
names the field, the rule and what is wrong with the value.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._spec import load_spec, operation

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["WHEN_GIVEN", "Problem", "validate_body", "validate_parameters"]

_SPEC_URI = "urn:haoee-kling:openapi"
_INTEGER = re.compile(r"-?[0-9]+")
_ONE_FIELD = frozenset({"required", "properties"})
_SCHEMA_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
    "null": "null",
}
_PY_TYPES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


@dataclass(frozen=True)
class Problem:
    """One reason a request is invalid.

    Attributes:
        field: dotted path of the field (`image_list[0].image_url`), or "" for the whole body.
        rule: the JSON Schema keyword (`maxLength`) or the `x-kling-rules` id that failed.
        message: a full sentence starting with the field, e.g.
            `prompt: must be at most 2500 characters (got 2612)`.
    """

    field: str
    rule: str
    message: str


# OpenAPI's integer formats: a number outside its range is one Kling's servers cannot read.
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


@functools.cache
def _formats() -> Any:
    """jsonschema's format checks, plus the ranges of `format: int32` and `int64`."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    for name, (low, high) in _INT_RANGES.items():
        checker.checks(name)(functools.partial(_in_range, low=low, high=high))
    return checker


def _in_range(value: object, *, low: int, high: int) -> bool:
    # Only integers have a range; another type is the `type` keyword's to refuse.
    return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high


@functools.cache
def _validator(ref: str) -> Validator:
    # jsonschema is imported here, not at module level: `import haoee_kling` stays cheap.
    from jsonschema import Draft202012Validator, validators
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
    extend: Any = validators.extend  # untyped in the stubs
    checker = extend(Draft202012Validator, {WHEN_GIVEN: _when_given})
    found: Validator = checker(
        {"$ref": f"{_SPEC_URI}{ref}"}, registry=registry, format_checker=_formats()
    )
    return found


WHEN_GIVEN = "x-kling-when-given"
"""The spec's keyword for limits that hold only when a text field is not `""`: Kling takes
`""` as "not given" (openapi/README.md, decision 39), so they cannot be plain JSON Schema."""


def _when_given(
    validator: Validator, limits: Mapping[str, Any], instance: Any, schema: Any
) -> Iterable[ValidationError]:
    if instance == "":
        return
    for error in validator.evolve(schema=dict(limits)).iter_errors(instance):
        error.validator = f"{WHEN_GIVEN}.{error.validator}"
        yield error


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: ValidationError) -> tuple[str, str]:
    """The field and the sentence for one JSON Schema failure."""
    field = _path(error.absolute_path)
    # The stubs allow "unset" for errors built by hand; every error from iter_errors has both.
    keyword = str(error.validator).removeprefix(f"{WHEN_GIVEN}.")
    expected: Any = error.validator_value
    value: Any = error.instance
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(expected)
        return _path([*error.absolute_path, missing]), "is required"
    if keyword == "maxLength":
        return field, f"must be at most {expected} characters (got {len(value)})"
    if keyword == "minLength":
        return (
            field,
            "must not be empty" if expected == 1 else f"must be at least {expected} characters",
        )
    if keyword in ("maximum", "minimum"):
        word = "most" if keyword == "maximum" else "least"
        return field, f"must be at {word} {expected} (got {value!r})"
    if keyword in ("maxItems", "minItems"):
        word = "most" if keyword == "maxItems" else "least"
        return field, f"must have at {word} {expected} items (got {len(value)})"
    if keyword == "enum":
        return field, f"must be one of {', '.join(map(repr, expected))} (got {value!r})"
    if keyword == "const":
        return field, f"must be {expected!r} (got {value!r})"
    if keyword == "type":
        wanted = " or ".join(
            _SCHEMA_TYPES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
        )
        return field, f"must be {wanted} (got {_PY_TYPES.get(type(value), type(value).__name__)})"
    if keyword == "pattern":
        return field, f"must match the pattern {expected} (got {value!r})"
    if keyword == "not" and expected == {"pattern": "^data:"}:
        return field, "must be a URL or raw base64 without a 'data:...;base64,' prefix"
    if keyword == "oneOf" and all(_names_one_field(branch) for branch in expected):
        names = " and ".join(branch["required"][0] for branch in expected)
        return field, f"give exactly one of {names}"
    if keyword == "anyOf" and all(set(branch) == {"required"} for branch in expected):
        names = " or ".join(branch["required"][0] for branch in expected)
        return field, f"give at least one of {names}"
    if keyword == "anyOf" and _is_condition(expected):
        return _conditional(error, expected)
    if keyword in ("anyOf", "oneOf") and error.context:
        reasons = "; or ".join(dict.fromkeys(_describe(sub)[1] for sub in error.context))
        return field, f"is not valid: it {reasons}"
    if keyword == "format" and expected in _INT_RANGES:
        low, high = _INT_RANGES[expected]
        bound = f"at most {high}" if value > high else f"at least {low}"
        bits = expected.removeprefix("int")
        return field, f"must be {bound}, a {bits}-bit integer (got {value!r})"
    if keyword == "format":
        return field, f"must be a valid {expected} (got {value!r})"
    return field, error.message


def _names_one_field(branch: Any) -> bool:
    """`{required: [F]}`, or `{required: [F], properties: {F: {minLength: 1}}}` where `""` in F
    counts as not given (openapi/README.md, decision 39)."""
    return isinstance(branch, dict) and "required" in branch and set(branch) <= _ONE_FIELD


def _is_condition(branches: Any) -> bool:
    """`anyOf: [{not: <field equals value>}, {required: [...]}]`: the spec's "when F is V, R is
    required" (JSON Schema's if/then, written so that linters can follow the names)."""
    if not isinstance(branches, list) or len(branches) != 2:
        return False
    condition, requirement = branches
    return set(condition) == {"not"} and set(requirement) == {"required"}


def _conditional(error: ValidationError, branches: list[Any]) -> tuple[str, str]:
    condition, requirement = branches[0]["not"], branches[1]["required"]
    [(name, rule)] = condition["properties"].items()
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    missing = [r for r in requirement if r not in instance] or requirement
    where = list(error.absolute_path)
    fields = ", ".join(_path([*where, m]) for m in missing)
    return fields, f"is required when {_path([*where, name])} is {rule['const']!r}"


def _problems(errors: Iterable[ValidationError]) -> list[Problem]:
    found: dict[tuple[str, str], Problem] = {}
    for error in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator))):
        field, sentence = _describe(error)
        where = field or "request body"
        found.setdefault(
            (field, sentence), Problem(field, str(error.validator), f"{where}: {sentence}")
        )
    return list(found.values())


def _not_finite(value: Any, where: list[Any]) -> list[Problem]:
    """A problem for every NaN or infinite number in a body, by field."""
    if isinstance(value, float) and not math.isfinite(value):
        field = _path(where)
        sentence = f"must be a finite number (got {value!r}: JSON has no NaN or infinity)"
        return [Problem(field, "finite", f"{field or 'request body'}: {sentence}")]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _not_finite(v, [*where, k])]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _not_finite(v, [*where, i])]
    return []


def validate_body(operation_id: str, body: Any) -> list[Problem]:
    """Check a request body against its operation's schema, rules and model capabilities.

    Args:
        operation_id: the spec's operationId, e.g. `createText2Video`.
        body: the JSON body as plain dicts and lists.

    Returns:
        The problems found, schema problems first; empty when the body is valid. Rules and the
        model's capabilities (`x-kling-models`, e.g. `kling-v1 takes duration 5 or 10 (got 7)`)
        are only checked on a body whose types are right, so they never mask a type error.
    """
    op = operation(operation_id)
    if op.body_schema is None:
        return []
    # NaN compares false with every limit, so the schema would let it through; JSON has no
    # NaN or infinity either: refused first, by field.
    problems = _not_finite(body, [])
    if problems:
        return problems
    ref = str(op.body_schema["$ref"])
    problems = _problems(_validator(ref).iter_errors(body))
    if problems:
        return problems
    from ._capabilities import check_capabilities  # with the first body, not on import
    from ._rules import check_rules, check_schema_rules

    violations = check_rules(op.rules, body) + check_schema_rules(op.body_schema, body)
    violations += check_capabilities(operation_id, body)
    # A rule's message names its fields already; `field` lists them for programs.
    return [Problem(", ".join(v.fields), v.rule_id, v.message) for v in violations]


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    # Only plain decimal digits are an integer on the wire; int() would also take " 1" or "1_0".
    if schema.get("type") == "integer" and _INTEGER.fullmatch(raw):
        return int(raw)
    return raw


def validate_parameters(
    operation_id: str, values: Mapping[str, Mapping[str, str]]
) -> list[Problem]:
    """Check path, query and header parameters as they arrive on the wire (strings).

    Args:
        operation_id: the spec's operationId.
        values: `{"path": {...}, "query": {...}, "header": {...}}`; header names are matched
            case-insensitively.

    Returns:
        The problems found; empty when every parameter is valid. An operation without a body
        applies its `x-kling-rules` to the query (e.g. an end time not before the start), once
        every parameter is valid on its own.
    """
    from jsonschema import Draft202012Validator

    problems: list[Problem] = []
    op = operation(operation_id)
    query: dict[str, Any] = {}
    for param in op.parameters:
        where, name, schema = param["in"], param["name"], param.get("schema", {})
        given = values.get(where, {})
        if where == "header":
            given = {k.lower(): v for k, v in given.items()}
        raw = given.get(name.lower() if where == "header" else name)
        if raw is None:
            if param.get("required"):
                problems.append(Problem(name, "required", f"{name}: is required"))
            continue
        value = _coerce(raw, schema)
        if where == "query":
            query[name] = value
        for error in Draft202012Validator(schema, format_checker=_formats()).iter_errors(value):
            _, sentence = _describe(error)
            problems.append(Problem(name, str(error.validator), f"{name}: {sentence}"))
    if problems or op.body_schema is not None or not op.rules:
        return problems
    from ._rules import check_rules

    violations = check_rules(op.rules, query)
    return [Problem(", ".join(v.fields), v.rule_id, v.message) for v in violations]
