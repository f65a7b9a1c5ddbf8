"""Copy the client into another repository's tree: ``python tools/vendor.py DEST [--with ...]``.

Writes ``DEST/haoee_kling_api`` (the generated client, with its packaged ``openapi.yaml`` and
``py.typed``) and ``DEST/haoee_kling`` (the overlay), replacing earlier copies, plus
``DEST/haoee_kling.VENDORED.json``: package version, spec sha256, generator version, when the
client was generated and when it was vendored, the source commit, and the files copied.

Left out: caches, bytecode, tests and dev-only files. Three optional parts stay out unless asked
for, because they need extra dependencies the consumer may not have:

* ``--with testing`` — ``haoee_kling.testing``, the fake haoee gateway and its pytest fixtures
  (needs the ``fake`` extra: starlette, uvicorn, jsonschema);
* ``--with cli`` — ``haoee_kling.cli``, the ``kling`` command (needs the ``cli`` extra);
* ``--with conformance`` — ``haoee_kling.conformance``, ``kling conformance`` (needs the
  ``conformance`` extra, and ``--with cli`` for the command).

The core needs the package's own dependencies (``[project] dependencies`` in pyproject.toml:
httpx, attrs, jsonschema, PyJWT, sniffio, standardwebhooks), which ``VENDORED.json`` lists.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "haoee_kling_api": ROOT / "generated/haoee_kling_api",
    "haoee_kling": ROOT / "overlay/haoee_kling",
}
OPTIONAL = {"testing": "fake", "cli": "cli", "conformance": "conformance"}  # subpackage -> extra
SKIPPED_DIRS = {"__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache", "tests"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".orig", ".rej", ".swp"}
SKIPPED_NAMES = {"conftest.py", ".DS_Store"}
STAMP_NAME = "haoee_kling.VENDORED.json"


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def wanted(source: Path, path: Path, extras: set[str]) -> bool:
    """Whether ``path`` (inside package folder ``source``) belongs in a vendored copy."""
    relative = path.relative_to(source)
    if any(part in SKIPPED_DIRS for part in relative.parts[:-1]):
        return False
    if path.suffix in SKIPPED_SUFFIXES or path.name in SKIPPED_NAMES:
        return False
    optional = relative.parts[0] if source.name == "haoee_kling" and len(relative.parts) > 1 else ""
    return optional not in OPTIONAL or optional in extras


def generated_on() -> str | None:
    """Date (UTC) generated/ was last produced: its last commit, else STAMP.json's mtime."""
    stamp = ROOT / "generated/STAMP.json"
    committed = _git("log", "-1", "--format=%cs", "--", "generated/STAMP.json")
    if committed and not _git("status", "--porcelain", "--", "generated"):
        return committed
    if not stamp.exists():
        return None
    modified = datetime.datetime.fromtimestamp(stamp.stat().st_mtime, tz=datetime.UTC)
    return modified.date().isoformat()


def vendor(dest: Path, extras: set[str]) -> dict[str, Any]:
    """Copy the packages into ``dest``, write the stamp file and return its contents."""
    unknown = extras - set(OPTIONAL)
    if unknown:
        raise SystemExit(
            f"vendor: unknown --with {sorted(unknown)}; choose from {sorted(OPTIONAL)}"
        )
    spec = SOURCES["haoee_kling_api"] / "openapi.yaml"
    if not spec.exists():
        raise SystemExit("vendor: generated/haoee_kling_api is missing; run `make generate`")
    generated = json.loads((ROOT / "generated/STAMP.json").read_text(encoding="utf-8"))
    if sha256(spec) != generated["spec_sha256"]:
        raise SystemExit("vendor: generated/ is stale (spec sha256 differs); run `make generate`")
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name, source in SOURCES.items():
        target = dest / name
        if target.exists():
            shutil.rmtree(target)
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            if wanted(source, path, extras):
                copy = target / path.relative_to(source)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
                files[copy.relative_to(dest).as_posix()] = sha256(copy)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    commit = _git("rev-parse", "HEAD")
    stamp = {
        "package": project["name"],
        "version": project["version"],
        "spec_sha256": generated["spec_sha256"],
        "generator": {"openapi-python-client": generated["openapi-python-client"]},
        "generated_on": generated_on(),
        "vendored_on": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "source_commit": commit,
        "source_dirty": bool(_git("status", "--porcelain", "--", "generated", "overlay")),
        "requires": project["dependencies"],
        "included_extras": {
            part: project["optional-dependencies"][OPTIONAL[part]] for part in sorted(extras)
        },
        "files": files,
    }
    (dest / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return stamp


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and vendor; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dest", type=Path, help="folder to copy the packages into")
    parser.add_argument(
        "--with",
        dest="extras",
        action="append",
        default=[],
        choices=sorted(OPTIONAL),
        help="also copy an optional part (repeatable)",
    )
    args = parser.parse_args(argv)
    stamp = vendor(args.dest, set(args.extras))
    print(
        f"vendored {stamp['package']} {stamp['version']} (spec {stamp['spec_sha256'][:12]}, "
        f"{len(stamp['files'])} files) into {args.dest}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
