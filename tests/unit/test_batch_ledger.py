"""The batch ledger: committed moves, one jobs file per ledger, one run at a time, clear errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from haoee_kling.batch._jobs import BatchError, JobsFile, read_jobs
from haoee_kling.batch._ledger import FORMAT, STATES, Ledger, default_ledger_path


def jobs_file(
    tmp_path: Path, name: str = "jobs.jsonl", prompts: tuple[str, ...] = ("a", "b")
) -> JobsFile:
    path = tmp_path / name
    path.write_text(
        "".join(json.dumps({"kind": "text2video", "prompt": p}) + "\n" for p in prompts)
    )
    return read_jobs(path)


def committed(path: Path) -> dict[str, tuple[Any, ...]]:
    """What another process would read: job id -> (state, external id, task id)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT id, state, external_task_id, task_id FROM jobs").fetchall()
    finally:
        db.close()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_a_new_ledger_holds_every_job_pending_in_wal_mode(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = default_ledger_path(jobs.path)
    assert path == tmp_path / "jobs.jsonl.ledger"
    with Ledger.open(path, jobs) as ledger:
        assert ledger.counts() == dict.fromkeys(STATES, 0) | {"pending": 2}
        assert [(r.id, r.line, r.kind, r.state) for r in ledger.rows()] == [
            ("line-1", 1, "text2video", "pending"),
            ("line-2", 2, "text2video", "pending"),
        ]
        assert ledger.meta("format") == FORMAT
        assert ledger.meta("jobs_path") == str(jobs.path)
        assert ledger.meta("out") is None
        assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_each_move_is_committed_before_the_call_returns(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l.sqlite"
    with Ledger.open(path, jobs) as ledger:
        job = jobs.jobs[0]
        ledger.submitting(job, "hk-1", "kling-v1", 1_000)
        assert committed(path)["line-1"] == ("submitting", "hk-1", None)
        ledger.pending(job.key, "1303")
        assert committed(path)["line-1"] == ("pending", "hk-1", None)  # the id is kept
        ledger.submitting(job, "hk-1", "kling-v1", 2_000)
        ledger.submitted(job.key, "T1")
        assert committed(path)["line-1"] == ("submitted", "hk-1", "T1")
        ledger.finished(job.key, "succeeded", "0.5", None)
        ledger.note(job.key, "not downloaded: expired")
        assert ledger.rows("succeeded")[0].error == "not downloaded: expired"
        ledger.downloaded(job.key, ["a-0.mp4"])
        row = ledger.rows("downloaded")[0]
        assert (row.files, row.units, row.error, row.sent_ms, row.model_header) == (
            ("a-0.mp4",),
            "0.5",
            None,
            2_000,
            "kling-v1",
        )
        assert ledger.seconds > 0


def test_retry_failed_makes_failed_jobs_pending_with_no_external_id(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    with Ledger.open(tmp_path / "l", jobs) as ledger:
        ledger.submitting(jobs.jobs[0], "hk-1", None, 1)
        ledger.submitted(jobs.jobs[0].key, "T1")
        ledger.finished(jobs.jobs[0].key, "failed", None, "content safety")
        assert ledger.retry_failed() == 1
        [row] = ledger.rows("pending")[:1]
        assert (row.id, row.external_task_id, row.task_id, row.error, row.replaced) == (
            "line-1",
            None,
            None,
            None,
            ("T1",),  # the failed task stays on record
        )


def test_reopening_keeps_the_state_and_adds_nothing(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l"
    with Ledger.open(path, jobs) as ledger:
        ledger.set_meta("out", "/tmp/out")
        ledger.submitting(jobs.jobs[1], "hk-2", None, 1)
    with Ledger.open(path, jobs) as again:
        assert again.counts()["pending"] == 1
        assert again.counts()["submitting"] == 1
        assert again.meta("out") == "/tmp/out"


def test_a_ledger_of_another_jobs_file_is_refused_naming_both(tmp_path: Path) -> None:
    first = jobs_file(tmp_path, "first.jsonl")
    other = jobs_file(tmp_path, "other.jsonl", prompts=("c",))
    path = tmp_path / "shared.ledger"
    Ledger.open(path, first).close()
    with pytest.raises(BatchError) as caught:
        Ledger.open(path, other)
    message = str(caught.value)
    assert str(first.path) in message
    assert str(other.path) in message
    assert "nothing was sent" in message
    assert "remove" not in message  # no advice that would send every job again
    edited = jobs_file(tmp_path, "first.jsonl", prompts=("a", "b", "new"))
    with Ledger.open(path, edited) as ledger:  # the same file, edited: it carries on
        assert ledger.counts()["pending"] == 3


def test_one_run_at_a_time_holds_a_ledger_but_a_reader_may_look(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l"
    with Ledger.open(path, jobs):
        with pytest.raises(BatchError, match="another batch run is using the ledger"):
            Ledger.open(path, jobs)
        with Ledger.open(path, jobs, lock=False) as reader:
            assert reader.counts()["pending"] == 2
    Ledger.open(path, jobs).close()  # the lock went with the first run


def test_a_ledger_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    missing = tmp_path / "no" / "such" / "folder" / "l"
    with pytest.raises(BatchError, match=r"cannot open the ledger .*No such file"):
        Ledger.open(missing, jobs)
    with pytest.raises(BatchError, match="it cannot be created or opened there"):
        Ledger.open(missing, jobs, lock=False)
    with pytest.raises(BatchError, match="it cannot be created or opened there"):
        Ledger.open(tmp_path, jobs)  # a folder: the lock file opens, the database does not
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("these are my notes, not a ledger\n" * 100)
    with pytest.raises(BatchError, match=r"cannot open the ledger .*notes\.txt: file is not a"):
        Ledger.open(not_a_database, jobs)


def test_a_read_only_ledger_is_a_clear_error_and_keeps_its_last_state(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l"
    with Ledger.open(path, jobs) as ledger:
        ledger.submitting(jobs.jobs[0], "hk-1", None, 1)
        ledger._db.execute("PRAGMA query_only = ON")  # what a read-only file answers
        with pytest.raises(BatchError, match="it is read-only; the ledger keeps its last"):
            ledger.submitted(jobs.jobs[0].key, "T1")
    assert committed(path)["line-1"] == ("submitting", "hk-1", None)


class _FullDisk:
    """A connection whose writes fail the way SQLite does on a full disk."""

    def __init__(self, real: sqlite3.Connection, message: str) -> None:
        self.real, self.message = real, message

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("UPDATE"):
            raise sqlite3.OperationalError(self.message)
        return self.real.execute(sql, *args)

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize(
    ("message", "shown"),
    [("database or disk is full", "the disk is full"), ("disk I/O error", "disk I/O error")],
)
def test_a_failed_write_rolls_back_and_says_why(tmp_path: Path, message: str, shown: str) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l"
    ledger = Ledger.open(path, jobs)
    ledger._db = _FullDisk(ledger._db, message)  # type: ignore[assignment]
    with pytest.raises(BatchError, match=f"cannot write the ledger .*: {shown}"):
        ledger.submitting(jobs.jobs[0], "hk-1", None, 1)
    ledger.close()
    assert committed(path)["line-1"] == ("pending", None, None)


def test_a_reader_sees_the_files_new_jobs_as_pending_and_writes_nothing(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    path = tmp_path / "l"
    with Ledger.open(path, jobs) as run:  # a run holds the ledger
        edited = jobs_file(tmp_path, prompts=("a", "b", "appended"))
        with Ledger.open(path, edited, lock=False) as reader:
            assert [r.id for r in reader.rows()] == ["line-1", "line-2", "line-3"]
            assert reader.counts()["pending"] == 3
        assert len(committed(path)) == 2  # only the run adds jobs, when it opens the file
        assert len(run.rows()) == 2


def test_a_resend_keeps_the_earlier_task_and_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    jobs = jobs_file(tmp_path)
    with Ledger.open(tmp_path / "l", jobs) as ledger:
        first = jobs.jobs[0]
        ledger.submitting(first, "hk-1", None, 1)
        with pytest.raises(BatchError, match="whether its create made a task is not known"):
            ledger.resend(["line-1"], jobs)
        ledger.submitted(first.key, "T1")
        with pytest.raises(BatchError, match="line-2: the job was never sent"):
            ledger.resend(["line-2"], jobs)
        assert ledger.resend(["line-1"], jobs) == ["line-1"]
        row = ledger.rows()[0]
        assert (row.state, row.task_id, row.external_task_id, row.replaced) == (
            "pending",
            None,
            None,
            ("T1",),
        )


def test_an_unsent_job_is_sent_as_the_file_has_it_now_a_sent_one_keeps_its_kind(
    tmp_path: Path,
) -> None:
    def one(kind: str, **fields: Any) -> JobsFile:
        path = tmp_path / "jobs.jsonl"
        path.write_text(json.dumps({"kind": kind, "id": "j", **fields}) + "\n")
        return read_jobs(path)

    path = tmp_path / "l"
    Ledger.open(path, one("text2video", prompt="rain")).close()
    audio = one("text_to_audio", prompt="rain", duration=3)
    with Ledger.open(path, audio) as ledger:
        assert (ledger.rows()[0].kind, ledger.rows()[0].fingerprint) == (
            "text_to_audio",
            audio.jobs[0].fingerprint,
        )
        ledger.submitting(audio.jobs[0], "hk-1", None, 1)
        ledger.submitted(audio.jobs[0].key, "T1")
    with Ledger.open(path, one("text2video", prompt="rain")) as ledger:
        assert ledger.rows()[0].kind == "text_to_audio"  # its task is read as what it is
        assert [c.job.id for c in ledger.changed] == ["j"]
