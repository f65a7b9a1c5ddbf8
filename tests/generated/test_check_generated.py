"""`tools/generate.py --check` catches hand edits and stale output; generating is deterministic.

Each test works on a copy of the generation inputs and generated/ in a temporary folder, so the
work tree is never touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INPUTS = [
    "pyproject.toml",
    "tools/generate.py",
    "tools/typed_calls.py",
    "openapi/kling.yaml",
    "openapi/generator.yaml",
    "openapi/templates",
    "generated",
]

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of everything tools/generate.py reads and writes."""
    for name in INPUTS:
        source, target = ROOT / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return tmp_path


def run_generate(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "tools/generate.py"), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unchanged_tree_passes(repo: Path) -> None:
    result = run_generate(repo, "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_hand_edit_fails_with_a_diff(repo: Path) -> None:
    client = repo / "generated/haoee_kling_api/client.py"
    client.write_text(client.read_text(encoding="utf-8") + "HAND_EDIT = True\n", encoding="utf-8")

    result = run_generate(repo, "--check")

    assert result.returncode == 1
    assert "differs: generated/haoee_kling_api/client.py" in result.stdout
    assert "generated/haoee_kling_api/client.py (committed)" in result.stdout
    assert "-HAND_EDIT = True" in result.stdout
    assert "make generate" in result.stdout


def test_added_file_fails(repo: Path) -> None:
    (repo / "generated/haoee_kling_api/extra.py").write_text("X = 1\n", encoding="utf-8")

    result = run_generate(repo, "--check")

    assert result.returncode == 1
    assert "not generated: generated/haoee_kling_api/extra.py" in result.stdout


def test_spec_change_without_regenerating_fails(repo: Path) -> None:
    spec_path = repo / "openapi/kling.yaml"
    text = spec_path.read_text(encoding="utf-8")
    edited, count = re.subn(r"^(  title: .*)$", r"\1 (edited)", text, count=1, flags=re.MULTILINE)
    assert count == 1, "the spec has no info.title line to edit"
    spec_path.write_text(edited, encoding="utf-8")

    result = run_generate(repo, "--check")

    assert result.returncode == 1
    assert "differs: generated/STAMP.json" in result.stdout
    assert "differs: generated/haoee_kling_api/openapi.yaml" in result.stdout
    assert "differs: generated/haoee_kling_api/__init__.py" in result.stdout


def test_generate_repairs_and_is_deterministic(repo: Path) -> None:
    """One generation, compared byte for byte with the committed tree, which an earlier
    generation wrote (and `test_unchanged_tree_passes` regenerates once more): two runs at
    different times and places give the same files, so a second run here would add nothing."""
    client = repo / "generated/haoee_kling_api/client.py"
    client.write_text("broken\n", encoding="utf-8")

    assert run_generate(repo).returncode == 0

    assert_same_tree(ROOT / "generated", repo / "generated")
    assert not list(repo.glob(".generated-*")), "the staging folder was left behind"


def assert_same_tree(left: Path, right: Path) -> None:
    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    assert files(left) == files(right)
