"""A batch run end to end against the in-process fake, on both clients, with linked fake time.

Read as the specification of `kling.batch`: every job is created once (counted at the gateway),
its files land in the output folder under the job's name, the manifest lists every job, a
rerun resumes from the ledger, and no error leaves half a file or an unrecorded task behind.
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import json
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from haoee_kling import (
    AsyncKling,
    AuthenticationError,
    DownloadError,
    InvalidRequestError,
    Kling,
)
from haoee_kling.batch import _plan
from haoee_kling.batch._jobs import BatchError, InvalidJobsError, read_jobs
from haoee_kling.batch._ledger import Ledger, default_ledger_path
from haoee_kling.batch._plan import CRASH_VARIABLE, BatchProgress, crash_point
from haoee_kling.batch._result import BatchResult
from haoee_kling.batch._run import read_status
from haoee_kling.plans import _submit
from haoee_kling.testing import FakeGateway, GatewayConfig, RunningServer, serve_in_thread
from tests.e2e.fake_support import assert_media
from tests.unit.gateway_clients import LinkedClock
from tests.unit.gateway_clients import make_client as in_process_client

_SERVERS: list[tuple[RunningServer, Kling]] = []

MODEL_NAME = "kling-video-v2-6"
"""The `ModelName` a real client writes in a row it marks `submitting` (haoee needs one)."""


@pytest.fixture(autouse=True)
def _stop_servers() -> Iterator[None]:
    yield
    while _SERVERS:
        server, kling = _SERVERS.pop()
        kling.close()  # again, for a test that ended early: closing twice is harmless
        server.stop()


def make_client(flavor: str, gateway: FakeGateway, **options: Any) -> Kling | AsyncKling:
    """A client on the gateway's linked fake clock: async in-process; sync over loopback.

    The sync client does not go through Starlette's TestClient: which httpx package that
    uses depends on what else is installed (httpx2 arrives with the bench's openai and
    runwayml), and its transport cannot serve the download client the batch needs.
    """
    if flavor == "async":
        return in_process_client(flavor, gateway, **options)
    server = serve_in_thread(gateway)
    kling = Kling(gateway.key, base_url=server.base_url, clock=LinkedClock(gateway), **options)
    _SERVERS.append((server, kling))
    return kling


JOBS: list[dict[str, Any]] = [
    {"kind": "text2video", "id": "fox", "prompt": "a fox in the snow"},
    {"kind": "text-to-audio", "prompt": "rain on a tin roof", "duration": 5},
    {"kind": "text2video", "prompt": "a cat", "output": "cat"},
]


def write_jobs(folder: Path, jobs: list[dict[str, Any]] = JOBS) -> Path:
    path = folder / "jobs.jsonl"
    path.write_text("".join(json.dumps(job) + "\n" for job in jobs))
    return path


async def call(result: Any) -> Any:
    """The result of a sync call, or of an async one awaited."""
    return await result if inspect.isawaitable(result) else result


async def close(kling: Kling | AsyncKling) -> None:
    await call(kling.close())


def per_external_id(gateway: FakeGateway) -> Counter[str | None]:
    return Counter(task.external_task_id for task in gateway.tasks())


def assert_complete(result: BatchResult, out: Path, gateway: FakeGateway, jobs: int) -> None:
    """Every job downloaded once, from one task each; every file valid; the manifest says so."""
    assert result.ok, result
    assert result.counts["downloaded"] == jobs
    counts = per_external_id(gateway)
    assert len(counts) == jobs
    assert set(counts.values()) == {1}
    lines = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [line["status"] for line in lines] == ["downloaded"] * jobs
    assert {line["external_task_id"] for line in lines} == set(counts)
    for line in lines:
        assert line["files"]
        for name in line["files"]:
            assert_media((out / name).read_bytes(), name.rsplit(".", 1)[1])
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []


async def test_a_batch_creates_each_job_once_and_downloads_under_the_jobs_names(
    flavor: str, tmp_path: Path
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    seen: list[BatchProgress] = []
    jobs, out = write_jobs(tmp_path), tmp_path / "out"
    result = await call(kling.batch.run(jobs, out=out, poll_interval=5.0, on_progress=seen.append))
    assert_complete(result, out, gateway, 3)
    assert sorted(p.name for p in out.iterdir()) == [
        "cat-0.mp4", "fox-0.mp4", "line-2-0.mp3", "line-2-0.wav", "manifest.jsonl"
    ]  # fmt: skip
    assert result.units is not None
    assert float(result.units) > 0
    assert result.refusals == 0
    assert result.failed == ()
    assert result.unresolved == ()
    assert seen[-1].counts["downloaded"] == 3
    assert seen[-1].in_flight == 0
    assert seen[0].in_flight == 3
    assert seen[0].limit == 5
    # A rerun of a finished batch sends nothing and changes nothing.
    again = await call(kling.batch.run(jobs))
    assert again.counts == result.counts
    assert again.out == out
    assert len(gateway.tasks()) == 3
    status = await call(kling.batch.status(jobs))
    assert status.manifest == result.manifest  # a status names the manifest the run wrote
    assert status.counts["downloaded"] == 3
    for written in (result.ledger, out / "manifest.jsonl"):  # the key is never written down
        assert gateway.key.encode() not in written.read_bytes()
    await close(kling)


async def test_an_element_job_ends_with_its_task_and_no_files(flavor: str, tmp_path: Path) -> None:
    # An element is kept by Kling: the job is done once its task succeeds, with nothing to fetch.
    element = {
        "kind": "elements",
        "id": "mia",
        "element_name": "Captain Mia",
        "element_description": "A young pilot in a green flight jacket",
        "reference_type": "image_refer",
        "element_image_list": {
            "frontal_image": "https://cdn.example.org/inputs/mia-front.png",
            "refer_images": [{"image_url": "https://cdn.example.org/inputs/mia-left.png"}],
        },
    }
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs, out = write_jobs(tmp_path, [element, JOBS[0]]), tmp_path / "out"
    result = await call(kling.batch.run(jobs, out=out, poll_interval=5.0))
    await close(kling)
    assert result.ok, result
    assert result.counts["downloaded"] == 2
    manifest = (out / "manifest.jsonl").read_text().splitlines()
    lines = {line["job"]: line for line in map(json.loads, manifest)}
    assert lines["mia"]["status"] == "downloaded"
    assert lines["mia"]["files"] == []
    assert lines["mia"]["task_id"]
    assert sorted(p.name for p in out.iterdir()) == ["fox-0.mp4", "manifest.jsonl"]
    assert set(per_external_id(gateway).values()) == {1}


async def test_status_comes_from_the_wait_many_list_not_a_get_per_task(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    operations: Counter[str] = Counter()
    sender = kling.batch._sender

    def counting(call_: Any) -> Any:
        operations[call_.operation_id] += 1
        return sender(call_)

    monkeypatch.setattr(kling.batch, "_sender", counting)
    jobs = [{"kind": "text2video", "prompt": f"shot {n}"} for n in range(6)]
    await call(kling.batch.run(write_jobs(tmp_path, jobs), out=tmp_path / "o", concurrency=3))
    assert operations["createText2Video"] == 6
    assert operations["getText2Video"] == 0
    assert operations["listText2Video"] >= 2


async def test_a_1303_storm_lowers_the_limit_and_fails_no_job(flavor: str, tmp_path: Path) -> None:
    gateway = FakeGateway(GatewayConfig(concurrency={"video": 2}))
    kling = make_client(flavor, gateway)
    jobs = [{"kind": "text2video", "prompt": f"shot {n}"} for n in range(7)]
    out = tmp_path / "out"
    result = await call(kling.batch.run(write_jobs(tmp_path, jobs), out=out, concurrency=5))
    assert_complete(result, out, gateway, 7)
    assert result.refusals >= 1
    assert result.failed == ()
    await close(kling)


async def test_a_task_that_fails_is_recorded_and_retry_sends_it_again(
    flavor: str, tmp_path: Path
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, [{"kind": "text2video", "id": "bad", "prompt": "x [fake:fail]"}])
    result = await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert result.counts["failed"] == 1
    assert not result.ok
    [(job, error)] = result.failed
    assert job == "bad"
    assert error
    first = gateway.tasks()[0].external_task_id
    again = await call(kling.batch.retry_failed(jobs))
    assert again.counts["failed"] == 1  # the marker fails it again, as a new task
    assert len(gateway.tasks()) == 2
    assert gateway.tasks()[1].external_task_id != first
    await close(kling)


async def test_a_create_the_server_refuses_fails_that_job_only(flavor: str, tmp_path: Path) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = [{"kind": "text2video", "id": "no", "prompt": "[fake:reject]"}, JOBS[0]]
    result = await call(kling.batch.run(write_jobs(tmp_path, jobs), out=tmp_path / "out"))
    assert result.counts == result.counts | {"failed": 1, "downloaded": 1}
    assert result.failed[0][0] == "no"
    assert len(gateway.tasks()) == 1
    await close(kling)


async def test_a_job_left_submitting_is_looked_up_not_sent_again(
    flavor: str, tmp_path: Path
) -> None:
    """The crash between the create and its answer: the task exists, the ledger has no id."""
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:2])
    read = read_jobs(jobs)
    made = await call(kling.text2video.create(prompt="a fox in the snow", external_task_id="hk-x"))
    with Ledger.open(default_ledger_path(read.path), read) as ledger:
        ledger.set_meta("out", str(tmp_path / "out"))
        ledger.submitting(read.jobs[0], "hk-x", MODEL_NAME, int(gateway.clock.now() * 1000))
        ledger.submitting(
            read.jobs[1], "hk-never-sent", MODEL_NAME, int(gateway.clock.now() * 1000)
        )
    result = await call(kling.batch.run(jobs))
    assert_complete(result, tmp_path / "out", gateway, 2)
    assert result.jobs[0].task_id == made.task_id
    assert per_external_id(gateway)["hk-never-sent"] == 1  # absent: resent with the same id
    await close(kling)


async def test_a_lookup_that_cannot_decide_leaves_the_job_unresolved_and_unsent(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:1])
    read = read_jobs(jobs)
    with Ledger.open(default_ledger_path(read.path), read) as ledger:
        ledger.submitting(read.jobs[0], "hk-y", MODEL_NAME, 0)

    def unknown(*args: Any, **kwargs: Any) -> Any:
        yield from ()  # a plan that sends nothing
        return "unknown"

    monkeypatch.setattr(_plan, "lookup_plan", unknown)
    result = await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert result.unresolved == (("fox", "cannot prove whether external id hk-y made a task"),)
    assert gateway.tasks() == []
    assert result.counts["submitting"] == 1
    await close(kling)


async def test_an_ambiguous_create_is_resolved_by_the_next_round(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    real = _submit.create_plan
    failures = ["server"]

    def flaky(create: Any, *args: Any, **kwargs: Any) -> Any:
        task = yield from real(create, *args, **kwargs)
        if failures:  # the task exists, but this run never hears so
            from haoee_kling import ServerError

            raise ServerError(f"lost {failures.pop()}", status_code=502, code=None)
        return task

    monkeypatch.setattr(_plan, "create_plan", flaky)
    result = await call(kling.batch.run(write_jobs(tmp_path, JOBS[:1]), out=tmp_path / "out"))
    assert_complete(result, tmp_path / "out", gateway, 1)
    await close(kling)


async def test_a_lookup_that_fails_is_retried_then_reported(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:1])
    read = read_jobs(jobs)
    with Ledger.open(default_ledger_path(read.path), read) as ledger:
        ledger.submitting(read.jobs[0], "hk-z", MODEL_NAME, 0)
    tries: list[str] = []

    def failing(operations: Any, external: str, **kwargs: Any) -> Any:
        from haoee_kling import ServerError

        tries.append(external)
        yield from ()  # a plan that sends nothing
        raise ServerError("gateway down", status_code=503, code=5001)

    monkeypatch.setattr(_plan, "lookup_plan", failing)
    result = await call(kling.batch.run(jobs, out=tmp_path / "out", poll_interval=1.0))
    assert tries == ["hk-z"] * 3
    assert result.unresolved[0][1].startswith("lookup failed: gateway down")
    await close(kling)


async def test_a_bad_key_stops_the_run_and_the_rerun_resumes(flavor: str, tmp_path: Path) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    accepted = gateway.config
    gateway.config = dataclasses.replace(accepted, keys=("another-key",))  # ours is refused
    jobs, out = write_jobs(tmp_path, JOBS[:2]), tmp_path / "out"
    with pytest.raises(AuthenticationError):
        await call(kling.batch.run(jobs, out=out))
    assert read_status(jobs, None).counts["submitting"] == 1
    assert (out / "manifest.jsonl").exists()
    gateway.config = accepted
    assert_complete(await call(kling.batch.run(jobs)), out, gateway, 2)
    await close(kling)


async def test_ctrl_c_leaves_a_consistent_ledger_and_the_rerun_finishes(
    flavor: str, tmp_path: Path
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs, out = write_jobs(tmp_path), tmp_path / "out"

    def interrupt(event: BatchProgress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await call(kling.batch.run(jobs, out=out, on_progress=interrupt))
    assert read_status(jobs, None).counts["submitted"] == 3
    assert_complete(await call(kling.batch.run(jobs)), out, gateway, 3)
    await close(kling)


async def test_a_download_that_fails_keeps_the_job_succeeded_for_the_next_run(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs, out = write_jobs(tmp_path, JOBS[:1]), tmp_path / "out"
    real = kling.batch._download

    def expired(*args: Any, **kwargs: Any) -> Any:
        raise DownloadError("link expired", url="https://cdn.example/x.mp4")

    monkeypatch.setattr(kling.batch, "_download", expired)
    result = await call(kling.batch.run(jobs, out=out))
    assert result.counts["succeeded"] == 1
    assert result.jobs[0].error == "not downloaded: link expired"
    monkeypatch.setattr(kling.batch, "_download", real)
    assert_complete(await call(kling.batch.run(jobs)), out, gateway, 1)  # reads the task again
    await close(kling)


async def test_a_full_output_disk_is_a_clear_error_and_the_rerun_recovers(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs, out = write_jobs(tmp_path, JOBS[:1]), tmp_path / "out"
    real = Path.replace

    def full(self: Path, target: Any) -> Any:
        if not self.parent.name.endswith(".batch-part"):
            return real(self, target)  # the download's own rename works
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # renaming it into place fails

    monkeypatch.setattr(Path, "replace", full)
    with pytest.raises(
        BatchError, match=r"cannot write job fox's files into .*No space left"
    ) as caught:
        await call(kling.batch.run(jobs, out=out))
    assert caught.value.task_id == gateway.tasks()[0].task_id
    monkeypatch.setattr(Path, "replace", real)
    assert read_status(jobs, None).counts["succeeded"] == 1
    assert_complete(await call(kling.batch.run(jobs)), out, gateway, 1)
    await close(kling)


async def test_an_output_folder_that_cannot_be_written_during_a_download(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs, out = write_jobs(tmp_path, JOBS[:1]), tmp_path / "out"

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(kling.batch, "_download", read_only)
    with pytest.raises(BatchError, match=r"cannot write job fox's files into .*Read-only file"):
        await call(kling.batch.run(jobs, out=out))
    await close(kling)


async def test_invalid_jobs_send_nothing_unless_skipped(flavor: str, tmp_path: Path) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, [JOBS[0], {"kind": "text2video", "promt": "typo"}])
    with pytest.raises(InvalidJobsError, match=r"jobs\.jsonl:2: promt"):
        await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert gateway.tasks() == []
    result = await call(kling.batch.run(jobs, out=tmp_path / "out", skip_invalid=True))
    assert result.ok
    assert result.total == 1
    assert result.skipped[0].startswith("jobs.jsonl:2: promt")
    await close(kling)


async def test_the_first_run_needs_an_output_folder_and_a_usable_one(
    flavor: str, tmp_path: Path
) -> None:
    kling = make_client(flavor, FakeGateway())
    jobs = write_jobs(tmp_path)
    with pytest.raises(BatchError, match="give the output folder"):
        await call(kling.batch.run(jobs))
    assert not (tmp_path / "jobs.jsonl.ledger").exists()  # refused before the ledger is made
    (tmp_path / "file").write_text("")
    with pytest.raises(BatchError, match=r"output folder .*file is a file, not a folder; nothi"):
        await call(kling.batch.run(jobs, out=tmp_path / "file" / "out"))
    with pytest.raises(InvalidRequestError, match="concurrency: a whole number >= 1"):
        await call(kling.batch.run(jobs, out=tmp_path / "out", concurrency=0))
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(BatchError, match="no ledger at"):
        await call(kling.batch.status(write_jobs(other)))
    await close(kling)


async def test_a_task_the_gateway_does_not_know_fails_its_job(flavor: str, tmp_path: Path) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:1])
    read = read_jobs(jobs)
    with Ledger.open(default_ledger_path(read.path), read) as ledger:
        ledger.submitting(read.jobs[0], "hk-gone", MODEL_NAME, 0)
        ledger.submitted(read.jobs[0].key, "999999999999999999")
    result = await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert result.failed == (("fox", "task 999999999999999999 not found"),)
    await close(kling)


def test_a_crash_point_kills_only_at_its_nth_visit(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: kills.append((pid, sig)))
    monkeypatch.setattr(_plan, "_reached", Counter())
    monkeypatch.delenv(CRASH_VARIABLE, raising=False)
    crash_point("before-create")
    monkeypatch.setenv(CRASH_VARIABLE, "mid-download:2")
    crash_point("before-create")
    crash_point("mid-download")
    assert kills == []
    crash_point("mid-download")
    assert kills == [(os.getpid(), signal.SIGKILL)]
    monkeypatch.setenv(CRASH_VARIABLE, "after-create")
    crash_point("after-create")
    assert len(kills) == 2


def test_both_clients_offer_the_same_batch_calls() -> None:
    from tests.unit.test_client import public_methods

    sync, asyn = Kling(api_key="k"), AsyncKling(api_key="k")
    assert public_methods(sync.batch) == public_methods(asyn.batch)
    assert set(public_methods(sync.batch)) == {"run", "retry_failed", "status"}
    assert all(inspect.iscoroutinefunction(getattr(asyn.batch, n)) for n in ("run", "status"))
    sync.close()


async def test_a_1303_with_nothing_in_flight_waits_out_the_retry_after(
    flavor: str, tmp_path: Path
) -> None:
    from haoee_kling.testing import http_error

    gateway = FakeGateway()
    gateway.faults.add(http_error(429, code=1303, retry_after=3, match="createText2Video"))
    kling = make_client(flavor, gateway)
    result = await call(kling.batch.run(write_jobs(tmp_path, JOBS[:1]), out=tmp_path / "out"))
    assert_complete(result, tmp_path / "out", gateway, 1)
    assert result.refusals == 1
    assert kling.batch._core.clock.monotonic() >= 3.0  # it waited for the slot it was told
    await close(kling)


async def test_an_authentication_error_in_a_lookup_or_a_download_stops_the_run(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:1])
    read = read_jobs(jobs)
    with Ledger.open(default_ledger_path(read.path), read) as ledger:
        ledger.submitting(read.jobs[0], "hk-a", MODEL_NAME, 0)

    def refused(*args: Any, **kwargs: Any) -> Any:
        yield from ()
        raise AuthenticationError("key refused", status_code=401, code=1002)

    monkeypatch.setattr(_plan, "lookup_plan", refused)
    with pytest.raises(AuthenticationError):
        await call(kling.batch.run(jobs, out=tmp_path / "out"))
    monkeypatch.undo()

    def refused_download(*args: Any, **kwargs: Any) -> Any:
        raise AuthenticationError("key refused", status_code=401, code=1002)

    monkeypatch.setattr(kling.batch, "_download", refused_download)
    with pytest.raises(AuthenticationError):
        await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert read_status(jobs, None).counts["succeeded"] == 1
    await close(kling)


async def test_a_job_whose_media_became_invalid_fails_without_a_create(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling import InvalidRequestError, Problem

    gateway = FakeGateway()
    kling = make_client(flavor, gateway)
    jobs = write_jobs(tmp_path, JOBS[:1])
    read_jobs(jobs)  # valid when checked

    def gone(*args: Any, **kwargs: Any) -> Any:
        raise InvalidRequestError([Problem("image", "file", "image: no such file: cat.png")])

    monkeypatch.setattr(_plan, "prepare_body", gone)
    result = await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert result.failed[0][0] == "fox"
    assert "no such file: cat.png" in result.failed[0][1]
    assert gateway.tasks() == []
    await close(kling)


async def test_a_manifest_that_cannot_be_written_is_a_clear_error(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling.batch import _run

    gateway = FakeGateway()
    kling = make_client(flavor, gateway)

    def read_only(*args: Any) -> Any:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(_run, "write_manifest", read_only)
    jobs = write_jobs(tmp_path, JOBS[:1])
    with pytest.raises(BatchError, match=r"cannot write files into .*Read-only file system"):
        await call(kling.batch.run(jobs, out=tmp_path / "out"))
    assert read_status(jobs, None).counts["downloaded"] == 1
    await close(kling)


async def test_a_ledger_that_fails_while_resetting_failed_jobs_is_closed(
    flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kling = make_client(flavor, FakeGateway())
    jobs = write_jobs(tmp_path, JOBS[:1])

    def full(self: Ledger) -> int:
        raise BatchError("cannot write the ledger: the disk is full")

    monkeypatch.setattr(Ledger, "retry_failed", full)
    with pytest.raises(BatchError, match="the disk is full"):
        await call(kling.batch.retry_failed(jobs, out=tmp_path / "out"))
    monkeypatch.undo()
    with Ledger.open(default_ledger_path(jobs.absolute()), read_jobs(jobs)) as ledger:
        assert ledger.counts()["pending"] == 1  # closed and unlocked: it opens again
    await close(kling)
