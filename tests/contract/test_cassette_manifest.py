"""One manifest, not a stamp in every cassette: tests/contract/cassettes/MANIFEST.json says which
spec (its sha256) every cassette was last checked against, and each cassette's own sha256.

A spec edit changes that one file (`make cassettes` rewrites it), yet a cassette the edited spec
contradicts still fails the check, by name; so does a manifest left behind by the spec or by
the cassettes, with the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.contract.test_cassettes import CASSETTES, ROOT, validate_cassettes
from tests.yaml_files import read_yaml

pytestmark = pytest.mark.unmeasured("it runs tools/validate_cassettes.py, no code of the package")

MANIFEST = CASSETTES / "MANIFEST.json"
SPEC = ROOT / "openapi/kling.yaml"
REBUILD = "run `make cassettes`"


def _edited_spec(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the spec with ``old`` (found exactly once) replaced by ``new``."""
    text = SPEC.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    copy = tmp_path / "kling.yaml"
    copy.write_text(text.replace(old, new), encoding="utf-8")
    return copy


def _cassette_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "cassettes"
    shutil.copytree(CASSETTES, copy)
    return copy


def _named(stdout: str) -> set[str]:
    """The cassettes (paths under the cassette folder) that problem lines name."""
    return {
        line.split(": ", 1)[0].split("#")[0].rsplit("cassettes/", 1)[-1]
        for line in stdout.splitlines()
        if not line.startswith(("validate_cassettes:", "tests/contract/cassettes/MANIFEST"))
    }


def test_at_most_one_file_under_tests_carries_the_spec_digest() -> None:
    """The spec's sha256 (or the 12-digit prefix generated/ headers show) is written in the
    manifest alone, so a spec edit rewrites one file under tests/, not one per cassette."""
    prefix = hashlib.sha256(SPEC.read_bytes()).hexdigest()[:12].encode()
    holders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and prefix in path.read_bytes()
    ]
    assert len(holders) <= 1, holders
    assert holders == ["tests/contract/cassettes/MANIFEST.json"]


def test_the_manifest_lists_every_cassette_with_its_digest() -> None:
    recorded = json.loads(MANIFEST.read_text(encoding="utf-8"))
    shipped = {p.relative_to(CASSETTES).as_posix(): p for p in CASSETTES.rglob("*.yaml")}
    assert set(recorded["cassettes"]) == set(shipped)
    for name, entry in recorded["cassettes"].items():
        assert entry["sha256"] == hashlib.sha256(shipped[name].read_bytes()).hexdigest(), name
        interactions = read_yaml(shipped[name].read_text())["interactions"]
        assert entry["responses"] == len(interactions), name


def test_a_spec_edit_names_every_cassette_it_contradicts(tmp_path: Path) -> None:
    """Renaming the status `succeed` fails exactly the cassettes holding a succeeded task, each
    answer named with the JSON path and spec location; the manifest is stale too."""
    spec = _edited_spec(
        tmp_path,
        "enum: [submitted, processing, succeed, failed]",
        "enum: [submitted, processing, succeeded, failed]",
    )
    result = validate_cassettes("--spec", spec)
    assert result.returncode == 1, result.stdout
    holding = {
        p.relative_to(CASSETTES).as_posix()
        for p in CASSETTES.rglob("*.yaml")
        if '"task_status": "succeed"' in p.read_text()
    }
    assert holding, "no shipped cassette holds a succeeded task: the test proves nothing"
    assert _named(result.stdout) == holding
    assert '$.data.task_status: "succeed" is not one of' in result.stdout
    assert "[spec: #/components/schemas/TaskStatus, keyword enum]" in result.stdout
    (stale,) = [line for line in result.stdout.splitlines() if "MANIFEST.json: stale" in line]
    assert REBUILD in stale


def test_an_edited_example_names_the_documentation_cassettes_built_from_it(
    tmp_path: Path,
) -> None:
    old = "The content did not pass the content-safety review"
    spec = _edited_spec(tmp_path, old, "Refused by the content-safety review")
    result = validate_cassettes("--spec", spec)
    assert result.returncode == 1, result.stdout
    built_from_it = {
        p.relative_to(CASSETTES).as_posix()
        for p in CASSETTES.rglob("*.yaml")
        if old in p.read_text()
    }
    assert built_from_it
    stale = [line for line in result.stdout.splitlines() if "not what the spec's examples" in line]
    assert _named("\n".join(stale)) == built_from_it
    assert all(REBUILD in line for line in stale)


def test_a_stale_manifest_fails_saying_which_command_rebuilds_it(tmp_path: Path) -> None:
    root = _cassette_copy(tmp_path)
    manifest = json.loads((root / "MANIFEST.json").read_text())
    manifest["spec_sha256"] = hashlib.sha256(b"an older spec").hexdigest()
    (root / "MANIFEST.json").write_text(json.dumps(manifest))
    result = validate_cassettes("--root", root)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if not line.startswith("validate_")]
    assert "MANIFEST.json: stale: the cassettes were checked against spec sha256" in line
    assert REBUILD in line
    assert "1 problem(s)" in result.stdout


def test_cassettes_added_changed_or_removed_since_the_manifest_fail(tmp_path: Path) -> None:
    root = _cassette_copy(tmp_path)
    changed = root / "doc-examples/videos/listText2Video.yaml"
    changed.write_text(changed.read_text() + "# edited by hand\n")
    (root / "doc-examples/videos/getText2Video.yaml").unlink()
    added = root / "recorded/example.test/test_free/listText2Video.yaml"
    added.parent.mkdir(parents=True)
    shutil.copy(CASSETTES / "doc-examples/videos/listText2Video.yaml", added)
    result = validate_cassettes("--root", root)
    assert result.returncode == 1
    out = result.stdout
    assert (
        f"recorded/example.test/test_free/listText2Video.yaml is new since the manifest; {REBUILD}"
        in out
    )
    assert f"doc-examples/videos/getText2Video.yaml is gone; {REBUILD}" in out
    assert f"doc-examples/videos/listText2Video.yaml changed since it was checked; {REBUILD}" in out


def test_make_cassettes_writes_the_manifest_only_when_every_cassette_passes(
    tmp_path: Path,
) -> None:
    """`--update` rebuilds what the shipped manifest says; with a cassette the spec does not
    allow it names that cassette and leaves the manifest unwritten."""
    root = _cassette_copy(tmp_path)
    (root / "MANIFEST.json").unlink()
    result = validate_cassettes("--update", "--root", root)
    assert result.returncode == 0, result.stdout
    assert json.loads((root / "MANIFEST.json").read_text()) == json.loads(MANIFEST.read_text())

    (root / "MANIFEST.json").unlink()
    bad = root / "recorded/example.test/test_free/getText2Video.yaml"
    bad.parent.mkdir(parents=True)
    text = (CASSETTES / "doc-examples/videos/getText2Video.yaml").read_text()
    bad.write_text(text.replace('"task_status": "succeed"', '"task_status": "queued"'))
    result = validate_cassettes("--update", "--root", root)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if not line.startswith("validate_")]
    assert "recorded/example.test/test_free/getText2Video.yaml#" in line
    assert '$.data.task_status: "queued" is not one of' in line
    assert not (root / "MANIFEST.json").exists()
