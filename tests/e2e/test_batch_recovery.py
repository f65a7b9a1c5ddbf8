"""After a mistake a batch carries on without billing anything twice (issue 24, part one).

Against the fake gateway on loopback (time sped up), counting the tasks the fake created:
an edited jobs file continues where it stopped, a job changed after it was sent is reported
and sent again only by name, a ledger of the earlier format is upgraded or refused without
sending anything, and every command printed runs as printed (`tests/e2e/printed.py`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from haoee_kling.cli import cli
from haoee_kling.testing import FakeGateway, RealClock, serve_in_thread
from tests.e2e.printed import replay


@dataclass
class Fake:
    """The fake gateway on loopback, its tasks, and the environment that reaches it."""

    gateway: FakeGateway
    env: dict[str, str]
    key: str

    def tasks(self) -> list[Any]:
        return self.gateway.tasks()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    gateway = FakeGateway(clock=RealClock(10_000.0))
    server = serve_in_thread(gateway)
    monkeypatch.chdir(tmp_path)
    yield Fake(
        gateway, {"HAOEE_BASE_URL": server.base_url, "HAOEE_API_KEY": gateway.key}, gateway.key
    )
    server.stop()


def kling(fake: Fake, *args: str) -> Result:
    """Run the command line, then every command it printed (each must run as printed)."""
    result = CliRunner().invoke(cli, list(args), env=fake.env, catch_exceptions=False)
    replay(result, fake.tasks, fake.env)
    return result


def write(*jobs: dict[str, Any] | str) -> None:
    lines = (job if isinstance(job, str) else json.dumps(job, ensure_ascii=False) for job in jobs)
    Path("jobs.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


SEVEN = [{"kind": "text2video", "id": f"shot{n}", "prompt": f"shot {n}"} for n in range(7)]
BAD = {"kind": "text2video", "id": "fox", "promt": "a fox"}
FIXED = {"kind": "text2video", "id": "fox", "prompt": "a fox"}
RUN = ("batch", "run", "jobs.jsonl", "--out", "renders", "--poll-interval", "0.01")


def mtimes() -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in Path("renders").glob("*.mp4")}


def test_a_fixed_line_is_sent_and_nothing_done_is_billed_again(fake: Fake) -> None:
    write(*SEVEN, BAD)
    first = kling(fake, *RUN, "--skip-invalid")
    assert first.exit_code == 0, first.output
    assert len(fake.tasks()) == 7
    assert "skipped jobs.jsonl:8: promt" in first.stderr
    before = mtimes()
    write(*SEVEN, FIXED)
    second = kling(fake, *RUN, "--skip-invalid")
    assert second.exit_code == 0, second.output
    assert len(fake.tasks()) == 8  # the fixed line only; the seven paid jobs keep their tasks
    assert {k: v for k, v in mtimes().items() if k in before} == before  # nothing overwritten
    assert "fox-0.mp4" in mtimes()
    write(*SEVEN, FIXED, {"kind": "text2video", "id": "owl", "prompt": "an owl"})
    assert kling(fake, *RUN).exit_code == 0
    assert len(fake.tasks()) == 9  # an appended line is sent, once


def test_a_job_changed_after_it_was_sent_is_reported_and_resent_only_by_name(
    fake: Fake,
) -> None:
    write(*SEVEN[:2])
    assert kling(fake, *RUN).exit_code == 0
    write({**SEVEN[0], "prompt": "a wholly new shot"}, SEVEN[1])
    again = kling(fake, *RUN)
    assert again.exit_code == 0
    assert "changed shot0: its fields changed after it was sent" in again.stderr
    assert (
        "to send them as they are now (billed again): kling batch run jobs.jsonl " in again.stderr
    )
    assert "--resend shot0" in again.stderr
    # The replay above ran the printed --resend command: one new task, for shot0 only.
    tasks = fake.tasks()
    assert len(tasks) == 3
    manifest = [
        json.loads(line) for line in Path("renders/manifest.jsonl").read_text().splitlines()
    ]
    shot0 = next(line for line in manifest if line["job"] == "shot0")
    assert len(shot0["replaced"]) == 1
    assert shot0["replaced"][0] != shot0["task_id"]
    assert "remove" not in again.stderr  # no advice that sends every job again


def test_id_less_lines_are_matched_by_content_when_lines_move(fake: Fake) -> None:
    write({"kind": "text2video", "prompt": "a fox"}, {"kind": "text2video", "prompt": "an owl"})
    assert kling(fake, *RUN).exit_code == 0
    # A line inserted above moves the others: the fox is found by its content, not its line.
    write(
        {"kind": "text2video", "prompt": "a cat"},
        {"kind": "text2video", "prompt": "a fox"},
        {"kind": "text2video", "prompt": "an owl"},
    )
    result = kling(fake, *RUN)
    assert result.exit_code == 0, result.output
    assert len(fake.tasks()) == 3  # the new cat only
    # The fox's and owl's files keep their names; the cat's never replaces the fox's.
    before = {"line-1-0.mp4", "line-2-0.mp4"}
    assert {p.name for p in Path("renders").glob("*.mp4")} == before | {"line-1.2-0.mp4"}


def test_an_id_less_line_edited_in_place_is_reported_not_resent(fake: Fake) -> None:
    write({"kind": "text2video", "prompt": "a fox"}, {"kind": "text2video", "prompt": "an owl"})
    assert kling(fake, *RUN).exit_code == 0
    write({"kind": "text2video", "prompt": "a fox"}, {"kind": "text2video", "prompt": "an owl!"})
    result = CliRunner().invoke(cli, list(RUN), env=fake.env, catch_exceptions=False)
    assert result.exit_code == 0
    assert len(fake.tasks()) == 2
    assert "changed line-2" in result.stderr
    resend = kling(fake, *RUN, "--resend", "line-2")
    assert resend.exit_code == 0, resend.output
    assert len(fake.tasks()) == 3


def test_a_job_taken_out_of_the_file_keeps_its_task_and_files(fake: Fake) -> None:
    write(*SEVEN[:2])
    assert kling(fake, *RUN).exit_code == 0
    write(SEVEN[1])
    assert kling(fake, *RUN).exit_code == 0
    assert len(fake.tasks()) == 2
    status = json.loads(kling(fake, "batch", "status", "jobs.jsonl", "--json").stdout)
    gone = next(job for job in status["jobs"] if job["job"] == "shot0")
    assert (gone["in_jobs_file"], gone["status"]) == (False, "downloaded")


def test_resend_of_a_job_never_sent_or_unknown_is_refused_before_sending(
    fake: Fake,
) -> None:
    write(*SEVEN[:1])
    refused = kling(fake, *RUN, "--resend", "nope")
    assert refused.exit_code == 2
    assert "--resend nope: no job of" in refused.stderr
    never = kling(fake, *RUN, "--resend", "shot0")
    assert never.exit_code == 2
    assert "was never sent; a run sends it" in never.stderr
    assert fake.tasks() == []


def _old_ledger(path: Path, jobs: Path, rows: list[tuple[Any, ...]]) -> None:
    """A ledger as the earlier version wrote it (format 1: keyed by id, bound to a sha256)."""
    import hashlib

    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, line INTEGER NOT NULL, kind TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'pending', external_task_id TEXT, task_id TEXT,"
        " model_header TEXT, sent_ms INTEGER, files TEXT, units TEXT, error TEXT);"
    )
    sha = hashlib.sha256(jobs.read_bytes()).hexdigest()
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("jobs_path", str(jobs.absolute())),
            ("jobs_sha256", sha),
            ("out", str(Path("renders").absolute())),
        ],
    )
    db.executemany("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def test_a_ledger_of_the_earlier_format_is_upgraded_without_sending(fake: Fake) -> None:
    write({"kind": "text2video", "prompt": "a fox"}, SEVEN[0])
    first = kling(fake, *RUN)
    assert first.exit_code == 0
    done = {
        row["job"]: row
        for row in map(json.loads, Path("renders/manifest.jsonl").read_text().splitlines())
    }
    Path("jobs.jsonl.ledger").unlink()
    rows = [
        (job, row["line"], "text2video", "downloaded", row["external_task_id"], row["task_id"],
         None, 0, json.dumps(row["files"]), row["units"], None)
        for job, row in done.items()
    ]  # fmt: skip
    _old_ledger(Path("jobs.jsonl.ledger"), Path("jobs.jsonl"), rows)
    again = kling(fake, *RUN)
    assert again.exit_code == 0, again.output
    assert len(fake.tasks()) == 2  # nothing sent: both jobs matched
    # Edited before the upgrade: the id-less job that was sent cannot be matched for sure.
    Path("jobs.jsonl.ledger").unlink()
    _old_ledger(Path("jobs.jsonl.ledger"), Path("jobs.jsonl"), rows)
    write({"kind": "text2video", "prompt": "a fox, edited"}, SEVEN[0])
    refused = kling(fake, *RUN)
    assert refused.exit_code == 2
    assert "written by an earlier haoee-kling" in refused.stderr
    assert "Nothing was sent" in refused.stderr
    assert len(fake.tasks()) == 2


def test_a_new_ledger_never_writes_over_another_batchs_folder(fake: Fake) -> None:
    write(*SEVEN[:1])
    assert kling(fake, *RUN).exit_code == 0
    Path("jobs.jsonl.ledger").unlink()  # what the old advice led to
    result = kling(fake, *RUN)
    assert result.exit_code == 2
    assert "holds the manifest.jsonl of a batch" in result.stderr
    assert len(fake.tasks()) == 1


def test_retry_printed_after_skip_invalid_runs_as_printed(fake: Fake) -> None:
    write(SEVEN[0], {"kind": "text2video", "id": "bad", "prompt": "x [fake:fail]"}, BAD)
    result = kling(fake, *RUN, "--skip-invalid")
    assert result.exit_code == 4
    assert (
        "retry the failed jobs with: kling batch retry jobs.jsonl --failed --skip-invalid"
        in result.stderr
    )
    assert len(fake.tasks()) == 3  # the replay ran the retry: one new task, for `bad` only


def test_local_mistakes_are_refused_before_anything_is_sent(fake: Fake) -> None:
    write(*SEVEN[:1])
    Path("afile").write_text("")
    no_out = kling(fake, "batch", "run", "jobs.jsonl")
    assert no_out.exit_code == 2
    assert "give the output folder" in no_out.stderr
    bad_out = kling(fake, "batch", "run", "jobs.jsonl", "--out", "afile/sub")
    assert bad_out.exit_code == 2
    assert "afile is a file, not a folder; nothing was sent" in bad_out.stderr
    bad_ledger = kling(fake, *RUN, "--ledger", "afile/jobs.ledger")
    assert bad_ledger.exit_code == 2
    assert "cannot create the ledger" in bad_ledger.stderr
    missing = kling(fake, "batch", "run", "nope.jsonl", "--out", "renders")
    assert missing.exit_code == 2
    assert fake.tasks() == []


def test_unicode_ids_work_and_csv_records_are_reported_where_they_start(
    fake: Fake,
) -> None:
    write({"kind": "text2video", "id": "雪狐", "prompt": "a snow fox"})
    result = kling(fake, *RUN)
    assert result.exit_code == 0, result.output
    assert Path("renders/雪狐-0.mp4").exists()
    Path("jobs.csv").write_text('kind,id,prompt,cfg_scale\ntext2video,a,"two\nlines",high\n')
    bad = kling(fake, "batch", "run", "jobs.csv", "--out", "csv-out")
    assert bad.exit_code == 2
    assert "jobs.csv:2: cfg_scale" in bad.stderr
    write({"kind": "text2video", "id": "雪/狐", "prompt": "x"})
    once = kling(fake, *RUN)
    assert once.stderr.count("must be 1-64 letters") == 1  # the id only, not an output too


def test_status_lists_the_skipped_lines_and_names_the_manifest(fake: Fake) -> None:
    write(SEVEN[0], BAD)
    assert kling(fake, *RUN, "--skip-invalid").exit_code == 0
    status = kling(fake, "batch", "status", "jobs.jsonl")
    assert status.exit_code == 0
    assert "skipped jobs.jsonl:2: promt" in status.stderr
    assert status.stdout.splitlines()[0].startswith("JOB ")
    document = json.loads(kling(fake, "batch", "status", "jobs.jsonl", "--json").stdout)
    assert document["manifest"] == str(Path("renders/manifest.jsonl").absolute())
    assert document["skipped"][0].startswith("jobs.jsonl:2: promt")


def test_a_ledger_that_fails_mid_run_exits_7_with_the_resume_command(
    fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haoee_kling.batch._jobs import BatchError
    from haoee_kling.batch._ledger import Ledger

    write(*SEVEN[:1])
    real = Ledger.downloaded

    def full_disk(self: Ledger, key: str, files: Any) -> None:
        raise BatchError(f"cannot write the ledger {self.path}: the disk is full")

    monkeypatch.setattr(Ledger, "downloaded", full_disk)
    result = CliRunner().invoke(cli, list(RUN), env=fake.env, catch_exceptions=False)
    assert result.exit_code == 7
    assert "the disk is full" in result.stderr
    assert result.stderr.rstrip().endswith("resume with: kling batch run jobs.jsonl --out renders")
    monkeypatch.setattr(Ledger, "downloaded", real)  # room again: the printed command finishes
    replay(result, fake.tasks, fake.env)
    assert len(fake.tasks()) == 1
    assert json.loads(Path("renders/manifest.jsonl").read_text())["status"] == "downloaded"


def test_json_names_the_commands_and_they_carry_the_base_url_typed(fake: Fake) -> None:
    url = fake.env["HAOEE_BASE_URL"]
    env = {"HAOEE_API_KEY": fake.key}
    write(SEVEN[0], {"kind": "text2video", "id": "bad", "prompt": "x [fake:fail]"})
    args = ["--json", "--base-url", url, *RUN]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    document = json.loads(result.stdout)
    assert document["exit_code"] == 4
    assert document["retry"] == f"kling --base-url {url} batch retry jobs.jsonl --failed"
    assert replay(result, fake.tasks, env) == [(document["retry"], 4)]  # fails again, as asked
    assert len(fake.tasks()) == 3
    write(
        {**SEVEN[0], "prompt": "changed"},
        {"kind": "text2video", "id": "bad", "prompt": "x [fake:fail]"},
    )
    changed = json.loads(CliRunner().invoke(cli, args, env=env).stdout)
    assert changed["changed"] == [{"job": "shot0", "task_id": fake.tasks()[0].task_id}]
    assert changed["resend"].endswith("batch run jobs.jsonl --resend shot0 --out renders")
