"""The kill matrix: a batch killed with SIGKILL at any moment, then rerun, bills nothing twice.

The fake gateway is served from this process, in a thread (time 5000x faster; the Ctrl-C test's
own fake runs at 100x, so its batch is still running when the signal comes). Each run starts
from an empty fake, runs a small batch that is killed with SIGKILL (at a named crash point:
between the ledger commit and the create, between the create and its answer, after the answer,
in the middle of a download, after a download; or at a random moment), then reruns the same
batch to completion.
Counted at the fake (its `/_fake/tasks` control endpoint): every job has exactly one task (none
twice, none lost), no task belongs to no job, and every output file is there and valid.

Every killed run forks this process (no interpreter start-up: a `kling` subprocess costs half a
second of CPU before its first request, which was most of the matrix's cost): named points run
the command line's `kling batch run` in the child, random kills run `kling.batch.run`. The
rerun runs in-process. The Ctrl-C test starts a real `kling` process, as a user would.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from haoee_kling import Kling
from haoee_kling.batch import _plan
from haoee_kling.batch._plan import CRASH_VARIABLE
from haoee_kling.check._inputs import detect_format
from haoee_kling.cli import cli
from haoee_kling.testing import FakeGateway, GatewayConfig, RealClock
from haoee_kling.testing._server import serve_in_thread
from tests.e2e.fake_support import assert_media

JOBS = [
    {"kind": "text2video", "id": "fox", "prompt": "a fox in the snow"},
    {"kind": "text2video", "id": "owl", "prompt": "an owl at dusk", "output": "owl-shot"},
    {"kind": "text_to_audio", "id": "rain", "prompt": "rain on a tin roof", "duration": 3},
    {"kind": "text2video", "id": "cat", "prompt": "a cat on a wall"},
]
POLL = "0.005"
NAMED = [
    f"{point}:{nth}"
    for point in (
        "before-create",
        "during-create",
        "after-create",
        "mid-download",
        "after-download",
    )
    for nth in (1, 3)
]
RANDOM_RUNS = 45
VARIETY_RANDOM_RUNS = 5
"""Kills at random moments against varied answers: every named point is killed at once more
there, and the full random matrix is not run twice (each run starts two processes)."""
SEED = 1505


@dataclass
class Fake:
    """The fake gateway process: where it listens and its key."""

    base_url: str
    key: str
    control: httpx.Client

    def reset(self) -> None:
        self.control.post("/_fake/reset").raise_for_status()

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (its tasks progress as if that much time passed)."""
        self.control.post("/_fake/clock/advance", json={"seconds": seconds}).raise_for_status()

    def tasks(self) -> list[dict[str, object]]:
        answer = self.control.get("/_fake/tasks")
        answer.raise_for_status()
        tasks: list[dict[str, object]] = answer.json()
        return tasks


@contextmanager
def serve(speed: float, variety: int | None) -> Iterator[Fake]:
    """A fake gateway on loopback, `speed` times faster than real time, until the block ends.

    The forked batches and the Ctrl-C test's `kling` process reach it over a real socket."""
    config = GatewayConfig(variety=variety)
    server = serve_in_thread(FakeGateway(config, clock=RealClock(speed)))
    key = server.gateway.key
    control = httpx.Client(base_url=server.origin, headers={"Authorization": f"Bearer {key}"})
    try:
        yield Fake(server.base_url, key, control)
    finally:
        control.close()
        server.stop()


@pytest.fixture(scope="module")
def fake(variety: int | None) -> Iterator[Fake]:
    with serve(5000.0, variety) as running:
        yield running


def prepare(folder: Path) -> Path:
    folder.mkdir(parents=True)
    jobs = folder / "jobs.jsonl"
    jobs.write_text("".join(json.dumps(job) + "\n" for job in JOBS))
    return jobs


def rerun(fake: Fake, jobs: Path) -> None:
    with Kling(fake.key, base_url=fake.base_url) as kling:
        result = kling.batch.run(jobs, out=jobs.parent / "out", poll_interval=float(POLL))
    assert result.ok, result


def count(fake: Fake, jobs: Path) -> tuple[int, int, int]:
    """(jobs with more than one task, jobs lost, files valid), asserting all is well."""
    out = jobs.parent / "out"
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    per_external = Counter(task["external_task_id"] for task in fake.tasks())
    ours = {line["external_task_id"] for line in manifest}
    duplicates = sum(1 for line in manifest if per_external[line["external_task_id"]] > 1)
    lost = sum(
        1
        for line in manifest
        if line["status"] != "downloaded" or per_external[line["external_task_id"]] != 1
    )
    strays = set(per_external) - ours  # a task no job knows of is a lost (and billed) task
    files = 0
    for line in manifest:
        for name in line["files"]:
            data = (out / name).read_bytes()
            extension = name.rsplit(".", 1)[1]
            assert detect_format(data) == extension, name
            assert_media(data, extension)
            files += 1
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # nothing half-written
    assert (duplicates, lost, strays, len(manifest)) == (0, 0, set(), len(JOBS))
    return duplicates, lost, files


def forked(run: Callable[[], int], kill_after: float | None = None) -> int:
    """Run `run` in a forked child, SIGKILLed after `kill_after` s if given; its exit status
    (-9: killed). A fork copies no thread, so the fake keeps answering from this process only."""
    pid = os.fork()
    if pid == 0:  # the child: run, and leave without pytest's teardown
        status = 1
        try:
            status = run()
        finally:
            os._exit(status)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0):
        if time.monotonic() > deadline:  # a hung child fails the test instead of hanging it
            os.kill(pid, signal.SIGKILL)
            pytest.fail("a batch run did not end within 60 s")
        time.sleep(0.005)
    status = waited[1]
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def killed_by_point(fake: Fake, jobs: Path, point: str) -> int:
    """Run `kling batch run` with a crash point; returns its exit status (-9: killed)."""

    def run() -> int:
        os.environ.update(HAOEE_BASE_URL=fake.base_url, HAOEE_API_KEY=fake.key)
        os.environ[CRASH_VARIABLE] = point
        _plan._reached.clear()
        arguments = ["batch", "run", str(jobs), "--out", str(jobs.parent / "out")]
        try:
            cli.main([*arguments, "--poll-interval", POLL], prog_name="kling")
        except SystemExit as exit_:
            return int(exit_.code or 0)
        return 0

    return forked(run)


def killed_at_random(fake: Fake, jobs: Path, delay: float) -> int:
    """Run the batch in a forked child and SIGKILL it after `delay` s; returns its status."""

    def run() -> int:
        rerun(fake, jobs)
        return 0

    return forked(run, kill_after=delay)


@pytest.mark.slow
def test_kill_matrix_no_job_billed_twice_none_lost_every_file_valid(
    fake: Fake, tmp_path: Path, variety: int | None
) -> None:
    started = time.perf_counter()
    rng = random.Random(SEED)
    runs: list[tuple[str, int]] = []
    totals = Counter[str]()
    plan = [(point, 0.0) for point in NAMED]
    random_runs = RANDOM_RUNS if variety is None else VARIETY_RANDOM_RUNS
    plan += [("random", rng.uniform(0.0, 0.08)) for _ in range(random_runs)]
    for number, (point, delay) in enumerate(plan):
        fake.reset()
        jobs = prepare(tmp_path / f"run-{number}")
        if point == "random":
            status = killed_at_random(fake, jobs, delay)
        else:
            status = killed_by_point(fake, jobs, point)
            assert status == -signal.SIGKILL, f"{point} was never reached"
        runs.append((point, status))
        rerun(fake, jobs)
        duplicates, lost, files = count(fake, jobs)
        totals.update(duplicates=duplicates, lost=lost, files=files)
    elapsed = time.perf_counter() - started
    killed = sum(1 for _, status in runs if status == -signal.SIGKILL)
    sys.stderr.write(
        f"kill matrix: {len(runs)} runs ({killed} killed mid-run) in {elapsed:.1f} s; "
        f"duplicates {totals['duplicates']}, lost {totals['lost']}, files valid {totals['files']}\n"
    )
    assert len(runs) == len(NAMED) + random_runs
    # A kill after the batch finished proves nothing: most must land inside.
    assert killed >= len(NAMED) + random_runs * 2 // 3
    assert totals["duplicates"] == 0
    assert totals["lost"] == 0
    assert totals["files"] == len(runs) * 5


def test_ctrl_c_stops_sending_prints_the_resume_command_and_the_rerun_finishes(
    tmp_path: Path, variety: int | None
) -> None:
    # Real time, so no task can finish between the first progress line and the interrupt
    # however slowly this test reads it (at 100x, a loaded machine let the whole batch finish
    # first); the rerun moves the fake's clock past every task's end.
    with serve(1.0, variety) as fake:
        interrupted_then_rerun(fake, tmp_path)


def interrupted_then_rerun(fake: Fake, tmp_path: Path) -> None:
    jobs = prepare(tmp_path / "interrupted")
    stale = jobs.parent / "out" / ".manifest.jsonl.1.part"  # as a killed run would leave it
    stale.parent.mkdir()
    stale.write_text("{")
    env = {**os.environ, "HAOEE_BASE_URL": fake.base_url, "HAOEE_API_KEY": fake.key}
    command = [sys.executable, "-m", "haoee_kling.cli", "batch", "run", str(jobs)]
    command += ["--out", str(jobs.parent / "out"), "--poll-interval", "0.2"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    while "batch: " not in process.stderr.readline():  # the first round's progress line
        pass
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "no more creates are sent" in errors
    assert f"resume with: kling batch run {jobs} --out {jobs.parent / 'out'}" in errors
    fake.advance(3600)
    rerun(fake, jobs)
    duplicates, lost, files = count(fake, jobs)
    assert (duplicates, lost, files) == (0, 0, 5)
