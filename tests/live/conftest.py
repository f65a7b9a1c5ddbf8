"""Live checks against the haoee gateway (or anything standing in for it, such as the fake).

Environment:
    HAOEE_API_KEY        the key; without it every live test is skipped, saying so.
    HAOEE_BASE_URL       default https://maas.haoee.com/kling.
    HAOEE_MODEL_NAME     force one ``ModelName`` header on every call (default: per operation, as
                         openapi/README.md "ModelName" describes).
    KLING_LIVE_BILLED=1  second opt-in for tests that create (paid) tasks.
    KLING_LIVE_MAX_TASKS cap on tasks created in one run (default 1).
    KLING_LIVE_WAIT_S    how long a billed test waits for its task to finish (default 900).
    KLING_LIVE_POLL_S    seconds between status reads while waiting (default 10).
    KLING_LIVE_PAUSE_S   pause before every request (default 0.2).
    KLING_CASSETTE_DIR   where recordings go (default tests/contract/cassettes/recorded).

Recording: ``pytest tests/live --record-mode=once`` writes scrubbed cassettes under
tests/contract/cassettes/recorded/<host>/, which `make test` then replays and validates;
`make live-record` records and then runs `make cassettes` to rewrite their MANIFEST.json.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live import gateway
from tests.live.secrets import vcr_settings

CASSETTES = Path(__file__).resolve().parents[1] / "contract/cassettes/recorded"
NO_KEY = (
    "HAOEE_API_KEY is not set: live checks talk to the real haoee gateway and need a key "
    "(export HAOEE_API_KEY=...; optional HAOEE_BASE_URL)"
)
NOT_BILLED = "billed check: creates a paid task; set KLING_LIVE_BILLED=1 to allow it"
OBSERVED = "observed"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip live tests without a key and billed ones without the second opt-in; record on ask."""
    have_key = bool(os.environ.get("HAOEE_API_KEY"))
    billed = os.environ.get("KLING_LIVE_BILLED") == "1"
    recording = (config.getoption("--record-mode", default=None) or "none") != "none"
    for item in items:
        if item.get_closest_marker("live") is None:
            continue
        if not have_key:
            item.add_marker(pytest.mark.skip(reason=NO_KEY))
        elif item.get_closest_marker("billed") is not None and not billed:
            item.add_marker(pytest.mark.skip(reason=NOT_BILLED))
        elif recording:
            item.add_marker(pytest.mark.vcr)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print what the live checks saw (answers to haoee-gateway.md §5), even without ``-s``."""
    lines = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        for name, value in getattr(report, "user_properties", [])
        if name == OBSERVED
    ]
    if lines:
        terminalreporter.section("haoee gateway: what the live checks saw")
        for line in lines:
            terminalreporter.write_line(line)
    skipped = terminalreporter.stats.get("skipped", [])
    if any(NO_KEY in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_line(f"live checks skipped: {NO_KEY}")


@pytest.fixture(scope="session")
def budget() -> gateway.Budget:
    """The run's cap on created tasks (KLING_LIVE_MAX_TASKS, default 1), shared by every
    billed check of the run."""
    return gateway.Budget(int(os.environ.get("KLING_LIVE_MAX_TASKS", "1")))


@pytest.fixture(scope="session")
def target() -> gateway.Target:
    """Where the live checks go and with which key."""
    return gateway.Target.from_env()


@pytest.fixture
def http(target: gateway.Target) -> Iterator[httpx.Client]:
    """A plain httpx client for the target: Bearer key, bounded timeouts, no overlay involved."""
    with target.client() as client:
        yield client


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Report a finding: kept in the JUnit/terminal summary and printed at once under ``-s``.

    Appends to ``user_properties`` directly: the ``record_property`` fixture warns under the
    default xunit2 JUnit family, and warnings are errors here.
    """

    def report(text: str) -> None:
        request.node.user_properties.append((OBSERVED, text))
        sys.stdout.write(f"\n[observed] {text}\n")

    return report


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """pytest-recording settings: no key, JWT or signed URL ever reaches a cassette."""
    return vcr_settings(os.environ.get("HAOEE_API_KEY", ""))


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes go to tests/contract/cassettes/recorded/<host>/<module>, labelled by source."""
    host = urlsplit(gateway.Target.from_env().base_url).netloc.replace(":", "_") or "unknown"
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(Path(os.environ.get("KLING_CASSETTE_DIR", CASSETTES)) / host / module)
