"""One mypy cache for the run's mypy checks of generated and overlay code.

Each check started mypy with a cold cache and spent most of its ~3.5 s reading the standard
library's stubs and the generated package again. They now share one cache, made fresh for each
run (nothing from an earlier run or the work tree's .mypy_cache is read), in one xdist worker:
the generated package's check fills it and the check of a user's file reuses it (3.3 s -> 1 s).
mypy's incremental mode rechecks any module whose source or options differ from what the
cache saw: the drift test's edited copy of the overlay, checked with other options, is checked
in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest

MYPY = pytest.mark.xdist_group("mypy-cache")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's mypy cache folder (pass it as `--cache-dir`)."""
    return tmp_path_factory.mktemp("mypy-cache")
