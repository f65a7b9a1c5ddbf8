"""tools/apply_overlay.py: an Overlay 1.0.0 document (as `kling conformance --suggest` writes)
applied to the spec changes only the lines it means to, and says which action cannot apply."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi/kling.yaml"


def _apply(
    tmp_path: Path, actions: list[dict[str, object]], spec: Path = SPEC
) -> subprocess.CompletedProcess[str]:
    overlay = tmp_path / "overlay.yaml"
    document = {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions}
    overlay.write_text(yaml.safe_dump(document), encoding="utf-8")
    out = tmp_path / "k.yaml"
    return subprocess.run(
        [sys.executable, "tools/apply_overlay.py", str(overlay), str(spec), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_appends_merges_and_removes_touching_nothing_else(tmp_path: Path) -> None:
    done = _apply(
        tmp_path,
        [
            {"target": "$.components.schemas.TaskStatus.enum", "update": ["queued"]},
            {"target": "$.components.schemas.Task.required[?@ == 'task_id']", "remove": True},
            {
                "target": "$.components.schemas.Task.properties",
                "update": {"p": {"type": "integer"}},
            },
        ],
    )
    assert done.returncode == 0, done.stderr
    before = SPEC.read_text(encoding="utf-8").splitlines()
    after = (tmp_path / "k.yaml").read_text(encoding="utf-8").splitlines()
    diff = [line for line in difflib.ndiff(before, after) if line[:2] in ("- ", "+ ")]
    assert diff == [
        "-       enum: [submitted, processing, succeed, failed]",
        "+       enum: [submitted, processing, succeed, failed, queued]",
        "-       required: [task_id]",
        "+       required: []",
        "+         p:",
        "+           type: integer",
    ]


def test_an_action_that_selects_nothing_is_named(tmp_path: Path) -> None:
    spec = tmp_path / "small.yaml"
    spec.write_text("openapi: 3.1.0\ncomponents:\n  schemas: {}\n", encoding="utf-8")
    action: dict[str, object] = {"target": "$.components.schemas.NoSuchSchema", "update": {}}
    done = _apply(tmp_path, [action], spec)
    assert done.returncode == 1
    assert "action 1: target $.components.schemas.NoSuchSchema selects nothing" in done.stderr
    assert not (tmp_path / "k.yaml").exists()
