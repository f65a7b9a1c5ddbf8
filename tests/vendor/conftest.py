"""The install checks' expensive parts, made once per test run and shared.

`built_dist`: the sdist and the wheel (built from the sdist), by `python -m build`.
`wheel_venv`: a fresh virtualenv with that wheel and its `fake` extra installed (no pip in it:
the outer pip installs into it with `--python`).

Under xdist every worker that needs one asks for it: the first makes it, holding a lock in the
run's shared temporary folder, and the others wait for it and reuse it.
"""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.vendor.commands import ROOT, run


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _once_per_run(shared: Path, name: str, make: Callable[[Path], None]) -> Path:
    """`shared/name`, made by `make` unless another worker of this run already made it."""
    target, done = shared / name, shared / f"{name}.done"
    with _locked(shared / f"{name}.lock"):
        if not done.exists():
            make(target)
            done.touch()
    return target


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """The temporary folder every xdist worker of this run sees (its own when not under xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(pytestconfig, "workerinput") else base


@pytest.fixture(scope="session")
def built_dist(run_folder: Path) -> Path:
    """A folder with the sdist and the wheel, built once per run."""

    def build(dist: Path) -> None:
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)

    return _once_per_run(run_folder, "dist", build)


@pytest.fixture(scope="session")
def wheel_venv(run_folder: Path, built_dist: Path) -> Path:
    """The python of a fresh venv with the built wheel and its `fake` extra installed."""

    def install(venv: Path) -> None:
        run(sys.executable, "-m", "venv", "--without-pip", venv)
        (wheel,) = built_dist.glob("*.whl")
        pip = (sys.executable, "-m", "pip", "--python", venv / "bin/python", "install")
        run(*pip, "--quiet", "--disable-pip-version-check", f"{wheel}[fake]")

    return _once_per_run(run_folder, "venv", install) / "bin/python"
