"""Which ledger row is which job of an edited jobs file: a pure decision, no I/O.

A ledger outlives edits of its jobs file. Rows and jobs are matched by key (the job's id, or
for an id-less job a digest of its kind and fields), so a fixed or appended line is a new job
and every job already sent keeps its task. Rows no job claims are looked at again: a sent row
with the same fingerprint is the same job moved or renamed (it keeps its task); a sent row
whose id an id-less job now has (`line-3` whose content changed) is that job, changed. A job
whose fields changed after it was sent is never sent again unless asked by name (`resend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._jobs import Job

__all__ = ["Changed", "Match", "match"]


class _Row(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def fingerprint(self) -> str | None: ...


@dataclass(frozen=True)
class Changed:
    """A job whose fields differ from what its row's task was created with.

    Attributes:
        job: the job as the file has it now.
        row_key: the key of the row that keeps its task.
        task_id: that task (None while its create is unresolved).
    """

    job: Job
    row_key: str
    task_id: str | None


@dataclass
class Match:
    """What opening a ledger with a jobs file does to its rows.

    Attributes:
        claimed: row key -> the job that has it (the job's key may differ: `rekeyed`).
        rekeyed: old row key -> the job's key (a sent job moved, renamed or given an id).
        new: jobs no row has: added as pending.
        dropped: keys of pending rows no job has any more (never sent: nothing to keep).
        absent: keys of sent rows no job has any more (kept and finished: they were paid for).
        changed: jobs changed after they were sent (not sent again unless resent by name).
    """

    claimed: dict[str, Job] = field(default_factory=dict)
    rekeyed: dict[str, str] = field(default_factory=dict)
    new: list[Job] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)


def _sent(row: _Row) -> bool:
    return row.state != "pending"


def match(rows: Sequence[_Row], jobs: Sequence[Job], task_ids: dict[str, str | None]) -> Match:
    """Match a ledger's rows with the jobs of its file as the file is now.

    Args:
        rows: the ledger's rows.
        jobs: the file's valid jobs.
        task_ids: row key -> its task id (for the report of changed jobs).
    """
    found = Match()
    by_key = {row.key: row for row in rows}
    unmatched: list[Job] = []
    for job in jobs:
        row = by_key.get(job.key)
        if row is None:
            unmatched.append(job)
            continue
        found.claimed[row.key] = job
        if _sent(row) and row.fingerprint is not None and row.fingerprint != job.fingerprint:
            found.changed.append(Changed(job, row.key, task_ids.get(row.key)))
    orphans = [r for r in rows if r.key not in found.claimed and _sent(r)]
    for job in unmatched:
        same = next((r for r in orphans if r.fingerprint == job.fingerprint), None)
        if same is not None:  # moved, renamed, or given an id: the same request
            orphans.remove(same)
            found.claimed[same.key] = job
            found.rekeyed[same.key] = job.key
            continue
        was = None if job.given_id else next((r for r in orphans if r.id == job.id), None)
        if was is not None:  # an id-less line whose content changed after it was sent
            orphans.remove(was)
            found.changed.append(Changed(job, was.key, task_ids.get(was.key)))
            continue
        found.new.append(job)
    held = {c.row_key for c in found.changed}
    found.absent = [r.key for r in orphans if r.key not in held]
    found.dropped = [r.key for r in rows if r.key not in found.claimed and not _sent(r)]
    return found
