"""The evaluator of `x-kling-rules`: cross-field rules written once, as data, in the spec.

Rules live on operations (checked against the request body) and on schemas (checked wherever
the schema occurs). The grammar is documented in openapi/README.md. The client runs this before
sending a request; the fake gateway runs the same code to reject what the real API rejects.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from .._spec import resolve

__all__ = ["RuleViolation", "check_rules", "check_schema_rules", "holds"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

Predicate = Mapping[str, Any]


@dataclass(frozen=True)
class RuleViolation:
    """A rule that did not hold.

    Attributes:
        rule_id: the rule's `id` in the spec.
        message: the rule's `message`, prefixed by where it applies when nested.
        fields: the request fields the rule speaks of, as full dotted paths.
    """

    rule_id: str
    message: str
    fields: tuple[str, ...]


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted path, or MISSING when any step is absent, null or `""` (Kling takes
    an empty string as "not given": openapi/README.md, decision 39)."""
    current = obj
    for part in path.split("."):
        if not isinstance(current, Mapping) or current.get(part) in (None, ""):
            return MISSING
        current = current[part]
    return current


def _value(obj: Any, pred: Predicate) -> Any:
    found = lookup(obj, pred["path"])
    if found is MISSING and "default" in pred:
        return pred["default"]
    return found


def _number(value: Any) -> Decimal | None:
    # Durations travel as strings ("5"), ratios as numbers; both count as numbers here.
    if isinstance(value, bool) or value is MISSING or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _group_used(obj: Any, group: str | Sequence[str]) -> bool:
    paths = [group] if isinstance(group, str) else group
    return any(lookup(obj, p) is not MISSING for p in paths)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def holds(pred: Predicate, obj: Any) -> bool:
    """Whether a predicate of the rule grammar holds for `obj`.

    Raises:
        ValueError: the predicate is not part of the grammar (a spec mistake).
    """
    if "present" in pred:
        return lookup(obj, pred["present"]) is not MISSING
    if "absent" in pred:
        return lookup(obj, pred["absent"]) is MISSING
    if "path" in pred and "equals" in pred:
        return bool(_value(obj, pred) == pred["equals"])
    if "path" in pred and "in" in pred:
        return _value(obj, pred) in pred["in"]
    if "all" in pred:
        return all(holds(p, obj) for p in pred["all"])
    if "any" in pred:
        return any(holds(p, obj) for p in pred["any"])
    if "not" in pred:
        return not holds(pred["not"], obj)
    if "at_most_one_of" in pred:
        return sum(_group_used(obj, g) for g in pred["at_most_one_of"]) <= 1
    if "contains" in pred:
        spec = pred["contains"]
        items = lookup(obj, spec["path"])
        return isinstance(items, list) and any(holds(spec["where"], item) for item in items)
    if "count_at_most" in pred:
        spec = pred["count_at_most"]
        return sum(_length(lookup(obj, p)) for p in spec["paths"]) <= int(spec["limit"])
    if "sum_equals" in pred:
        return _sum_equals(pred["sum_equals"], obj)
    if "max_decimals" in pred:
        spec = pred["max_decimals"]
        number = _number(lookup(obj, spec["path"]))
        if number is None:
            return True
        exponent = number.normalize().as_tuple().exponent
        return not isinstance(exponent, int) or -exponent <= spec["places"]
    if "product_of_sums_at_most" in pred:
        spec = pred["product_of_sums_at_most"]
        product = Decimal(1)
        for group in spec["sums"]:
            product *= Decimal(str(spec["offset"])) + sum(
                (_number(lookup(obj, p)) or Decimal(0) for p in group), Decimal(0)
            )
        return product <= Decimal(str(spec["limit"]))
    if "min_difference" in pred:
        spec = pred["min_difference"]
        start, end = _number(lookup(obj, spec["from"])), _number(lookup(obj, spec["to"]))
        return start is None or end is None or end - start >= Decimal(str(spec["at_least"]))
    if "nonzero_count_equals" in pred:
        spec = pred["nonzero_count_equals"]
        nonzero = sum(1 for p in spec["paths"] if (_number(lookup(obj, p)) or 0) != 0)
        return nonzero == int(spec["count"])
    raise ValueError(f"unknown x-kling-rules predicate: {dict(pred)!r}")


def _sum_equals(spec: Mapping[str, Any], obj: Any) -> bool:
    items = lookup(obj, spec["path"])
    if not isinstance(items, list):
        return True
    target = lookup(obj, spec["equals_path"])
    expected = _number(spec.get("default") if target is MISSING else target)
    parts = [
        _number(item.get(spec["field"])) if isinstance(item, Mapping) else None for item in items
    ]
    if expected is None or any(p is None for p in parts):
        return True  # a type problem, reported by schema validation instead
    return sum((p for p in parts if p is not None), Decimal(0)) == expected


def _mentioned(pred: Any) -> Iterator[str]:
    """Every field path a predicate names, for error messages."""
    if isinstance(pred, Mapping):
        for key, value in pred.items():
            if key in ("present", "absent", "path", "equals_path", "from", "to") and isinstance(
                value, str
            ):
                yield value
            elif key in ("paths", "at_most_one_of", "sums"):
                for entry in value:
                    yield from ([entry] if isinstance(entry, str) else entry)
            elif key != "where":
                yield from _mentioned(value)
    elif isinstance(pred, list):
        for entry in pred:
            yield from _mentioned(entry)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def check_rules(
    rules: Sequence[Mapping[str, Any]], obj: Any, prefix: str = ""
) -> list[RuleViolation]:
    """Check rules against one object (a body, or a nested object at `prefix`)."""
    violations: list[RuleViolation] = []
    for rule in rules:
        targets: list[tuple[Any, str]] = [(obj, prefix)]
        if "for_each" in rule:
            items = lookup(obj, rule["for_each"])
            base = _join(prefix, rule["for_each"])
            targets = (
                [(item, f"{base}[{i}]") for i, item in enumerate(items)]
                if isinstance(items, list)
                else []
            )
        for target, where in targets:
            if "when" in rule and not holds(rule["when"], target):
                continue
            if holds(rule["then"], target):
                continue
            fields = tuple(
                dict.fromkeys(_join(where, p) for p in _mentioned([rule.get("when"), rule["then"]]))
            )
            violations.append(RuleViolation(rule["id"], str(rule["message"]), fields))
    return violations


def check_schema_rules(
    schema: Mapping[str, Any], instance: Any, prefix: str = ""
) -> list[RuleViolation]:
    """Check the `x-kling-rules` of a schema and of every schema nested below it.

    Follows `$ref`, `properties`, `items` and `allOf`; `anyOf`/`oneOf` branches carry no rules in
    this spec (they only choose between a known and an open value). Where the rules sit below a
    schema is found once per referenced schema (a body's), not on every check.
    """
    ref = schema.get("$ref")
    tree = _rule_tree(ref) if isinstance(ref, str) else _rules_below(schema, {})
    return _check_tree(tree, instance, prefix) if tree is not None else []


@dataclass
class _RuleNode:
    """The rules of one schema node, and the nodes below it that hold some."""

    rules: tuple[Mapping[str, Any], ...] = ()
    all_of: tuple[_RuleNode, ...] = ()
    properties: dict[str, _RuleNode] = field(default_factory=dict)
    items: _RuleNode | None = None


@functools.cache
def _rule_tree(ref: str) -> _RuleNode | None:
    return _rules_below({"$ref": ref}, {})


def _rules_below(schema: Mapping[str, Any], seen: dict[str, _RuleNode]) -> _RuleNode | None:
    """The rules at and below `schema`; None where there are none."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref in seen:
        return seen[ref]  # a schema that holds itself: checked along the same node
    node = _RuleNode()
    if isinstance(ref, str):
        seen[ref] = node
    resolved = resolve(schema)
    node.rules = tuple(resolved.get("x-kling-rules", ()))
    node.all_of = tuple(
        found for sub in resolved.get("allOf", ()) if (found := _rules_below(sub, seen)) is not None
    )
    node.properties = {
        name: found
        for name, sub in resolved.get("properties", {}).items()
        if (found := _rules_below(sub, seen)) is not None
    }
    items = resolved.get("items")
    node.items = _rules_below(items, seen) if isinstance(items, Mapping) else None
    # A node that holds no rules checks nothing (one reached again through a cycle included).
    return node if node.rules or node.all_of or node.properties or node.items else None


def _check_tree(node: _RuleNode, instance: Any, prefix: str) -> list[RuleViolation]:
    found = check_rules(node.rules, instance, prefix) if node.rules else []
    for sub in node.all_of:
        found += _check_tree(sub, instance, prefix)
    if isinstance(instance, Mapping):
        for name, sub in node.properties.items():
            if instance.get(name) is not None:
                found += _check_tree(sub, instance[name], _join(prefix, name))
    if isinstance(instance, list) and node.items is not None:
        for index, item in enumerate(instance):
            found += _check_tree(node.items, item, f"{prefix}[{index}]")
    return found
