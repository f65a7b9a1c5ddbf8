"""The batch ledger: one SQLite file (standard library, WAL) that is a batch's only state.

Each job moves pending -> submitting -> submitted -> succeeded | failed -> downloaded, one
committed transaction per move. The order of two of them is the whole point: a job's
`external_task_id` is committed (state `submitting`) before its create is sent, so after a
crash at any moment a rerun knows which creates may have reached Kling and looks them up
instead of sending them again. A ledger belongs to one jobs file (its path is stored) and keeps
up with edits of it: jobs are matched by key (`_match`), so fixed and appended lines are
sent, jobs already sent keep their tasks, and a job changed after it was sent is reported and
sent again only by name (`resend`). One run at a time holds it (an OS lock that a killed
process releases); a reader opens it read-only and changes nothing.
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

from ._jobs import BatchError, Job, JobsFile
from ._match import Changed, Match, match
from ._migrate import migrate

__all__ = ["FORMAT", "STATES", "Ledger", "Row", "default_ledger_path"]

STATES = ("pending", "submitting", "submitted", "succeeded", "failed", "downloaded")
FORMAT = "2"  # 1 (no `format` in meta): keyed by id, bound to the jobs file's sha256

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY, id TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL,
    output TEXT NOT NULL, fingerprint TEXT, present INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL DEFAULT 'pending', external_task_id TEXT, task_id TEXT,
    model_header TEXT, sent_ms INTEGER, files TEXT, units TEXT, error TEXT, replaced TEXT
);
"""
_COLUMNS = (
    "key, id, line, kind, output, fingerprint, present, state, external_task_id, task_id, "
    "model_header, sent_ms, files, units, error, replaced"
)


def default_ledger_path(jobs: Path) -> Path:
    """Where a jobs file's ledger lives unless told otherwise: `<jobs file>.ledger` beside it."""
    return jobs.with_name(jobs.name + ".ledger")


@dataclass(frozen=True)
class Row:
    """One job as the ledger has it.

    `key` is what the ledger knows the job by (see `Job.key`); `id` is its id for people;
    `files` are names inside the output folder; `present` is False for a job sent and then
    taken out of the jobs file (still finished: it was paid for); `replaced` lists the tasks of
    earlier sends of a job sent again on purpose.
    """

    key: str
    id: str
    line: int
    kind: str
    output: str
    fingerprint: str | None
    present: bool
    state: str
    external_task_id: str | None
    task_id: str | None
    model_header: str | None
    sent_ms: int | None
    files: tuple[str, ...]
    units: str | None
    error: str | None
    replaced: tuple[str, ...] = ()


def _row(values: Sequence[Any]) -> Row:
    key, ident, line, kind, output, fp, present, state, external, task_id, *rest = values
    header, sent_ms, files, units, error, replaced = rest
    return Row(
        key, ident, line, kind, output, fp, bool(present), state, external, task_id, header,
        sent_ms, tuple(json.loads(files)) if files else (), units, error,
        tuple(json.loads(replaced)) if replaced else (),
    )  # fmt: skip


def _reason(error: Exception) -> str:
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
        changed: the jobs whose fields changed after they were sent (kept, not sent again).
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, lock: Any) -> None:
        self.path = path
        self._db = connection
        self._lock = lock
        self.seconds = 0.0
        self.changed: tuple[Changed, ...] = ()
        self._new: tuple[Job, ...] = ()

    @classmethod
    def open(cls, path: Path, jobs: JobsFile, *, lock: bool = True) -> Ledger:
        """Open (or create) the ledger of a jobs file and bring it up to date with the file.

        Jobs are matched by key: new ones are added as `pending`, pending ones no longer in
        the file are dropped, sent ones keep their rows and tasks (see `_match`).

        Args:
            path: the SQLite file.
            jobs: the jobs file it belongs to.
            lock: hold the run lock and write (False: only read, alongside a run; the file's
                new jobs then show as pending without being written).

        Raises:
            BatchError: the ledger belongs to another jobs file (both are named), another run
                holds it, it cannot be created or written (read-only, disk full), or it was
                written by an earlier version and cannot be matched with the file as it is.
        """
        held = _lock(path) if lock else None
        try:
            where = path.absolute().as_uri() + ("" if lock else "?mode=ro")
            db = sqlite3.connect(where, isolation_level=None, timeout=5.0, uri=True)
        except (sqlite3.Error, ValueError) as exc:
            if held is not None:
                held.close()
            raise BatchError(f"cannot open the ledger {path}: {_reason(exc)}") from None
        ledger = cls(path, db, held)
        try:
            if lock:
                # WAL: a reader never blocks the writer; FULL: a commit survives power loss
                # too, which is what "committed before the create is sent" has to mean.
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                with ledger._write():
                    ledger._adopt(jobs, write=True)
            else:
                ledger._adopt(jobs, write=False)
        except sqlite3.Error as exc:  # not a database at all, or one that cannot be set up
            ledger.close()
            raise BatchError(f"cannot open the ledger {path}: {_reason(exc)}") from None
        except BaseException:
            ledger.close()
            raise
        return ledger

    def _adopt(self, jobs: JobsFile, *, write: bool) -> None:
        db = self._db
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables and write:
            # Statement by statement: executescript would commit on its own.
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall()) if tables else {}
        if meta and meta.get("jobs_path") != str(jobs.path):
            raise BatchError(
                f"the ledger {self.path} belongs to the jobs file {meta.get('jobs_path')}, not "
                f"to {jobs.path}; nothing was sent. To carry on that batch, run it with its own "
                f"jobs file (edits of it are safe: jobs are matched by id). A ledger of "
                f"{jobs.path.name}'s own (another --ledger) would send every job in it as new"
            )
        if meta and meta.get("format") != FORMAT:
            if not write:
                raise BatchError(
                    f"the ledger {self.path} was written by an earlier haoee-kling; the next "
                    f"`kling batch run` of the same jobs file upgrades it (nothing is sent twice)"
                )
            migrate(db, self.path, meta, jobs, _SCHEMA, FORMAT)
        if not meta and write:
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("jobs_path", str(jobs.path)), ("format", FORMAT)],
            )
        rows = self._read_rows("") if tables or write else []
        found = match(rows, jobs.jobs, {r.key: r.task_id for r in rows})
        self.changed = tuple(found.changed)
        self._new = tuple(found.new)
        if write:
            self._apply(found)

    def _apply(self, found: Match) -> None:
        db = self._db
        db.executemany("DELETE FROM jobs WHERE key = ?", [(key,) for key in found.dropped])
        db.executemany("UPDATE jobs SET present = 0 WHERE key = ?", [(k,) for k in found.absent])
        states = dict(db.execute("SELECT key, state FROM jobs").fetchall())
        # Files on disk keep their names; a job that would take one (`line-1` after a line
        # was inserted above) gets `line-1.2`, so no download ever replaces another job's.
        taken = {o for (o,) in db.execute("SELECT output FROM jobs WHERE state = 'downloaded'")}
        for key, job in found.claimed.items():
            output = None if states[key] == "downloaded" else _free(job.output, taken)
            db.execute(
                "UPDATE jobs SET key = ?, id = ?, line = ?, present = 1, "
                "output = COALESCE(?, output), "
                # A pending job was never sent: it is sent as the file has it now. A sent one
                # keeps the kind its task was made by (its status is read by that kind).
                "fingerprint = CASE WHEN state = 'pending' THEN ? ELSE fingerprint END, "
                "kind = CASE WHEN state = 'pending' THEN ? ELSE kind END "
                "WHERE key = ?",
                (
                    found.rekeyed.get(key, key),
                    job.id,
                    job.line,
                    output,
                    job.fingerprint,
                    job.kind,
                    key,
                ),
            )
        db.executemany(
            "UPDATE jobs SET present = 1 WHERE key = ?", [(c.row_key,) for c in found.changed]
        )
        db.executemany(
            "INSERT INTO jobs (key, id, line, kind, output, fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (j.key, j.id, j.line, j.kind, _free(j.output, taken), j.fingerprint)
                for j in found.new
            ],
        )
        self._new = ()

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

    def _set(self, key: str, **values: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        with self._write():
            self._db.execute(f"UPDATE jobs SET {names} WHERE key = ?", [*values.values(), key])

    # ------------------------------------------------------------------ reading
    def _read_rows(self, where: str, *args: Any) -> list[Row]:
        query = f"SELECT {_COLUMNS} FROM jobs{where} ORDER BY present DESC, line"
        return [_row(values) for values in self._db.execute(query, args).fetchall()]

    def rows(self, *states: str) -> list[Row]:
        """The jobs in these states (all jobs when none is given), in file order; jobs taken
        out of the file last. A read-only ledger shows the file's new jobs as pending."""
        where = f" WHERE state IN ({', '.join('?' * len(states))})" if states else ""
        found = self._read_rows(where, *states)
        if self._new and (not states or "pending" in states):
            found += [_unsent(job) for job in self._new]
            found.sort(key=lambda r: (not r.present, r.line))
        return found

    def counts(self) -> dict[str, int]:
        """Jobs per state (every state present, 0 included)."""
        found = dict(self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
        found["pending"] = found.get("pending", 0) + len(self._new)
        return {state: int(found.get(state, 0)) for state in STATES}

    def meta(self, key: str) -> str | None:
        """A stored setting (`out`, `jobs_path`, `format`), or None."""
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
            job.key,
            state="submitting",
            external_task_id=external_task_id,
            model_header=header,
            sent_ms=now_ms,
            fingerprint=job.fingerprint,
            error=None,
        )

    def submitted(self, key: str, task_id: str) -> None:
        """submitting -> submitted: the task exists and this is its id."""
        self._set(key, state="submitted", task_id=task_id, error=None)

    def pending(self, key: str, why: str | None = None) -> None:
        """submitting -> pending: the create provably made no task (1303, or a lookup proved
        it absent); the external id is kept, so a resend is the same create."""
        self._set(key, state="pending", error=why)

    def finished(self, key: str, state: str, units: str | None, error: str | None) -> None:
        """-> succeeded or failed, with the units the task reports and the failure message."""
        self._set(key, state=state, units=units, error=error)

    def note(self, key: str, error: str) -> None:
        """Record a problem that does not change the job's state (a download that failed)."""
        self._set(key, error=error)

    def downloaded(self, key: str, files: Sequence[str]) -> None:
        """succeeded -> downloaded: every file is in the output folder under these names."""
        self._set(key, state="downloaded", files=json.dumps(list(files)), error=None)

    def forget(self, key: str) -> None:
        """Drop a row whose create provably made no task and whose job left the file."""
        with self._write():
            self._db.execute("DELETE FROM jobs WHERE key = ?", (key,))

    def retry_failed(self) -> int:
        """failed -> pending with a fresh external id (a new, billed task), for the failed jobs
        still in the file and unchanged (a changed one is sent by `resend`); the failed task
        is kept in `replaced`. Returns how many."""
        held = {c.row_key for c in self.changed}
        again = [r for r in self.rows("failed") if r.present and r.key not in held]
        self._again([(row, None) for row in again])
        return len(again)

    def _again(self, plan: Sequence[tuple[Row, Job | None]]) -> None:
        """Rows to send again (as the job now is, when given): pending, no task, the earlier
        task recorded in `replaced`. One transaction."""
        with self._write():
            for row, job in plan:
                now: Row | Job = job or row
                replaced = [*row.replaced, *([row.task_id] if row.task_id else [])]
                self._db.execute(
                    "UPDATE jobs SET key = ?, id = ?, line = ?, kind = ?, output = ?, "
                    "fingerprint = ?, present = 1, state = 'pending', external_task_id = NULL, "
                    "task_id = NULL, sent_ms = NULL, files = NULL, units = NULL, error = NULL, "
                    "replaced = ? WHERE key = ?",
                    (now.key, now.id, now.line, now.kind, now.output, now.fingerprint,
                     json.dumps(replaced), row.key),
                )  # fmt: skip

    def resend(self, ids: Sequence[str], jobs: JobsFile) -> list[str]:
        """Send these jobs again as the file has them now: new, billed tasks. The tasks of the
        earlier sends are kept in `replaced` (and the manifest). Returns the ids resent.

        Raises:
            BatchError: an id is not a job of the file, was never sent (a run sends it), or
                its create is not resolved yet (nothing is changed then).
        """
        by_id = {job.id: job for job in jobs.jobs}
        rows = {r.key: r for r in self.rows()}
        held = {c.job.id: c.row_key for c in self.changed}
        plan: list[tuple[Row, Job]] = []
        for ident in dict.fromkeys(ids):
            job = by_id.get(ident)
            row = rows.get(held.get(ident, job.key if job else ""))
            if job is None:
                raise BatchError(f"--resend {ident}: no job of {jobs.path} has that id")
            if row is None or row.state == "pending":
                raise BatchError(f"--resend {ident}: the job was never sent; a run sends it")
            if row.state == "submitting":
                raise BatchError(
                    f"--resend {ident}: whether its create made a task is not known yet; run "
                    f"without --resend first (it is looked up, not sent again)"
                )
            plan.append((row, job))
        self._again(plan)
        resent = {job.id for _, job in plan}
        self.changed = tuple(c for c in self.changed if c.job.id not in resent)
        return [job.id for _, job in plan]

    def close(self) -> None:
        """Close the database and release the lock."""
        self._db.close()
        if self._lock is not None:
            self._lock.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free(output: str, taken: set[str]) -> str:
    """`output`, or `output.2`, `output.3`, ... when files of another job have that name."""
    name, n = output, 1
    while name in taken:
        n += 1
        name = f"{output}.{n}"
    taken.add(name)
    return name


def _unsent(job: Job) -> Row:
    """A job of the file that a read-only ledger does not have yet: pending."""
    return Row(
        job.key, job.id, job.line, job.kind, job.output, job.fingerprint, True, "pending",
        None, None, None, None, (), None, None,
    )  # fmt: skip


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
