"""README's `kling batch` section runs as written: its jobs file, its commands, its Python.

Its two code blocks need the `jobs.jsonl` shown above them, so the generic README test skips
them (they say so); this test writes that file from the README itself and runs both blocks in
the documented offline setup (the fake on loopback, its key, `cat.png`, a linked clock).
"""

from __future__ import annotations

import json
from pathlib import Path

from haoee_kling.testing import FakeGateway
from tests.docs.readme_blocks import README, blocks, run_shell
from tests.docs.test_readme import kling, offline, run_python
from tests.e2e.fake_support import assert_media

__all__ = ["offline"]  # the fixture, imported for the tests below

SECTION = (
    README.read_text("utf-8").split("## Batches: many jobs from a file", 1)[1].split("\n## ", 1)[0]
)
JOBS, SHELL, PYTHON = blocks(SECTION)


def write_jobs() -> list[dict[str, object]]:
    assert JOBS.language == "jsonl"
    Path("jobs.jsonl").write_text(JOBS.code)
    return [json.loads(line) for line in JOBS.code.splitlines()]


def assert_rendered(jobs: list[dict[str, object]], gateway: FakeGateway) -> None:
    files = sorted(p.name for p in Path("renders").iterdir() if p.name != "manifest.jsonl")
    assert files == ["cat-0.mp4", "fox-0.mp4", "rain-on-roof-0.mp3", "rain-on-roof-0.wav"]
    for name in files:
        assert_media((Path("renders") / name).read_bytes(), name.rsplit(".", 1)[1])
    manifest = [
        json.loads(line) for line in Path("renders/manifest.jsonl").read_text().splitlines()
    ]
    assert [line["job"] for line in manifest] == [job["id"] for job in jobs]
    assert {line["status"] for line in manifest} == {"downloaded"}
    assert len(gateway.tasks()) == len(jobs)  # one task per job, the retry sent nothing


def test_the_batch_commands_run_the_jobs_file_as_documented(offline: FakeGateway) -> None:
    jobs = write_jobs()
    assert SHELL.skip is not None
    assert "test_readme_batch" in SHELL.skip
    assert run_shell(SHELL, kling) == 3
    assert_rendered(jobs, offline)


def test_the_python_batch_call_runs_the_jobs_file(offline: FakeGateway) -> None:
    jobs = write_jobs()
    assert PYTHON.runner == "python"
    assert PYTHON.skip is not None
    printed = run_python(PYTHON)
    assert printed.startswith("3 downloaded;")
    assert_rendered(jobs, offline)
