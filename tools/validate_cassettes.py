"""Check every recorded exchange against openapi/kling.yaml and for leaked secrets.

Usage::

    python tools/validate_cassettes.py [PATH ...]        # default: tests/contract/cassettes
    python tools/validate_cassettes.py --build-doc-examples [DIR]

Validation walks every vcrpy cassette (``*.yaml``) under the given files or folders, rebuilds
each recorded response with its request and judges it as the answer of the operation its path
maps to (any prefix before ``/v1/`` is ignored). Each problem is printed as
``cassette#interaction: METHOD /path -> status: $.json.path: problem [spec: #/location]``; any
key-like string left in a cassette (tests/live/secrets.py) is printed too. Exit status 1 when
anything was found, 0 otherwise.

``--build-doc-examples`` (re)writes cassettes built from the spec's own request and response
examples into DIR (default tests/contract/cassettes/doc-examples): one file per operation with
every documented success example, plus ``errors.yaml`` with the shared error examples. They
are labelled as documentation in their path, a comment and ``x-provenance`` — never as
recordings of the live gateway.
"""

from __future__ import annotations

import argparse
import hashlib
import http
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import openapi_doc  # noqa: E402 - after the repository root is importable
from tests.live.gateway import DEFAULT_BASE_URL, model_name_for  # noqa: E402
from tests.live.secrets import find_secrets  # noqa: E402
from tests.live.spec_check import violations  # noqa: E402

CASSETTES = ROOT / "tests/contract/cassettes"
DOC_EXAMPLES = CASSETTES / "doc-examples"
ERROR_EXAMPLE_OPERATIONS = ("getText2Video", "createText2Video")
HEADER = (
    "# Built by `python tools/validate_cassettes.py --build-doc-examples` from the examples in\n"
    "# openapi/kling.yaml. NOT recorded from the live gateway: documentation examples only.\n"
)


def cassettes(paths: list[Path]) -> Iterator[Path]:
    """Every ``*.yaml`` file given, or found under a given folder, in sorted order."""
    for path in paths:
        if not path.exists():
            raise SystemExit(f"validate_cassettes: no such file or folder: {path}")
        yield from sorted(path.rglob("*.yaml")) if path.is_dir() else [path]


def _text(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, dict):  # vcrpy writes {"string": ...} for response bodies
        body = body.get("string")
    return body if isinstance(body, bytes) else str(body or "").encode("utf-8")


def _headers(raw: dict[str, list[str]] | None) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, values in (raw or {}).items() for value in values]


def responses(cassette: Path) -> Iterator[httpx.Response]:
    """The recorded responses of one cassette, each rebuilt with its request."""
    document = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
    for interaction in document.get("interactions", []):
        recorded_request, recorded = interaction["request"], interaction["response"]
        request = httpx.Request(
            recorded_request["method"],
            recorded_request["uri"],
            headers=_headers(recorded_request.get("headers")),
            content=_text(recorded_request.get("body")),
        )
        yield httpx.Response(
            recorded["status"]["code"],
            headers=_headers(recorded.get("headers")),
            content=_text(recorded.get("body")),
            request=request,
        )


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def problems(cassette: Path) -> list[str]:
    """Every spec violation and leaked secret in one cassette, one line each."""
    cassette = cassette.resolve()
    found = [
        f"{_shown(cassette)}: secret: {finding}" for finding in find_secrets(cassette.read_text())
    ]
    for number, response in enumerate(responses(cassette)):
        found += [f"{_shown(cassette)}#{number}: {violation}" for violation in violations(response)]
    return found


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _query(document: Any, operation: Any) -> str:
    """The query string of a documentation request: every query parameter's own example
    (`pageNum=1&pageSize=30` for a list; the period for the account's costs)."""
    params = [openapi_doc.resolve(document, p) for p in operation.get("parameters", ())]
    values = {p["name"]: p["example"] for p in params if p["in"] == "query" and "example" in p}
    return f"?{urlencode(values)}" if values else ""


def _interaction(
    method: str, path: str, status: int, body: Any, request_body: Any = None, query: str = ""
) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    task_id = data.get("task_id") if isinstance(data, dict) else None
    concrete = path.replace("{task_id}", str(task_id or "842250903629086785"))
    headers = {
        "Authorization": ["Bearer REDACTED"],
        "ModelName": [model_name_for(path, request_body)],
    }
    if request_body is not None:
        headers["Content-Type"] = ["application/json"]
    return {
        "request": {
            "body": None if request_body is None else _json(request_body),
            "headers": headers,
            "method": method.upper(),
            "uri": f"{DEFAULT_BASE_URL}{concrete}{query}",
        },
        "response": {
            "body": {"string": _json(body)},
            "headers": {"Content-Type": ["application/json"]},
            "status": {"code": status, "message": http.HTTPStatus(status).phrase},
        },
    }


def _request_example(document: Any, operation: Any) -> Any:
    content = openapi_doc.resolve(document, operation.get("requestBody", {})).get("content", {})
    media = content.get("application/json", {})
    examples = [openapi_doc.resolve(document, e) for e in media.get("examples", {}).values()]
    return examples[0]["value"] if examples else media.get("example")


def build_doc_examples(folder: Path) -> list[Path]:
    """Write one cassette per operation (success examples) and errors.yaml; return the files."""
    document = openapi_doc.load()
    # 12 hex digits, as generated/ headers show: a full digest would look like a key to the scan.
    digest = hashlib.sha256(openapi_doc.SPEC_PATH.read_bytes()).hexdigest()[:12]
    provenance = {
        "source": "examples in openapi/kling.yaml (documentation, not a recording)",
        "recorded_from_live_gateway": False,
        "spec_sha256_prefix": digest,
    }
    written, errors = [], []
    for path, method, operation in openapi_doc.operations(document):
        request_body = _request_example(document, operation)
        query = _query(document, operation)
        statuses = [s for s in operation.get("responses", {}) if s.startswith("2")]
        interactions = [
            _interaction(method, path, int(status), example, request_body, query)
            for status in statuses
            for example in openapi_doc.json_examples(document, operation, status)
        ]
        if operation["operationId"] in ERROR_EXAMPLE_OPERATIONS:
            errors += [
                _interaction(method, path, int(status), example, request_body, query)
                for status in operation["responses"]
                if not status.startswith("2")
                for example in openapi_doc.json_examples(document, operation, status)
            ]
        if interactions:
            target = folder / operation["tags"][0] / f"{operation['operationId']}.yaml"
            written.append(_write(target, interactions, provenance))
    written.append(_write(folder / "errors.yaml", errors, provenance))
    return written


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the JSON bodies) as literal blocks, readable and easy to edit."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _write(target: Path, interactions: list[dict[str, Any]], provenance: dict[str, Any]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {"x-provenance": provenance, "interactions": interactions, "version": 1}
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    target.write_text(HEADER + text, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Validate cassettes (or build the documentation ones); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", type=Path, help="cassette files or folders")
    parser.add_argument("--build-doc-examples", action="store_true", help="write doc cassettes")
    args = parser.parse_args(argv)
    if args.build_doc_examples:
        folder = args.paths[0] if args.paths else DOC_EXAMPLES
        for written in build_doc_examples(folder):
            print(f"wrote {_shown(written.resolve())}")
        return 0
    files = list(cassettes(args.paths or [CASSETTES]))
    found = [line for cassette in files for line in problems(cassette)]
    for line in found:
        print(line)
    count = sum(1 for cassette in files for _ in responses(cassette))
    verdict = "FAILED" if found else "ok"
    print(
        f"validate_cassettes: {verdict}: {len(files)} cassette(s), {count} response(s), "
        f"{len(found)} problem(s)"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
