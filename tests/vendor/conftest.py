"""The install checks' expensive parts, made once per test run and shared.

`built_dist`: the sdist and the wheel (built from the sdist), by `python -m build`.
`wheel_venv`: a fresh virtualenv with that wheel and its `fake` extra installed (no pip in it:
the outer pip installs into it with `--python`).

Under xdist every worker that needs one asks for it: the first makes it and the others reuse it
(tests/once_per_run.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.once_per_run import once_per_run
from tests.vendor.commands import ROOT, run


@pytest.fixture(scope="session")
def built_dist(run_folder: Path) -> Path:
    """A folder with the sdist and the wheel, built once per run."""

    def build(dist: Path) -> None:
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)

    return once_per_run(run_folder, "dist", build)


@pytest.fixture(scope="session")
def wheel_venv(run_folder: Path, built_dist: Path) -> Path:
    """The python of a fresh venv with the built wheel and its `fake` extra installed."""

    def install(venv: Path) -> None:
        run(sys.executable, "-m", "venv", "--without-pip", venv)
        (wheel,) = built_dist.glob("*.whl")
        pip = (sys.executable, "-m", "pip", "--python", venv / "bin/python", "install")
        run(*pip, "--quiet", "--disable-pip-version-check", f"{wheel}[fake]")

    return once_per_run(run_folder, "venv", install) / "bin/python"
