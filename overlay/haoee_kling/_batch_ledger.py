"""The batch ledger: one SQLite file (standard library, WAL) that is a batch's only state.

Each job moves pending -> submitting -> submitted -> succeeded | failed -> downloaded, one
committed transaction per move. The order of two of them is the whole point: a job's
`external_task_id` is committed (state `submitting`) before its create is sent, so after a
crash at any moment a rerun knows which creates may have reached Kling and looks them up
instead of sending them again. A ledger belongs to one jobs file (its sha256 is stored) and
refuses any other; one run at a time holds it (an OS lock that a killed process releases).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._batch_jobs import BatchError, Job, JobsFile

__all__ = ["STATES", "Ledger", "Row", "default_ledger_path"]

STATES = ("pending", "submitting", "submitted", "succeeded", "failed", "downloaded")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, line INTEGER NOT NULL, kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', external_task_id TEXT, task_id TEXT,
    model_header TEXT, sent_ms INTEGER, files TEXT, units TEXT, error TEXT
);
"""
_COLUMNS = "id, line, kind, state, external_task_id, task_id, model_header, sent_ms, files, units"


def default_ledger_path(jobs: Path) -> Path:
    """Where a jobs file's ledger lives unless told otherwise: `<jobs file>.ledger` beside it."""
    return jobs.with_name(jobs.name + ".ledger")


@dataclass(frozen=True)
class Row:
    """One job as the ledger has it (`files`: names inside the output folder)."""

    id: str
    line: int
    kind: str
    state: str
    external_task_id: str | None
    task_id: str | None
    model_header: str | None
    sent_ms: int | None
    files: tuple[str, ...]
    units: str | None
    error: str | None


def _row(values: Sequence[Any]) -> Row:
    ident, line, kind, state, external, task_id, header, sent_ms, files, units, error = values
    names = tuple(json.loads(files)) if files else ()
    return Row(ident, line, kind, state, external, task_id, header, sent_ms, names, units, error)


def _reason(error: sqlite3.Error) -> str:
    text = str(error)
    if "readonly" in text:
        return "it is read-only"
    if "full" in text:
        return "the disk is full"
    if "unable to open" in text:
        return "it cannot be created or opened there"
    return text


class Ledger:
    """An open ledger. Use `Ledger.open`; close it (or use it as a context manager).

    Attributes:
        path: the SQLite file.
        seconds: wall time spent in ledger writes so far (the batch's bookkeeping cost).
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, lock: Any) -> None:
        self.path = path
        self._db = connection
        self._lock = lock
        self.seconds = 0.0

    @classmethod
    def open(cls, path: Path, jobs: JobsFile, *, lock: bool = True) -> Ledger:
        """Open (or create) the ledger of a jobs file and add its jobs as `pending`.

        Args:
            path: the SQLite file.
            jobs: the jobs file it belongs to.
            lock: hold the run lock (False: only to read, alongside a run).

        Raises:
            BatchError: the ledger belongs to another jobs file (both are named), another run
                holds it, or it cannot be created or written (read-only, disk full).
        """
        held = _lock(path) if lock else None
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as exc:
            if held is not None:
                held.close()
            raise BatchError(f"cannot open the ledger {path}: {_reason(exc)}") from None
        ledger = cls(path, db, held)
        try:
            # WAL: a reader never blocks the writer; FULL: a commit survives power loss too,
            # which is what "committed before the create is sent" has to mean.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            with ledger._write():
                # Statement by statement: executescript would commit on its own.
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                ledger._adopt(jobs)
        except sqlite3.Error as exc:  # not a database at all, or one that cannot be set up
            ledger.close()
            raise BatchError(f"cannot open the ledger {path}: {_reason(exc)}") from None
        except BaseException:
            ledger.close()
            raise
        return ledger

    def _adopt(self, jobs: JobsFile) -> None:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if meta and meta.get("jobs_sha256") != jobs.sha256:
            same = meta.get("jobs_path") == str(jobs.path)
            then = " as it was when the ledger was written" if same else ""
            raise BatchError(
                f"the ledger {self.path} belongs to the jobs file {meta.get('jobs_path')}{then} "
                f"(sha256 {str(meta.get('jobs_sha256'))[:12]}), not to {jobs.path} (sha256 "
                f"{jobs.sha256[:12]}); give another --ledger, or remove {self.path} to start over"
            )
        if meta:
            return
        self._db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("jobs_path", str(jobs.path)), ("jobs_sha256", jobs.sha256)],
        )
        self._db.executemany(
            "INSERT INTO jobs (id, line, kind) VALUES (?, ?, ?)",
            [(job.id, job.line, job.kind) for job in jobs.jobs],
        )

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction: committed on success, rolled back (the ledger unchanged) on error."""
        started = time.perf_counter()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise BatchError(
                f"cannot write the ledger {self.path}: {_reason(exc)}; the ledger keeps its "
                f"last committed state, so a rerun resumes from there"
            ) from None
        finally:
            self.seconds += time.perf_counter() - started

    def _set(self, job_id: str, **values: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        with self._write():
            self._db.execute(f"UPDATE jobs SET {names} WHERE id = ?", [*values.values(), job_id])

    # ------------------------------------------------------------------ reading
    def rows(self, *states: str) -> list[Row]:
        """The jobs in these states (all jobs when none is given), in file order."""
        where = f" WHERE state IN ({', '.join('?' * len(states))})" if states else ""
        query = f"SELECT {_COLUMNS}, error FROM jobs{where} ORDER BY line"
        return [_row(values) for values in self._db.execute(query, states).fetchall()]

    def counts(self) -> dict[str, int]:
        """Jobs per state (every state present, 0 included)."""
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
        return {state: int(found.get(state, 0)) for state in STATES}

    def meta(self, key: str) -> str | None:
        """A stored setting (`out`, `jobs_path`, `jobs_sha256`), or None."""
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    # ------------------------------------------------------------------ moves
    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the batch (the output folder, so `retry` and `status` find it)."""
        with self._write():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def submitting(self, job: Job, external_task_id: str, header: str | None, now_ms: int) -> None:
        """pending -> submitting, committed: from now on the create may reach Kling."""
        self._set(
            job.id,
            state="submitting",
            external_task_id=external_task_id,
            model_header=header,
            sent_ms=now_ms,
            error=None,
        )

    def submitted(self, job_id: str, task_id: str) -> None:
        """submitting -> submitted: the task exists and this is its id."""
        self._set(job_id, state="submitted", task_id=task_id, error=None)

    def pending(self, job_id: str, why: str | None = None) -> None:
        """submitting -> pending: the create provably made no task (1303, or a lookup proved
        it absent); the external id is kept, so a resend is the same create."""
        self._set(job_id, state="pending", error=why)

    def finished(self, job_id: str, state: str, units: str | None, error: str | None) -> None:
        """-> succeeded or failed, with the units the task reports and the failure message."""
        self._set(job_id, state=state, units=units, error=error)

    def note(self, job_id: str, error: str) -> None:
        """Record a problem that does not change the job's state (a download that failed)."""
        self._set(job_id, error=error)

    def downloaded(self, job_id: str, files: Sequence[str]) -> None:
        """succeeded -> downloaded: every file is in the output folder under these names."""
        self._set(job_id, state="downloaded", files=json.dumps(list(files)), error=None)

    def retry_failed(self) -> int:
        """failed -> pending with a fresh external id (a new, billed task); returns how many."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE jobs SET state = 'pending', external_task_id = NULL, task_id = NULL, "
                "sent_ms = NULL, units = NULL, error = NULL WHERE state = 'failed'"
            )
        return int(cursor.rowcount)

    def close(self) -> None:
        """Close the database and release the lock."""
        self._db.close()
        if self._lock is not None:
            self._lock.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(path: Path) -> Any:
    """Hold `<ledger>.lock` for this process (released by the OS if the process dies)."""
    try:
        handle = path.with_name(path.name + ".lock").open("a+b")  # held until `close`
    except OSError as exc:
        raise BatchError(f"cannot open the ledger {path}: {exc.strerror or exc}") from None
    try:
        import fcntl
    except ImportError:  # pragma: no cover -- Windows: no advisory lock
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise BatchError(
            f"another batch run is using the ledger {path}; wait for it to end"
        ) from None
    return handle
