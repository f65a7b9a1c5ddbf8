"""Check every recorded exchange against openapi/kling.yaml and for leaked secrets.

Usage::

    python tools/validate_cassettes.py [--spec SPEC] [--root DIR]  # the folder and its manifest
    python tools/validate_cassettes.py [--spec SPEC] PATH ...      # these files or folders only
    python tools/validate_cassettes.py --update                    # `make cassettes`
    python tools/validate_cassettes.py --build-doc-examples [DIR]

Validation walks every vcrpy cassette (``*.yaml``) under the given files or folders, rebuilds
each recorded response with its request and judges it as the answer of the operation its path
maps to (any prefix before ``/v1/`` is ignored). Each problem is printed as
``cassette#interaction: METHOD /path -> status: $.json.path: problem [spec: #/location]``; any
key-like string left in a cassette (tests/live/secrets.py) is printed too. Exit status 1 when
anything was found, 0 otherwise.

Without PATHs the whole cassette folder (``--root``, default tests/contract/cassettes) is
checked, and with it ``MANIFEST.json``: the one file that says which spec (its sha256) every
cassette was last checked against, and each cassette's own sha256. A spec edit changes that
one file, not every cassette. The check fails when the spec's digest is not the manifest's,
when a cassette was added, changed or removed since, or when a documentation cassette no longer
says what the spec's examples say; ``--update`` (`make cassettes`) rebuilds the documentation
cassettes, checks everything and writes the manifest only when nothing was found.

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
from collections.abc import Iterator, Mapping
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
from tests.live.spec_check import load_schema, violations  # noqa: E402
from tests.yaml_files import read_yaml  # noqa: E402

CASSETTES = ROOT / "tests/contract/cassettes"
DOC_EXAMPLES = CASSETTES / "doc-examples"
MANIFEST = "MANIFEST.json"
REBUILD = "run `make cassettes` (python tools/validate_cassettes.py --update)"
ERROR_EXAMPLE_OPERATIONS = ("getText2Video", "createText2Video")
HEADER = (
    "# Built by `make cassettes` (tools/validate_cassettes.py) from the examples in\n"
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
    document = read_yaml(cassette.read_text(encoding="utf-8")) or {}
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


def problems(cassette: Path, spec: Path = openapi_doc.SPEC_PATH) -> list[str]:
    """Every violation of ``spec`` and leaked secret in one cassette, one line each."""
    cassette, schema = cassette.resolve(), load_schema(spec.resolve())
    found = [
        f"{_shown(cassette)}: secret: {finding}" for finding in find_secrets(cassette.read_text())
    ]
    for number, response in enumerate(responses(cassette)):
        found += [
            f"{_shown(cassette)}#{number}: {violation}"
            for violation in violations(response, schema=schema)
        ]
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


def doc_examples(spec: Path = openapi_doc.SPEC_PATH) -> dict[str, str]:
    """The documentation cassettes ``spec`` makes, by path under doc-examples/: one per
    operation (its success examples) and errors.yaml (the shared error examples)."""
    document = openapi_doc.load(spec)
    built, errors = {}, []
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
            name = f"{operation['tags'][0]}/{operation['operationId']}.yaml"
            built[name] = _cassette_text(interactions)
    built["errors.yaml"] = _cassette_text(errors)
    return built


def build_doc_examples(folder: Path, spec: Path = openapi_doc.SPEC_PATH) -> list[Path]:
    """Write the documentation cassettes of ``spec`` into ``folder``; return the files."""
    written = []
    for name, text in doc_examples(spec).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the JSON bodies) as literal blocks, readable and easy to edit."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _cassette_text(interactions: list[dict[str, Any]]) -> str:
    # The spec's digest is not stamped here but once, in MANIFEST.json: a spec edit that keeps
    # an operation's examples leaves its cassette alone.
    provenance = {
        "source": "examples in openapi/kling.yaml (documentation, not a recording)",
        "recorded_from_live_gateway": False,
    }
    document = {"x-provenance": provenance, "interactions": interactions, "version": 1}
    text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + text


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(root: Path, spec: Path) -> dict[str, Any]:
    """What MANIFEST.json says once every cassette under ``root`` passed against ``spec``."""
    return {
        "about": (
            "The spec every cassette in this folder was last checked against, and each "
            "cassette's sha256. Rewritten by `make cassettes` (tools/validate_cassettes.py "
            "--update) once every cassette passes; never edit it by hand."
        ),
        "spec_sha256": _sha256(spec.read_bytes()),
        "cassettes": {
            path.relative_to(root).as_posix(): {
                "sha256": _sha256(path.read_bytes()),
                "responses": sum(1 for _ in responses(path)),
            }
            for path in cassettes([root])
        },
    }


def manifest_problems(root: Path, spec: Path) -> list[str]:
    """How ``root``'s MANIFEST.json and documentation cassettes fall behind ``spec`` and the
    cassettes themselves, one line each (each ending with the command that rebuilds them)."""
    where = _shown(root.resolve() / MANIFEST)
    if not (root / MANIFEST).exists():
        return [f"{where}: missing; {REBUILD}"]
    recorded = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    current = manifest(root, spec)
    found = []
    if recorded.get("spec_sha256") != current["spec_sha256"]:
        found.append(
            f"{where}: stale: the cassettes were checked against spec sha256 "
            f"{str(recorded.get('spec_sha256'))[:12]}, but {_shown(spec.resolve())} is now "
            f"{current['spec_sha256'][:12]}; {REBUILD}"
        )
    found += _listing_problems(where, recorded.get("cassettes", {}), current["cassettes"])
    shipped, built = root / "doc-examples", doc_examples(spec)
    for name, text in built.items():
        target = shipped / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            found.append(f"{_shown(target.resolve())}: not what the spec's examples say; {REBUILD}")
    found += [
        f"{_shown(path.resolve())}: the spec has no such examples any more; {REBUILD}"
        for path in (cassettes([shipped]) if shipped.exists() else ())
        if path.relative_to(shipped).as_posix() not in built
    ]
    return found


def _listing_problems(
    where: str, recorded: Mapping[str, Any], current: Mapping[str, Any]
) -> list[str]:
    new = [name for name in current if name not in recorded]
    gone = [name for name in recorded if name not in current]
    changed = [
        n for n in current if n in recorded and recorded[n].get("sha256") != current[n]["sha256"]
    ]
    return (
        [f"{where}: {name} is new since the manifest; {REBUILD}" for name in new]
        + [f"{where}: {name} is gone; {REBUILD}" for name in gone]
        + [f"{where}: {name} changed since it was checked; {REBUILD}" for name in changed]
    )


def update(root: Path, spec: Path) -> list[str]:
    """`make cassettes`: rebuild the documentation cassettes under ``root``, check every
    cassette against ``spec`` and, when nothing was found, write the manifest."""
    build_doc_examples(root / "doc-examples", spec)
    found = [line for cassette in cassettes([root]) for line in problems(cassette, spec)]
    if not found:
        text = json.dumps(manifest(root, spec), indent=2) + "\n"
        (root / MANIFEST).write_text(text, encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    """Validate cassettes (or build the documentation ones); return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", type=Path, help="cassette files or folders")
    parser.add_argument("--spec", type=Path, default=openapi_doc.SPEC_PATH, help="the spec")
    parser.add_argument("--root", type=Path, default=CASSETTES, help="the cassette folder")
    parser.add_argument("--build-doc-examples", action="store_true", help="write doc cassettes")
    parser.add_argument("--update", action="store_true", help="rebuild, check, write manifest")
    args = parser.parse_args(argv)
    if args.build_doc_examples:
        folder = args.paths[0] if args.paths else DOC_EXAMPLES
        for written in build_doc_examples(folder, args.spec):
            print(f"wrote {_shown(written.resolve())}")
        return 0
    if args.update:
        found = update(args.root, args.spec)
    else:
        found = [
            line
            for cassette in cassettes(args.paths or [args.root])
            for line in problems(cassette, args.spec)
        ]
        # The manifest speaks for the whole folder, so only a check of the folder reads it.
        found += [] if args.paths else manifest_problems(args.root, args.spec)
    for line in found:
        print(line)
    files = list(cassettes(args.paths or [args.root]))
    count = sum(1 for cassette in files for _ in responses(cassette))
    verdict = "FAILED" if found else "ok"
    wrote = f"; wrote {_shown(args.root.resolve() / MANIFEST)}" if args.update and not found else ""
    print(
        f"validate_cassettes: {verdict}: {len(files)} cassette(s), {count} response(s), "
        f"{len(found)} problem(s){wrote}"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
