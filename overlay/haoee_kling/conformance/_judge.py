"""Judge one HTTP answer against the spec, naming each difference as a JSON path, what the answer
held and the spec's rule (and where the spec says it).

JSON Schema does the work (jsonschema, Draft 2020-12, as OpenAPI 3.1 reads it); this module adds
what a schema check leaves out: an undocumented status or media type, a body that is not JSON,
and fields the spec does not declare (a tolerant reader ignores them; a drift report must not).
Each failure keeps the spec node it broke, so `_drift` can say which spec change describes it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ._plan import resolve

__all__ = ["Difference", "Judge", "pointer_of", "short"]

_SPEC_URI = "urn:haoee-kling:conformance"
_COMBINATORS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class Difference:
    """One way an answer differs from the spec.

    Attributes:
        json_path: where in the answer (`$.data[0].task_status`; `$` for the whole answer).
        held: what the answer held there, shortened (`'queued'`, `HTTP 418`).
        rule: the spec's rule it breaks (`enum: 'submitted', 'processing', ...`).
        spec_location: the spec node that states the rule (`#/components/schemas/TaskStatus`).
        keyword: the JSON Schema keyword, or what the check was (`status`, `undeclared`).
        value: the value itself (for suggestions), when there is one.
    """

    json_path: str
    held: str
    rule: str
    spec_location: str
    keyword: str
    value: Any = None

    def __str__(self) -> str:
        where = f"[{self.spec_location}]"
        return f"{self.json_path}: held {self.held}; the spec says {self.rule} {where}"


def short(value: Any, limit: int = 60) -> str:
    """A value as the report shows it: JSON-ish, cut at `limit` characters."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def pointer_of(parts: tuple[str | int, ...]) -> str:
    """A JSON Pointer fragment (`#/components/schemas/Task`) from its parts."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _walk(node: Any, parts: tuple[str | int, ...]) -> Iterator[tuple[Any, tuple[str | int, ...]]]:
    if isinstance(node, dict):
        yield node, parts
        for key, value in node.items():
            yield from _walk(value, (*parts, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*parts, index))


class Judge:
    """Judges answers against one OpenAPI document (the packaged spec, or one given by path)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        # Every schema node by identity: a failing node is named by where the spec holds it.
        self._where = {id(node): parts for node, parts in _walk(spec, ())}
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)

    def location(self, node: Any) -> tuple[str | int, ...] | None:
        """Where the spec holds a node (its path of keys), or None for a node not in it."""
        return self._where.get(id(node))

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a node that is not a reference."""
        return resolve(self.spec, node)

    def answer(
        self, operation: Mapping[str, Any], where: tuple[str, str], status: int, media: str,
        content: bytes,
    ) -> list[Difference]:  # fmt: skip
        """Every way one answer of ``operation`` differs from the spec; empty when it conforms.

        Args:
            operation: the spec's operation object.
            where: its spec path and method (`/v1/videos/text2video`, `get`).
            status: the HTTP status.
            media: the answer's media type (`application/json`), lowercase, no parameters.
            content: the raw body.
        """
        at: tuple[str | int, ...] = ("paths", where[0], where[1], "responses")
        documented = operation.get("responses", {})
        keys = (str(status), f"{status // 100}XX", "default")
        key = next((k for k in keys if k in documented), None)
        if key is None:
            rule = f"one of the documented statuses {', '.join(sorted(documented))}"
            held = f"HTTP {status}" + (f" ({media})" if media else "")
            return [Difference("$", held, rule, pointer_of(at), "status", status)]
        response = self.resolve(documented[key])
        contents = response.get("content") or {}
        if not contents:
            return []
        if media not in contents:
            rule = f"media type {' or '.join(sorted(contents))}"
            held = repr(media) if media else "no Content-Type"
            return [Difference("$", held, rule, pointer_of((*at, key)), "media type", media)]
        try:
            body = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            held = short(content.decode("utf-8", "replace").strip() or "(empty body)")
            return [Difference("$", held, "a JSON body", pointer_of((*at, key)), "json", None)]
        schema_at = (*(self.location(response) or (*at, key)), "content", media, "schema")
        schema = contents[media].get("schema")
        if schema is None:
            return []
        found = [self._difference(e) for e in _leaves(self._validator(schema_at).iter_errors(body))]
        return found + list(self._beyond_schema(schema, body, (), query=where[1] == "get"))

    @functools.cache  # noqa: B019 - one Judge per run; the cache lives as long as it does
    def _validator(self, schema_at: tuple[str | int, ...]) -> Draft202012Validator:
        root = {"$ref": _SPEC_URI + pointer_of(schema_at)}
        return Draft202012Validator(root, registry=self._registry)

    def _difference(self, error: ValidationError) -> Difference:
        keyword = str(error.validator)
        parts = self.location(error.schema)
        location = pointer_of(parts) if parts is not None else "#"
        expected: Any = error.validator_value
        if keyword == "enum":
            rule = "enum: one of " + ", ".join(short(v, 30) for v in expected)
        elif keyword == "required":
            rule = f"required: {', '.join(map(str, expected))}"
            missing = error.message.split("'")[1] if "'" in error.message else ""
            return Difference(
                _json_path(error.absolute_path), f"no {missing!r}", rule, location, keyword, missing
            )
        else:
            rule = f"{keyword}: {short(expected, 80)}"
        return Difference(
            _json_path(error.absolute_path), short(error.instance), rule, location, keyword,
            error.instance,
        )  # fmt: skip

    def _beyond_schema(
        self, schema: Any, value: Any, path: tuple[Any, ...], *, query: bool
    ) -> Iterator[Difference]:
        """What JSON Schema does not say, here and below: fields no branch of ``schema``
        declares, and on a get or list answer (``query``) the fields the spec's
        `x-kling-query-required` asks for (a task's status) that are missing."""
        nodes = list(self._branches(schema))
        if isinstance(value, dict) and query:
            for node in nodes:
                for name in node.get("x-kling-query-required", ()):
                    if name not in value:
                        parts = self.location(node)
                        rule = f"x-kling-query-required: {name} (in a get or list answer)"
                        where = pointer_of(parts) if parts is not None else "#"
                        held = f"no {name!r}"
                        yield Difference(
                            _json_path(path), held, rule, where, "query-required", name
                        )
        if isinstance(value, dict):
            if any(isinstance(n.get("additionalProperties"), dict) for n in nodes) or any(
                "patternProperties" in n for n in nodes
            ):
                return  # a map: any key is declared
            declaring = [n for n in nodes if isinstance(n.get("properties"), dict)]
            if not declaring:
                return
            for name, item in value.items():
                owner = next((n for n in declaring if name in n["properties"]), None)
                if owner is None:
                    parts = self.location(declaring[0])
                    location = pointer_of((*parts, "properties")) if parts is not None else "#"
                    yield Difference(
                        _json_path((*path, name)), short(item), "no such field", location,
                        "undeclared", {"name": name, "value": item},
                    )  # fmt: skip
                else:
                    below = owner["properties"][name]
                    yield from self._beyond_schema(below, item, (*path, name), query=query)
        elif isinstance(value, list):
            items = [n["items"] for n in nodes if isinstance(n.get("items"), dict)]
            for index, item in enumerate(value[:3] if items else ()):
                yield from self._beyond_schema(items[0], item, (*path, index), query=query)

    def _branches(self, schema: Any) -> Iterator[dict[str, Any]]:
        node = self.resolve(schema)
        if not isinstance(node, dict):
            return
        yield node
        for combinator in _COMBINATORS:
            for branch in node.get(combinator, ()):
                yield from self._branches(branch)


def _leaves(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """The errors that name a field: an anyOf/oneOf failure is replaced by the failures of its
    closest branch (the one with the fewest), so a drift inside a task's result is named where
    it is, not as "matches no branch"."""
    for error in errors:
        if str(error.validator) in ("anyOf", "oneOf") and error.context:
            by_branch: dict[Any, list[ValidationError]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.schema_path[0], []).append(sub)
            closest = min(by_branch.values(), key=len)
            yield from _leaves(iter(closest))
        else:
            yield error
