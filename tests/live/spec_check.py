"""Judge any HTTP exchange against openapi/kling.yaml, naming the JSON path and the spec location.

One checker for every response the harness sees: live gateway answers (tests/live), cassettes
recorded from it or built from the documentation (tools/validate_cassettes.py) and the replays
through the clients (tests/contract). schemathesis does the JSON Schema work
(``APIOperation.validate_response``); this module adds what that call leaves out — an undocumented
status code or media type passes it silently — and turns each failure into one line::

    GET /v1/videos/text2video/{task_id} -> 200: $.data.task_status: "queued" is not one of ...
    [spec: #/components/schemas/TaskStatus, keyword enum]
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests import openapi_doc

__all__ = [
    "SPEC_PATH",
    "SpecViolationError",
    "Violation",
    "assert_conforms",
    "load_schema",
    "spec_path_of",
    "violations",
]

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi/kling.yaml"
_SCHEMA_AT = re.compile(r"^Schema at (\S+):$", re.MULTILINE)


@functools.cache
def load_schema(path: Path = SPEC_PATH) -> OpenApiSchema:
    """The spec at ``path`` loaded by schemathesis (once per process and path)."""
    return schemathesis.openapi.from_path(str(path))


@dataclass(frozen=True)
class Violation:
    """One way a response breaks the spec."""

    operation: str
    status: int
    json_path: str
    problem: str
    spec_location: str

    def __str__(self) -> str:
        return (
            f"{self.operation} -> {self.status}: {self.json_path}: {self.problem}"
            f" [spec: {self.spec_location}]"
        )


class SpecViolationError(AssertionError):
    """A response that breaks the spec; ``violations`` lists every way it does."""

    def __init__(self, found: list[Violation]) -> None:
        self.violations = found
        lines = "\n  ".join(str(violation) for violation in found)
        super().__init__(f"response does not match openapi/kling.yaml:\n  {lines}")


def spec_path_of(url_path: str) -> str:
    """The spec path of a request path: everything from ``/v1/`` (or ``/account/``) on,
    whatever prefix precedes it.

    haoee serves the spec's paths under ``/kling``, Kling's own hosts under the root and the fake
    gateway wherever it is mounted; every path in the spec starts with ``/v1/``, except the
    account's (``/account/costs``).
    """
    for root in ("/v1/", "/account/"):
        start = url_path.find(root)
        if start >= 0:
            return url_path[start:]
    return url_path


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _json_path(parts: object) -> str:
    path = "$"
    for part in parts if isinstance(parts, list | tuple) else ():
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _from_failure(
    failure: Failure, where: str, status: int, responses: str, root: str
) -> Violation:
    """One schemathesis failure as a `Violation`; ``root`` is where the response schema lives."""
    if isinstance(failure, JsonSchemaError):
        located = _SCHEMA_AT.search(failure.message)
        keyword = failure.schema_path[-1] if failure.schema_path else ""
        location = located.group(1) if located else ""
        if not location.startswith(("/components/", "/paths/")):
            # schemathesis names a location inside the response schema: anchor it in the spec.
            location = root.removeprefix("#") + location.rstrip("/")
        return Violation(
            operation=where,
            status=status,
            json_path=_json_path(list(failure.instance_path)),
            problem=failure.validation_message,
            spec_location=f"#{location}, keyword {keyword}" if keyword else f"#{location}",
        )
    detail = failure.message.strip().splitlines()
    problem = failure.title + (f": {detail[-1].strip()}" if detail else "")
    return Violation(where, status, "$", problem, responses)


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def violations(
    response: httpx.Response,
    *,
    operation_id: str | None = None,
    schema: OpenApiSchema | None = None,
) -> list[Violation]:
    """Every way ``response`` (with its request) breaks the spec; empty when it conforms.

    Args:
        response: An httpx response whose ``request`` is set (live, replayed or rebuilt).
        operation_id: Judge the response as this operation's answer instead of finding the
            operation from the request (for routes the spec does not describe, or to judge
            the haoee plugin's omni-video poll at ``/v1/images/omni-image/{id}`` as
            ``getOmniVideo``'s answer).
        schema: The loaded spec; by default openapi/kling.yaml.

    Returns:
        The violations, each naming the operation, status, JSON path and spec location.
    """
    schema = schema if schema is not None else load_schema()
    request = response.request
    path = spec_path_of(request.url.path)
    operation: APIOperation[Any, Any, Any, Any] | None
    if operation_id is None:
        operation = schema.find_operation_by_path(request.method, path)
    else:
        operation = schema.find_operation_by_id(operation_id)
    if operation is None:
        where = f"{request.method} {path}"
        return [Violation(where, response.status_code, "$", "no such operation", "#/paths")]
    where, status, media = operation.label, response.status_code, _media_type(response)
    documented = operation.definition.raw.get("responses", {})
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in documented), None)
    at = ("paths", operation.path, operation.method.lower(), "responses")
    if key is None:
        listed = ", ".join(sorted(documented))
        problem = f"undocumented status (documented: {listed})"
        return [Violation(where, status, "$", problem, _pointer(*at))]
    content = openapi_doc.resolve(schema.raw_schema, documented[key]).get("content", {})
    if content and media not in content:
        problem = f"media type {media!r} is not documented ({', '.join(sorted(content))})"
        return [Violation(where, status, "$", problem, _pointer(*at, key))]
    schema_ref = content.get(media, {}).get("schema", {}).get("$ref")
    root = schema_ref or _pointer(*at, key, "content", media, "schema")
    try:
        response.elapsed  # noqa: B018 - raises on responses that were never sent
    except RuntimeError:
        response.elapsed = datetime.timedelta(0)
    try:
        operation.validate_response(response)
    except FailureGroup as group:
        failures = list(group.exceptions)
    except Failure as failure:
        failures = [failure]
    else:
        return []
    return [_from_failure(f, where, status, _pointer(*at, key), root) for f in failures]


def assert_conforms(
    response: httpx.Response,
    *,
    operation_id: str | None = None,
    schema: OpenApiSchema | None = None,
) -> None:
    """Raise `SpecViolationError` listing every violation of ``response``; pass when it conforms."""
    found = violations(response, operation_id=operation_id, schema=schema)
    if found:
        raise SpecViolationError(found)
