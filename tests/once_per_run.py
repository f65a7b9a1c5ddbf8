"""Expensive test fixtures made once per test run, whichever xdist worker asks first.

Each worker is a process with fixtures of its own; what they share is the run's temporary
folder (the `run_folder` fixture of tests/conftest.py). The first worker to ask makes the thing
there, holding a lock, and the others wait for it and reuse it (the wheel and its venv, a warm
mypy cache).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["once_per_run"]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def once_per_run(shared: Path, name: str, make: Callable[[Path], None]) -> Path:
    """`shared/name`, made by `make` unless another worker of this run already made it."""
    target, done = shared / name, shared / f"{name}.done"
    with _locked(shared / f"{name}.lock"):
        if not done.exists():
            make(target)
            done.touch()
    return target
