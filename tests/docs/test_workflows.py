"""The CI workflow files: `make check` on every push (the same `.ci/run`), and the nightly
`kling conformance` (this repository's and the one other repositories copy) with the key from a
secret, its JUnit report kept, and only options the command has."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from haoee_kling.cli import cli
from haoee_kling.conformance._yaml import load_yaml

ROOT = Path(__file__).resolve().parents[2]
NIGHTLY = [ROOT / ".github/workflows/conformance.yml", ROOT / "docs/conformance-workflow.yml"]


def _workflow(path: Path) -> Any:
    return load_yaml(path.read_text(encoding="utf-8"))


def _steps(workflow: Any) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def test_every_push_runs_what_ci_runs() -> None:
    workflow = _workflow(ROOT / ".github/workflows/ci.yml")
    assert "push" in workflow["on"]
    assert [s["run"] for s in _steps(workflow) if "run" in s] == ["bash .ci/run"]


@pytest.mark.parametrize("path", NIGHTLY, ids=lambda p: p.name)
def test_the_nightly_conformance_run_keeps_its_report(path: Path) -> None:
    workflow = _workflow(path)
    assert workflow["on"]["schedule"][0]["cron"]
    steps = _steps(workflow)
    (check,) = [s for s in steps if "kling conformance" in s.get("run", "")]
    assert check["env"]["HAOEE_API_KEY"] == "${{ secrets.HAOEE_API_KEY }}"
    words = shlex.split(check["run"])
    command = cli.commands["conformance"]
    known = {opt for param in command.params for opt in getattr(param, "opts", ())}
    assert {w for w in words if w.startswith("--")} <= known
    report = words[words.index("--junit") + 1]
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert upload["if"] == "always()"
    assert report in upload["with"]["path"].split()
    installs = [s["run"] for s in steps if "pip install" in s.get("run", "")]
    assert installs
    assert any("conformance" in line or "HAOEE_KLING" in line for line in installs)
