"""The live suite, proven offline: run it against the fake gateway standing in for haoee.

Not marked ``live``: `make test` runs it. The fake serves on loopback (a real socket, uvicorn)
and the live checks run in a subprocess with HAOEE_BASE_URL / HAOEE_API_KEY pointing at it —
exactly as `make live` would run them against the real gateway. Every free check must pass and
none may be skipped; recording must leave only spec-valid, secret-free cassettes; and the
schemathesis profile for the live gateway must run clean.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from haoee_kling.testing import KINDS, request_examples
from tests.contract.test_cassettes import (
    replay_through_the_generated_client,
    replay_through_the_overlay_client,
    validate_cassettes,
)
from tests.live import gateway

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SPEED = 10_000.0  # fake seconds per real second: the longest task ends within ~0.1 s
LONGEST_TASK_S = max(kind.profile.queue[1] + kind.profile.high for kind in KINDS.values())


@dataclass(frozen=True)
class Fake:
    """A fake gateway process on loopback, as `python -m haoee_kling.testing` announced it."""

    base_url: str
    key: str


@contextmanager
def _fake_process(speed: float = SPEED) -> Iterator[Fake]:
    """Run ``python -m haoee_kling.testing --port 0`` and stop it (this process only) after."""
    command = [sys.executable, "-m", "haoee_kling.testing", "--port", "0", "--speed", str(speed)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            announced = dict(process.stdout.readline().strip().rsplit(": ", 1) for _ in range(2))
            yield Fake(announced["haoee fake gateway"], announced["key"])
        finally:
            process.terminate()
            process.wait(timeout=20)


def _seed(fake: Fake) -> int:
    """Create a task from the first example of each create; return how many were made.

    Creates that need an earlier task's video or face session (extend, lip-sync, video-to-audio)
    are refused by the fake, so their lists stay empty.
    """
    made = 0
    with httpx.Client(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.key}"}
    ) as client:
        for listing in gateway.listings():
            if listing.get_id is None:
                continue
            create_id = "create" + listing.get_id.removeprefix("get")
            for body in list(request_examples(create_id).values())[:1]:
                headers = {"ModelName": gateway.model_name_for(listing.path, body)}
                answer = client.post(listing.path, json=body, headers=headers)
                made += answer.status_code == 200
    return made


@pytest.fixture(scope="module")
def fake() -> Iterator[Fake]:
    """The fake on loopback with finished tasks of most kinds to list and read back."""
    with _fake_process() as running:
        assert _seed(running) >= 9
        time.sleep(2 * LONGEST_TASK_S / SPEED)
        yield running


def _env(fake: Fake, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAOEE_", "KLING_"))}
    return {
        **env,
        "HAOEE_API_KEY": fake.key,
        "HAOEE_BASE_URL": fake.base_url,
        "KLING_LIVE_PAUSE_S": "0",
        **extra,
    }


def _pytest(fake: Fake, tmp_path: Path, *args: str, **env: str) -> ET.Element:
    """Run pytest in a subprocess against ``fake``; return the JUnit test suite."""
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", f"--junitxml={junit}", "-q", *args],
        cwd=ROOT,
        env=_env(fake, **env),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    return suite


def test_free_live_checks_pass_against_the_fake(fake: Fake, tmp_path: Path) -> None:
    """`make live` with the fake as the gateway: every free check runs and passes."""
    suite = _pytest(fake, tmp_path, "tests/live", "-m", "live and not billed")
    assert suite.get("skipped") == "0"
    assert suite.get("failures") == suite.get("errors") == "0"
    assert int(suite.get("tests", "0")) >= len(gateway.listings()) + 6
    observed = [p.get("value", "") for p in suite.iter("property") if p.get("name") == "observed"]
    assert any(o.startswith("timestamps: milliseconds") for o in observed), observed


def test_billed_checks_pass_against_the_fake(tmp_path: Path) -> None:
    """The billed path (create, wait, check the result) under the cap, on a fast real clock."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with _fake_process(speed=2000) as fresh:
        suite = _pytest(
            fresh,
            tmp_path,
            "tests/live",
            "-m",
            "live and billed",
            KLING_LIVE_BILLED="1",
            KLING_LIVE_MAX_TASKS="3",
            KLING_LIVE_POLL_S="0.05",
            KLING_LIVE_WAIT_S="60",
            # The callback check: the fake (on a real clock) posts to a loopback receiver.
            KLING_LIVE_CALLBACK_URL=f"http://127.0.0.1:{port}/kling/callback",
            KLING_LIVE_CALLBACK_PORT=str(port),
        )
    skipped = [
        case.get("name") for case in suite.iter("testcase") if case.find("skipped") is not None
    ]
    assert skipped == ["test_q1_empty_balance_error"]
    assert suite.get("failures") == suite.get("errors") == "0"
    assert suite.get("tests") == "4"
    observed = [p.get("value", "") for p in suite.iter("property") if p.get("name") == "observed"]
    assert any("'submitted', 'processing', 'succeed'" in o for o in observed), observed


def test_recording_leaves_valid_secret_free_cassettes(fake: Fake, tmp_path: Path) -> None:
    """``--record-mode=once`` writes cassettes the cassette check accepts and clients replay."""
    cassettes = tmp_path / "cassettes"
    _pytest(
        fake,
        tmp_path,
        "tests/live",
        "-m",
        "live and not billed",
        "--record-mode=once",
        KLING_CASSETTE_DIR=str(cassettes),
    )
    written = sorted(cassettes.rglob("*.yaml"))
    assert len(written) >= len(gateway.listings())
    assert not any(fake.key in path.read_text() for path in written)
    check = validate_cassettes(cassettes)
    assert check.returncode == 0, check.stdout
    for cassette in written:
        replay_through_the_generated_client(cassette)
        replay_through_the_overlay_client(cassette)


def test_schemathesis_live_profile_runs_clean(fake: Fake) -> None:
    """tests/live/schemathesis.toml (GET only, positive, rate-limited) passes on the fake."""
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            "tests/live/schemathesis.toml",
            "--no-color",
            "run",
            "openapi/kling.yaml",
            "--rate-limit",
            "100/s",
            "--max-examples",
            "1",
        ],
        cwd=ROOT,
        env=_env(fake, HAOEE_MODEL_NAME="kling-video-v2-6"),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    assert "POST" not in result.stdout.split("SUMMARY")[0].split("Operations:")[0]
    assert fake.key not in result.stdout
