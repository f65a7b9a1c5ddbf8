"""Generate ``generated/`` from ``openapi/kling.yaml`` with the pinned openapi-python-client.

Usage::

    python tools/generate.py            # regenerate and replace generated/ atomically
    python tools/generate.py --check    # regenerate into a temporary folder; exit 1 with a
                                        # unified diff when generated/ differs

The generator runs in a temporary folder with ``openapi/generator.yaml``, the custom templates in
``openapi/templates/`` and ``--meta none --overwrite --fail-on-warning``; its post-hooks format the
output with the pinned ruff from this interpreter's environment. The output is then post-processed
deterministically:

* every ``.py`` file gets a first-line header naming the generator and the spec (the spec's
  sha256 goes into STAMP.json only, so a spec edit does not rewrite every generated file);
* the spec is copied to ``haoee_kling_api/openapi.yaml`` (package data, as written) and compiled
  to ``haoee_kling_api/openapi.json`` (the same document as compact JSON: what the overlay and the
  fake read at run time, about 25 times faster to load than YAML, so no client path parses YAML);
* ``haoee_kling_api/py.typed`` is written (``--meta none`` does not emit it);
* ``haoee_kling_api/calls.py`` is written by ``tools/typed_calls.py``: a TypedDict of every
  create body and, per task kind, the namespace's calls with typed parameters;
* ``haoee_kling_api/api/__init__.py`` gets the operation table: each operationId of the spec mapped
  to the module the generator wrote for it (named with the generator's own ``PythonIdentifier``,
  here, once), so the overlay finds an operation by a lookup, never by scanning or renaming;
* ``generated/STAMP.json`` records the spec, config and template hashes and the tool versions
  (no timestamp, so generating twice changes nothing);
* ``.ruff_cache`` and ``__pycache__`` folders are removed.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import typed_calls  # a sibling module of this script

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi/kling.yaml")
CONFIG = Path("openapi/generator.yaml")
TEMPLATES = Path("openapi/templates")
OUTPUT = Path("generated")
PACKAGE = "haoee_kling_api"
IGNORED = {"__pycache__", ".ruff_cache"}
MAX_DIFF_LINES = 200


def sha256(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def pinned_version(root: Path, dist: str) -> str:
    """Return the exact version pinned for ``dist`` in the ``dev`` extra of pyproject.toml."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pattern = re.compile(rf"^{re.escape(dist)}==(?P<version>\S+)$", re.IGNORECASE)
    for requirement in project["optional-dependencies"]["dev"]:
        match = pattern.match(requirement.strip())
        if match:
            return match["version"]
    raise SystemExit(f"generate: {dist} is not pinned with == in the dev extra of pyproject.toml")


def tool_versions(root: Path) -> dict[str, str]:
    """Return the installed generator and ruff versions, failing unless they are the pinned ones."""
    versions = {}
    for dist in ("openapi-python-client", "ruff"):
        installed, pinned = version(dist), pinned_version(root, dist)
        if installed != pinned:
            raise SystemExit(
                f"generate: {dist} {installed} is installed, {pinned} is pinned: run `make setup`"
            )
        versions[dist] = installed
    return versions


def tree_digest(folder: Path) -> str:
    """Return one sha256 over the relative paths and contents of every file under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def spec_document(spec: bytes) -> Any:
    """The spec's YAML read once, with libyaml's parser where PyYAML has it (6x faster than
    the pure-Python one; PyYAML is a dev dependency here)."""
    import yaml

    return yaml.load(spec, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def compact_json(document: Any) -> str:
    """The spec as compact JSON, keys in document order."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


OPERATION_TABLE = '''"""Every operation of the API by operationId; modules load on first use."""

from functools import cache
from importlib import import_module
from types import ModuleType

# operationId -> the module (relative to this package) that implements it: `build_request`
# (the httpx request arguments), `BODY` and `RESPONSE` (its models), `sync` and `asyncio`.
OPERATIONS: dict[str, str] = {
%s}


# Cached: `import_module` resolves the relative name on every call (a few microseconds, paid on
# every request otherwise).
@cache
def operation_module(operation_id: str) -> ModuleType:
    """The generated module of an operation (see OPERATIONS).

    Raises:
        KeyError: the spec has no such operation.
    """
    return import_module(OPERATIONS[operation_id], __name__)
'''


def operation_table(document: Any) -> str:
    """The source of ``api/__init__.py``: operationId -> module, in the spec's order."""
    from openapi_python_client.strings import PythonIdentifier

    # The same names the generator gives the tag folder and the module (its parser's calls).
    rows = []
    for item in document["paths"].values():
        for method in ("get", "post", "put", "patch", "delete"):
            op = item.get(method)
            if op is not None:
                tag = PythonIdentifier(op["tags"][0], prefix="tag")
                name = PythonIdentifier(op["operationId"], prefix="field_")
                rows.append(f'    "{op["operationId"]}": ".{tag}.{name}",\n')
    return OPERATION_TABLE % "".join(rows)


def format_python(path: Path) -> None:
    """Format a file we write ourselves as the generator's post-hooks format its own."""
    bindir = Path(sys.executable).parent
    for args in (["check", "--fix-only", "--extend-select=I"], ["format"]):
        subprocess.run(
            [str(bindir / "ruff"), *args, "--no-cache", "--isolated", "--quiet", str(path)],
            check=True,
        )


def run_generator(root: Path, out: Path, compiled: Path) -> None:
    """Run the pinned openapi-python-client on ``compiled`` (the spec as JSON: the same
    document, read in half the time of its YAML), writing the package into ``out``."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(compiled),
        "--config",
        str(root / CONFIG),
        "--custom-template-path",
        str(root / TEMPLATES),
        "--output-path",
        str(out),
        "--meta",
        "none",
        "--overwrite",
        "--fail-on-warning",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"generate: openapi-python-client failed (exit {result.returncode})")


def build(root: Path, dest: Path) -> None:
    """Generate and post-process a complete ``generated/`` tree into ``dest`` (must not exist)."""
    versions = tool_versions(root)
    spec = (root / SPEC).read_bytes()
    spec_sha = sha256(spec)
    document = spec_document(spec)
    compiled = compact_json(document)
    package = dest / PACKAGE
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        as_json = Path(scratch) / "kling.json"
        as_json.write_text(compiled, encoding="utf-8")
        run_generator(root, package, as_json)

    for junk in sorted(p for p in dest.rglob("*") if p.is_dir() and p.name in IGNORED):
        shutil.rmtree(junk, ignore_errors=True)
    header = (
        f"# Generated by openapi-python-client {versions['openapi-python-client']} from "
        f"{SPEC.as_posix()} — do not edit; run `make generate`.\n"
    )
    for source in sorted(package.rglob("*.py")):
        source.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
    (package / "openapi.yaml").write_bytes(spec)
    (package / "openapi.json").write_text(compiled, encoding="utf-8")
    (package / "py.typed").write_text("# Marker file for PEP 561\n", encoding="utf-8")
    table = header + operation_table(document)
    (package / "api" / "__init__.py").write_text(table, encoding="utf-8")
    calls = package / "calls.py"
    calls.write_text(header + typed_calls.render(json.loads(compiled)), encoding="utf-8")
    format_python(calls)

    stamp = {
        "spec": SPEC.as_posix(),
        "spec_sha256": spec_sha,
        "generator_config_sha256": sha256((root / CONFIG).read_bytes()),
        "templates_sha256": tree_digest(root / TEMPLATES),
        "openapi-python-client": versions["openapi-python-client"],
        "ruff": versions["ruff"],
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    (dest / "STAMP.json").write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


def listing(folder: Path) -> dict[str, Path]:
    """Map each file's relative path under ``folder`` to its path, skipping caches."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not IGNORED.intersection(p.relative_to(folder).parts)
    }


def differences(expected: Path, actual: Path) -> tuple[list[str], list[str]]:
    """Compare fresh output ``expected`` with the committed ``actual``.

    Returns the summary lines (one per differing file) and the unified-diff lines.
    """
    want, have = listing(expected), listing(actual)
    summary: list[str] = []
    diff: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        new = want[name].read_bytes() if name in want else b""
        old = have[name].read_bytes() if name in have else b""
        if name in want and name in have and new == old:
            continue
        state = "differs"
        if name not in have:
            state = "missing"
        elif name not in want:
            state = "not generated"
        summary.append(f"  {state}: {OUTPUT}/{name}\n")
        diff.extend(
            difflib.unified_diff(
                old.decode("utf-8", "replace").splitlines(keepends=True),
                new.decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=f"{OUTPUT}/{name} (committed)",
                tofile=f"{OUTPUT}/{name} (regenerated)",
            )
        )
    return summary, [line if line.endswith("\n") else line + "\n" for line in diff]


def check(root: Path) -> int:
    """Regenerate into a temporary folder and report whether ``generated/`` matches it."""
    with tempfile.TemporaryDirectory(prefix="haoee-generate-") as tmp:
        fresh = Path(tmp) / "generated"
        build(root, fresh)
        summary, diff = differences(fresh, root / OUTPUT)
    if not summary:
        print(f"{OUTPUT}/ is up to date with {SPEC}")
        return 0
    print(f"{OUTPUT}/ does not match a fresh generation from {SPEC} ({len(summary)} files):")
    sys.stdout.writelines(summary)
    sys.stdout.writelines(diff[:MAX_DIFF_LINES])
    if len(diff) > MAX_DIFF_LINES:
        print(f"... {len(diff) - MAX_DIFF_LINES} more diff lines not shown")
    print(f"{OUTPUT}/ is stale or was edited by hand: run `make generate` (never edit it)")
    return 1


def generate(root: Path) -> int:
    """Regenerate and swap the result in for ``generated/`` in one rename."""
    target = root / OUTPUT
    staging = Path(tempfile.mkdtemp(prefix=".generated-", dir=root))
    try:
        fresh = staging / "generated"
        build(root, fresh)
        old = staging / "old"
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"generated {OUTPUT}/ from {SPEC} ({len(listing(target))} files)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and generate or check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="fail with a diff when generated/ is not up to date"
    )
    args = parser.parse_args(argv)
    return check(ROOT) if args.check else generate(ROOT)


if __name__ == "__main__":
    sys.exit(main())
