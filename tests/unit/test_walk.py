"""The walk of one create (`tools/walk.py`): a `text2video.create` stays a short path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The house issue's budget: one create runs code in at most this many hand-written modules.
MAX_HAND_WRITTEN = 12


def test_one_create_runs_code_in_at_most_twelve_hand_written_modules() -> None:
    # A process of its own: what ran before (a debug log level, a warm cache) is not measured.
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "walk.py"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    walk = json.loads(result.stdout)
    # The walk saw the create from the typed call to the answer (it measured something).
    assert {"haoee_kling_api.calls", "haoee_kling.plans._submit", "haoee_kling.read._reader"} <= {
        *walk["generated"],
        *walk["hand_written"],
    }, walk
    assert len(walk["hand_written"]) <= MAX_HAND_WRITTEN, walk
    # The body is sent as JSON, never built into the generated request model on the way.
    assert not any(name.endswith("_request") for name in walk["generated"]), walk
