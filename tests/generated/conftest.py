"""The generated package's strict mypy check, run once per test run, and its warm cache.

Each mypy check started with a cold cache and spent most of its ~3.5 s reading the standard
library's stubs and the generated package. The strict check of the generated package reads
both: it runs once per run (tests/once_per_run.py), its outcome is what test_boundary.py
asserts, and the check of a user's file starts from a copy of its cache (3.3 s -> ~1 s). The
cache is made fresh each run: nothing from an earlier run or the work tree's .mypy_cache is
read, and mypy rechecks whatever differs from what the cache saw.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.once_per_run import once_per_run

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class MypyRun:
    """A finished mypy run: its exit code and output, and the cache it left."""

    returncode: int
    output: str
    cache: Path


def _strict_generated(folder: Path) -> None:
    folder.mkdir()
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-pretty",
            "--cache-dir", str(folder / "cache"), "-p", "haoee_kling_api",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    (folder / "returncode").write_text(str(result.returncode))
    (folder / "output").write_text(result.stdout + result.stderr)


@pytest.fixture(scope="session")
def generated_mypy(run_folder: Path) -> MypyRun:
    """`mypy --strict -p haoee_kling_api`, run once per test run."""
    folder = once_per_run(run_folder, "mypy-generated", _strict_generated)
    return MypyRun(
        int((folder / "returncode").read_text()),
        (folder / "output").read_text(),
        folder / "cache",
    )


@pytest.fixture
def warm_mypy_cache(generated_mypy: MypyRun, tmp_path: Path) -> Path:
    """A copy of that run's cache (the standard library and the generated package), for a
    test's own mypy run to start from."""
    return Path(shutil.copytree(generated_mypy.cache, tmp_path / "mypy-cache"))
