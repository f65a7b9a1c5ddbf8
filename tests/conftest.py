"""Settings every test run shares, whatever part of the suite is selected.

Hypothesis profiles (tests/hypothesis_profiles.py): `ci` unless `--hypothesis-profile` names
another, so a bare `pytest` runs what `make test` runs.

Coverage (`make test`): `[tool.coverage.run] patch = ["subprocess"]` has every Python process
started under `coverage run` measure itself, which is how the xdist workers are measured. The
processes the tests start in turn (the CLI, the generator, mypy, a fake gateway process) are
not: they would run traced, several times slower, and measure nothing the tests in process do
not (the figure stays the one measured before the suite ran in parallel). In a Hypothesis
test, coverage traces only the test's body, not the drawing of its data, and it traces nothing
in a test marked `unmeasured("...")` (tests/coverage_pause.py).

Temporary files: in memory (`/dev/shm`, where the machine has a writable one) unless
`PYTEST_DEBUG_TEMPROOT` or `--basetemp` says otherwise. The batch ledger commits every step
with `fsync` (its promise is to survive a crash between a create and its answer), and the
suite makes tens of thousands of such commits; on a busy disk each one waited for the disk,
minutes in all. On tmpfs an `fsync` returns at once and files behave the same otherwise;
nothing here tests what survives a power cut. Only the last runs' failed tests keep their
files (`tmp_path_retention_policy`).

Order: tests marked `slow` run first. Spread over the xdist workers at the start, they overlap
with the many short tests instead of leaving one worker busy alone at the end of the run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import coverage
import pytest
from hypothesis import settings

from tests import hypothesis_profiles
from tests.coverage_pause import measured_only_in_body, unmeasured

COVERAGE_SUBPROCESS = "COVERAGE_PROCESS_CONFIG"

settings.load_profile(hypothesis_profiles.CI_PROFILE)

IN_MEMORY = Path("/dev/shm")  # a tmpfs for pytest's numbered temporary folders
if IN_MEMORY.is_dir() and os.access(IN_MEMORY, os.W_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(IN_MEMORY))


def pytest_configure(config: pytest.Config) -> None:
    """Below the pytest process (an xdist worker, or the only process), stop coverage's
    subprocess hook; an xdist controller keeps it for the workers it starts."""
    starts_workers = not hasattr(config, "workerinput") and config.getoption(
        "numprocesses", default=None
    )
    if not starts_workers:
        os.environ.pop(COVERAGE_SUBPROCESS, None)
    elif (running := coverage.Coverage.current()) is not None:
        # The controller runs no test: tracing it measured nothing and slowed its handling
        # of every report the workers send (thousands a run).
        running.stop()


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """The temporary folder every xdist worker of this run sees (its own when not under xdist):
    where tests/once_per_run.py makes what the workers share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(pytestconfig, "workerinput") else base


@pytest.hookimpl(trylast=True)  # after the folders' own conftests have named their items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `slow` tests first, each part in the order it was collected; node ids unique."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    grouped = [item.nodeid for item in items if item.get_closest_marker("xdist_group")]
    if grouped:
        # pytest-xdist 3.8 groups by a node-id suffix it writes to `item._nodeid`, which pytest
        # 9 no longer reads: the marker is silently ignored. Share through a lock instead.
        raise pytest.UsageError(
            f"xdist_group has no effect here ({grouped[:3]}): share what tests need through "
            "tests/once_per_run.py"
        )
    repeated = [nodeid for nodeid, n in Counter(item.nodeid for item in items).items() if n > 1]
    if repeated:
        # xdist schedules by node id: all but one test of each id would silently not run.
        raise pytest.UsageError(f"tests share a node id: {repeated[:5]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Coverage traces a Hypothesis test only inside its body, and an `unmeasured` test not at
    all (tests/coverage_pause.py)."""
    marker = item.get_closest_marker("unmeasured")
    if marker is not None:
        if not (marker.args and isinstance(marker.args[0], str) and marker.args[0].strip()):
            raise pytest.UsageError(f"{item.nodeid}: unmeasured needs a reason")
        with unmeasured():
            return (yield)
    with measured_only_in_body(getattr(item, "obj", None)):
        return (yield)
