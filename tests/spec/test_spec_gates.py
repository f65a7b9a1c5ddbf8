"""The spec gates bite: a broken example fails lint-spec; a breaking change fails spec-diff.

The tools run from node_modules/.bin (`npm ci`, done by `make setup` / `make test`) on edited
copies of openapi/kling.yaml in a temporary folder.
"""

from __future__ import annotations

import copy
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import openapi_doc

ROOT = openapi_doc.ROOT
METHODS = openapi_doc.METHODS
ENV = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.unmeasured(
        "it runs the Node linters and the spec diff of tools/, no code of the package"
    ),
]

Json = Any


def node_tool(name: str) -> str:
    tool = ROOT / "node_modules/.bin" / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run `make setup` (npm ci)")
    return str(tool)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False, timeout=300
    )


def load_spec() -> Json:
    return openapi_doc.load()


def write_spec(spec: Json, path: Path) -> Path:
    return openapi_doc.dump(spec, path)


resolve = openapi_doc.resolve


def properties(spec: Json, schema: Json) -> dict[str, Json]:
    schema = resolve(spec, schema)
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(properties(spec, part))
    return found


def is_string_only(schema: Json) -> bool:
    types = schema.get("type")
    return types == "string" or (
        isinstance(types, list) and "string" in types and not {"integer", "number"} & set(types)
    )


def string_path(spec: Json, schema: Json, value: Json) -> list[str] | None:
    """Keys leading from ``value`` to a string the schema types as string only, if any."""
    if not isinstance(value, dict):
        return None
    props = properties(spec, schema)
    for key, sub in value.items():
        if key not in props:
            continue
        sub_schema = resolve(spec, props[key])
        if isinstance(sub, str) and is_string_only(sub_schema):
            return [key]
        deeper = string_path(spec, sub_schema, sub)
        if deeper:
            return [key, *deeper]
    return None


def media_types(spec: Json) -> Iterator[Json]:
    for _, _, operation in openapi_doc.operations(spec):
        for response in operation.get("responses", {}).values():
            yield from resolve(spec, response).get("content", {}).values()
        body = resolve(spec, operation.get("requestBody", {}))
        yield from body.get("content", {}).values()


def break_one_example(spec: Json) -> str:
    """Put an integer where the schema says string in the first suitable example."""
    for media in media_types(spec):
        holders = [resolve(spec, e) for e in media.get("examples", {}).values()]
        if "example" in media:
            holders.append(media)
        for holder in holders:
            key = "value" if "value" in holder else "example"
            path = string_path(spec, media.get("schema", {}), holder.get(key))
            if path:
                target = holder[key]
                for part in path[:-1]:
                    target = target[part]
                target[path[-1]] = 12345
                return "/".join(path)
    raise AssertionError("no example with a string property to break")


def test_broken_example_fails_spectral(tmp_path: Path) -> None:
    spec = load_spec()
    where = break_one_example(spec)
    broken = write_spec(spec, tmp_path / "kling.yaml")

    result = run(
        node_tool("spectral"), "lint", str(broken),
        "--ruleset", str(ROOT / "openapi/spectral.yaml"), "--fail-severity", "hint",
    )  # fmt: skip

    assert result.returncode != 0, f"Spectral accepted an integer at {where}"
    assert "oas3-valid-media-example" in result.stdout


def test_broken_example_fails_redocly(tmp_path: Path) -> None:
    spec = load_spec()
    where = break_one_example(spec)
    broken = write_spec(spec, tmp_path / "kling.yaml")

    result = run(
        node_tool("redocly"), "lint", str(broken),
        "--config", str(ROOT / "openapi/redocly.yaml"), "--format", "stylish",
    )  # fmt: skip

    assert result.returncode != 0, f"Redocly accepted an integer at {where}"
    assert "no-invalid-media-type-examples" in result.stdout


def spec_diff(base: Json, revision: Json, folder: Path) -> subprocess.CompletedProcess[str]:
    return run(
        node_tool("redocly"), "diff",
        str(write_spec(base, folder / "released.yaml")),
        str(write_spec(revision, folder / "kling.yaml")),
        "--fail-on", "major", "--lint-config", "off",
    )  # fmt: skip


def remove_an_operation(spec: Json) -> str:
    path = sorted(spec["paths"])[-1]
    method = next(m for m in METHODS if m in spec["paths"][path])
    del spec["paths"][path][method]
    if not any(m in spec["paths"][path] for m in METHODS):
        del spec["paths"][path]
    return f"removed {method.upper()} {path}"


def require_an_optional_request_property(spec: Json) -> str:
    for path, item in spec["paths"].items():
        operation = item.get("post")
        if operation is None:
            continue
        media = resolve(spec, operation.get("requestBody", {})).get("content", {})
        schema = resolve(spec, media.get("application/json", {}).get("schema", {}))
        optional = sorted(set(schema.get("properties", {})) - set(schema.get("required", [])))
        if optional:
            schema["required"] = [*schema.get("required", []), optional[0]]
            return f"made {optional[0]} required in POST {path}"
    raise AssertionError("no POST body with an optional top-level property")


def test_spec_diff_passes_on_the_unchanged_spec(tmp_path: Path) -> None:
    result = spec_diff(load_spec(), load_spec(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("edit", [remove_an_operation, require_an_optional_request_property])
def test_spec_diff_fails_on_a_breaking_change(edit: Any, tmp_path: Path) -> None:
    base = load_spec()
    revision = copy.deepcopy(base)
    what = edit(revision)

    result = spec_diff(base, revision, tmp_path)

    assert result.returncode != 0, f"redocly diff let a breaking change pass: {what}"
    assert "1 major" in result.stdout, result.stdout + result.stderr
