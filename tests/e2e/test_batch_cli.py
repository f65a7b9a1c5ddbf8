"""`kling batch run | status | retry` against the fake gateway on loopback (time sped up)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from haoee_kling.batch._plan import BatchProgress
from haoee_kling.batch._result import BatchResult
from haoee_kling.batch._run import SyncBatch
from haoee_kling.cli import cli
from haoee_kling.cli._batch import _display
from haoee_kling.cli._render import Output
from haoee_kling.testing import FakeGateway, RealClock, serve_in_thread
from tests.e2e.fake_support import assert_media
from tests.e2e.printed import replay


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variety: int | None
) -> Iterator[dict[str, str]]:
    """A fake on loopback 10,000 times faster than real time, and the variables that reach it."""
    gateway = FakeGateway(clock=RealClock(10_000.0), variety=variety)
    server = serve_in_thread(gateway)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(_FAKES, "tasks", gateway.tasks)
    yield {"HAOEE_BASE_URL": server.base_url, "HAOEE_API_KEY": gateway.key}
    server.stop()


_FAKES: dict[str, Any] = {}  # the running test's fake (set by `env`, undone after the test)


def kling(env: dict[str, str], *args: str) -> Result:
    """Run the command line, then every command it printed (each must run as printed)."""
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    replay(result, _FAKES["tasks"], env)
    return result


def jobs_file(*jobs: dict[str, Any]) -> Path:
    path = Path("jobs.jsonl")
    path.write_text("".join(json.dumps(job) + "\n" for job in jobs))
    return path


FOX = {"kind": "text2video", "id": "fox", "prompt": "a fox in the snow"}
RAIN = {"kind": "text-to-audio", "id": "rain", "prompt": "rain", "duration": 3}
FAST = ("--poll-interval", "0.01")


def test_run_downloads_every_job_and_status_reads_the_ledger(env: dict[str, str]) -> None:
    jobs_file(FOX, RAIN)
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "out", *FAST)
    assert result.exit_code == 0, result.output
    assert "2 jobs: 2 downloaded; units spent" in result.stdout
    assert "batch: 2 downloaded" in result.stderr  # plain progress lines off a terminal
    files = sorted(p.name for p in Path("out").iterdir())
    assert files == ["fox-0.mp4", "manifest.jsonl", "rain-0.mp3", "rain-0.wav"]
    assert_media(Path("out/fox-0.mp4").read_bytes(), "mp4")
    status = kling(env, "batch", "status", "jobs.jsonl")
    assert status.exit_code == 0
    header, fox, *_ = status.stdout.splitlines()
    assert header.split() == ["JOB", "LINE", "STATUS", "TASK", "ID", "FILES", "OR", "ERROR"]
    assert fox.split()[:3] == ["fox", "1", "downloaded"]
    assert fox.index("downloaded") == header.index("STATUS")  # a table: columns line up
    assert status.stdout.splitlines()[-2] == "2 jobs: 2 downloaded"
    assert status.stdout.splitlines()[-1] == f"manifest {Path('out/manifest.jsonl').absolute()}"
    document = json.loads(kling(env, "batch", "status", "jobs.jsonl", "--json").stdout)
    assert [job["status"] for job in document["jobs"]] == ["downloaded", "downloaded"]
    assert document["jobs"][0]["files"] == ["fox-0.mp4"]
    assert document["manifest"] == str(Path("out/manifest.jsonl").absolute())


def test_json_prints_one_summary_document(env: dict[str, str]) -> None:
    jobs_file(FOX)
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "out", "--json", *FAST)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["counts"]["downloaded"] == 1
    assert document["exit_code"] == 0
    assert document["manifest"].endswith("manifest.jsonl")
    assert result.stderr == ""


def test_invalid_jobs_exit_2_naming_each_line_and_send_nothing(env: dict[str, str]) -> None:
    jobs_file(FOX, {"kind": "text2video", "promt": "typo"})
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "out")
    assert result.exit_code == 2
    assert "jobs.jsonl:2: promt: is not a field of text2video.create" in result.stderr
    as_json = kling(env, "--json", "batch", "run", "jobs.jsonl", "--out", "out")
    document = json.loads(as_json.stdout)
    assert document["error"] == "InvalidJobsError"
    assert document["exit_code"] == 2
    assert document["problems"][0].startswith("jobs.jsonl:2: promt")
    assert not Path("out").exists()


def test_a_failed_job_exits_4_and_retry_needs_failed(env: dict[str, str]) -> None:
    jobs_file(FOX, {"kind": "text2video", "id": "bad", "prompt": "x [fake:fail]"})
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "out", "--concurrency", "2", *FAST)
    assert result.exit_code == 4
    assert "failed bad: " in result.stderr
    assert "retry the failed jobs with: kling batch retry jobs.jsonl --failed" in result.stderr
    refused = kling(env, "batch", "retry", "jobs.jsonl")
    assert refused.exit_code == 2
    assert "say which jobs to retry: --failed" in refused.stderr
    again = kling(env, "batch", "retry", "jobs.jsonl", "--failed", "--json", *FAST)
    assert again.exit_code == 4
    assert json.loads(again.stdout)["failed"][0]["job"] == "bad"


def test_ctrl_c_prints_the_command_that_resumes(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs_file(FOX)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(SyncBatch, "run", interrupted)
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "out", "--concurrency", "3")
    assert result.exit_code == 130
    assert "no more creates are sent" in result.stderr
    assert "resume with: kling batch run jobs.jsonl --out out --concurrency 3" in result.stderr


def test_an_api_error_ends_the_run_with_its_exit_code_and_the_resume_line(
    env: dict[str, str],
) -> None:
    jobs_file(FOX)
    result = kling({**env, "HAOEE_API_KEY": "wrong"}, "batch", "run", "jobs.jsonl", "--out", "o")
    assert result.exit_code == 3
    assert "wrong" not in result.output
    assert "resume with: kling batch run jobs.jsonl --out o" in result.stderr


def test_a_ledger_of_another_jobs_file_is_refused(env: dict[str, str]) -> None:
    jobs_file(FOX)
    assert kling(env, "batch", "run", "jobs.jsonl", "--out", "o", *FAST).exit_code == 0
    Path("other.jsonl").write_text(json.dumps(RAIN) + "\n")
    ledger = ("--ledger", "jobs.jsonl.ledger")
    result = kling(env, "batch", "run", "other.jsonl", "--out", "o", *ledger)
    assert result.exit_code == 2
    assert "belongs to the jobs file" in result.stderr
    assert "other.jsonl" in result.stderr
    document = json.loads(kling(env, "--json", "batch", "status", "other.jsonl", *ledger).stdout)
    assert document["error"] == "BatchError"
    assert document["exit_code"] == 2


def test_jobs_left_unresolved_exit_5_with_the_resume_command(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jobs_file(FOX)
    unresolved = BatchResult(
        jobs_file=tmp_path / "jobs.jsonl",
        ledger=tmp_path / "jobs.jsonl.ledger",
        out=tmp_path / "o",
        manifest=None,
        counts={"submitting": 1},
        units=None,
        skipped=("jobs.jsonl:9: kind: ...",),
        unresolved=(("fox", "lookup failed: gateway down"),),
    )
    monkeypatch.setattr(SyncBatch, "run", lambda *args, **kwargs: unresolved)
    result = kling(env, "batch", "run", "jobs.jsonl", "--out", "o", "--skip-invalid")
    assert result.exit_code == 5
    assert "1 jobs: 1 submitting; units spent not reported" in result.stdout
    assert "skipped jobs.jsonl:9" in result.stderr
    assert "unresolved fox: lookup failed: gateway down" in result.stderr
    assert "resume with: kling batch run jobs.jsonl --out o --skip-invalid" in result.stderr


def test_on_a_terminal_the_progress_is_a_live_bar_with_counts_and_units() -> None:
    screen = io.StringIO()
    output = Output(err=Console(file=screen, force_terminal=True, width=120))
    counts = dict.fromkeys(("pending", "submitting", "succeeded"), 0)
    with _display(output) as update:
        update(
            BatchProgress(
                4, counts | {"downloaded": 1, "failed": 1, "submitted": 2}, 2, 3, "1.5", 2
            )
        )
    text = screen.getvalue()
    assert "2/4" in text
    assert "1 downloaded, 1 failed, 2 submitted · 1.5 units · limit 3" in text
    with _display(Output(as_json=True)) as nothing:
        assert nothing is None
