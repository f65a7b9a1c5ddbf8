"""Upgrading a batch ledger of the first format (keyed by job id, bound to the jobs file's
sha256) to the current one (keyed by `Job.key`, matched with edits of the file).

An upgrade never guesses: a job that was sent is carried over only when it is certainly the
same job, so no task is lost and none is sent twice; otherwise the run is refused and told how
to go on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ._jobs import BatchError, JobsFile

__all__ = ["migrate"]


def migrate(
    db: sqlite3.Connection,
    path: Path,
    meta: dict[str, str],
    jobs: JobsFile,
    schema: str,
    version: str,
) -> None:
    """Rewrite a format-1 ledger (rows keyed by id; bound to the file's sha256) as format 2.

    Every sent row must be matched to its job for sure: by id, when the file is unchanged
    (the sha256 still matches) or the job gives that id itself. Otherwise nothing is written
    and the error says how to carry on without sending anything twice. Runs inside the
    caller's transaction; `schema` and `version` are the ledger's.

    Raises:
        BatchError: a sent job cannot be matched for sure (the message says what to do).
    """
    old = db.execute(
        "SELECT id, line, kind, state, external_task_id, task_id, model_header, sent_ms, "
        "files, units, error FROM jobs"
    ).fetchall()
    same_file = meta.get("jobs_sha256") == jobs.sha256
    by_id = {job.id: job for job in jobs.jobs}
    rows: list[tuple[Any, ...]] = []
    for ident, line, kind, state, external, *rest in old:
        if state == "pending":
            continue  # never made a task: the file's job is added again as it is now
        job = by_id.get(ident)
        if job is not None and (same_file or job.given_id):
            fp = job.fingerprint if same_file else None  # what was sent then is unknown
            rows.append((job.key, ident, job.line, kind, job.output, fp, 1, state, external, *rest))
        elif same_file:  # its job is skipped now: keep its task, out of the file
            rows.append((f"id:{ident}", ident, line, kind, ident, None, 0, state, external, *rest))
        else:
            raise BatchError(
                f"the ledger {path} was written by an earlier haoee-kling for "
                f"{jobs.path} as it was then (sha256 {meta.get('jobs_sha256', '')[:12]}), and "
                f"its job {ident} (line {line}), sent then, cannot be matched for sure with the "
                f"file as it is now. Nothing was sent. Give that job its id in the file "
                f'("id": "{ident}"), or run once with the file as it was: the ledger is '
                f"then upgraded, and edits are safe from then on"
            )
    db.execute("DROP TABLE jobs")
    for statement in filter(str.strip, schema.split(";")):
        db.execute(statement)
    db.executemany(
        "INSERT INTO jobs (key, id, line, kind, output, fingerprint, present, state, "
        "external_task_id, task_id, model_header, sent_ms, files, units, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("DELETE FROM meta WHERE key = 'jobs_sha256'")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (version,))
