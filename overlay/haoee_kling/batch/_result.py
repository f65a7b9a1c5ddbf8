"""What a batch run returns (`BatchResult`) and the manifest it leaves in the output folder."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._kind_names import user_kind

if TYPE_CHECKING:
    from ._ledger import Row

__all__ = ["MANIFEST", "BatchResult", "write_manifest"]

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class BatchResult:
    """Where a batch stands (after a run, or read from its ledger).

    Attributes:
        jobs_file: the jobs file, absolute.
        ledger: the ledger file.
        out: the output folder (None when no run has named one yet).
        manifest: `manifest.jsonl` in `out`, when this call wrote it.
        counts: jobs per state (pending, submitting, submitted, succeeded, failed, downloaded).
        units: resource-pack units reported by the finished tasks, summed (None: none).
        skipped: the problems of the invalid jobs left out (`skip_invalid`), `FILE:LINE: ...`.
        failed: (job id, why) of every failed job.
        unresolved: (job id, why) of jobs whose create could not be resolved in this run; the
            next run looks them up again before sending anything.
        changed: (job id, task id) of jobs whose fields changed after they were sent: each
            keeps its task and is sent again only when named (`resend`).
        refusals: creates refused for concurrency (code 1303) in this run; never failures.
        ledger_seconds: wall time spent writing the ledger in this run.
    """

    jobs_file: Path
    ledger: Path
    out: Path | None
    manifest: Path | None
    counts: Mapping[str, int]
    units: str | None
    skipped: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    unresolved: tuple[tuple[str, str], ...] = ()
    changed: tuple[tuple[str, str | None], ...] = ()
    refusals: int = 0
    ledger_seconds: float = 0.0
    jobs: tuple[Row, ...] = field(default=(), repr=False)

    @property
    def total(self) -> int:
        """Jobs in the ledger."""
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        """Whether every job is downloaded."""
        return self.counts.get("downloaded", 0) == self.total

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (paths as strings)."""
        return {
            "jobs_file": str(self.jobs_file),
            "ledger": str(self.ledger),
            "out": None if self.out is None else str(self.out),
            "manifest": None if self.manifest is None else str(self.manifest),
            "total": self.total,
            "counts": dict(self.counts),
            "units": self.units,
            "skipped": list(self.skipped),
            "failed": [{"job": j, "error": e} for j, e in self.failed],
            "unresolved": [{"job": j, "error": e} for j, e in self.unresolved],
            "changed": [{"job": j, "task_id": t} for j, t in self.changed],
            "refusals": self.refusals,
        }


def _manifest_line(row: Row) -> str:
    return json.dumps(
        {
            "job": row.id,
            "line": row.line,
            "kind": user_kind(row.kind),
            "task_id": row.task_id,
            "external_task_id": row.external_task_id,
            "status": row.state,
            "files": list(row.files),
            "units": row.units,
            "error": row.error,
        }
        | ({"replaced": list(row.replaced)} if row.replaced else {})
        | ({} if row.present else {"in_jobs_file": False}),
        ensure_ascii=False,
    )


def write_manifest(out: Path, rows: list[Row]) -> Path:
    """Write `manifest.jsonl` (one line per job) atomically: a temp file renamed in place."""
    dest = out / MANIFEST
    for stale in out.glob(f".{MANIFEST}.*.part"):  # a killed run's unfinished manifest
        stale.unlink(missing_ok=True)
    temp = out / f".{MANIFEST}.{os.getpid()}.part"
    temp.write_text("".join(_manifest_line(row) + "\n" for row in rows), encoding="utf-8")
    temp.replace(dest)
    return dest
