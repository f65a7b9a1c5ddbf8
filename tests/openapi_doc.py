"""Read openapi/kling.yaml in tests the way YAML 1.2 tools do, and follow its local $refs.

PyYAML implements YAML 1.1, where unquoted ON/OFF/yes/no are booleans; the generator, Spectral
and Redocly read YAML 1.2, where only true/false are. Tests load the spec with 1.2 booleans so
an edited copy they write back means what the original meant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from haoee_kling.conformance._yaml import load_yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi/kling.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


def load(path: Path = SPEC_PATH) -> Any:
    """The document at ``path`` (default: the spec) as plain Python data."""
    return load_yaml(path.read_text(encoding="utf-8"))


def dump(document: Any, path: Path) -> Path:
    """Write ``document`` as YAML (strings that 1.1 would misread are quoted) and return path."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def resolve(document: Any, node: Any) -> Any:
    """Follow local ``$ref``s (``#/...``) from ``node`` until a node that is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(document: Any) -> list[tuple[str, str, Any]]:
    """(path, method, operation) for every operation, in document order."""
    return [
        (path, method, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def json_examples(document: Any, operation: Any, status: str) -> list[Any]:
    """The JSON example values of one response of ``operation``, $refs followed."""
    response = resolve(document, operation.get("responses", {}).get(status, {}))
    media = resolve(document, response.get("content", {}).get("application/json", {}))
    found = [media["example"]] if "example" in media else []
    for example in media.get("examples", {}).values():
        example = resolve(document, example)
        if "value" in example:
            found.append(example["value"])
    return found
