"""One batch run as a plan: every decision written once, run blocking or awaited.

A round: send creates while the limiter allows (each one's external id committed to the ledger
first), read the status of every task in flight with one `wait_many` round (list pages, not a
GET per task), send more creates into the slots that freed, download what succeeded, sleep.
Jobs left `submitting` by a crash are looked up by external id before anything is sent again.
Ledger writes are local and short, so they run inline, on the event loop too.

`HAOEE_KLING_BATCH_CRASH=<point>[:<n>]` makes the process SIGKILL itself the n-th time it
reaches a named point (`before-create`, `during-create`, `after-create`, `mid-download`,
`after-download`): the seam the kill-matrix tests crash at. It does nothing when unset.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import shutil
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .._client_state import Core
from .._config import NOT_GIVEN
from .._cost import task_cost
from .._downloads import safe_part
from .._errors import (
    AccountError,
    AuthenticationError,
    BadRequestError,
    InvalidRequestError,
    KlingError,
    NotFoundError,
    PermissionDeniedError,
    PolicyError,
    RateLimitError,
    WaitTimeoutError,
)
from .._kind_names import namespace_of
from ..check._inputs import prepare_body
from ..http._sender import kind_operations
from ..plans._engine import Call, Notify, Plan, Sleep
from ..plans._polling import classify_status, default_poll_policy
from ..plans._retries import request_plan
from ..plans._submit import create_plan, lookup_plan, new_external_task_id
from ..plans._waiting import WaitSpec, read_task, wait_many_plan
from ._jobs import BatchError, Job, JobsFile
from ._ledger import Ledger, Row
from ._limit import Limiter

__all__ = [
    "CRASH_VARIABLE",
    "BatchProgress",
    "BatchRun",
    "Download",
    "WriteFailedError",
    "crash_point",
    "total_units",
    "unwritable",
]

CRASH_VARIABLE = "HAOEE_KLING_BATCH_CRASH"
_RECONCILE_TRIES = 3
_reached: collections.Counter[str] = collections.Counter()
# Errors that would end every job the same way: the run stops rather than failing them all.
_FATAL = (AuthenticationError, PermissionDeniedError, AccountError)
# Creates the server refused outright: no task exists, the job has failed.
_REFUSED = (BadRequestError, PolicyError, NotFoundError, InvalidRequestError)


def crash_point(name: str) -> None:
    """SIGKILL this process here if `HAOEE_KLING_BATCH_CRASH` names this point (test seam)."""
    wanted = os.environ.get(CRASH_VARIABLE, "")
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


@dataclass(frozen=True)
class Download:
    """The batch plan's own I/O action: save a succeeded task's files into `folder`.

    The drivers raise `WriteFailedError` when the folder cannot be written, so the plan can say
    which job it was.
    """

    task: dict[str, Any]
    folder: Path


class WriteFailedError(KlingError):
    """A `Download` could not write its files (disk full, read-only); `cause` says why."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class BatchProgress:
    """What `on_progress` receives after every round.

    Attributes:
        total: jobs in the run.
        counts: jobs per ledger state.
        in_flight: tasks created and not finished.
        limit: the in-flight limit now (lower than asked after code 1303).
        units: resource-pack units the finished tasks report, summed (None: none reported).
        refusals: creates refused for concurrency (1303) so far; none of them is a failure.
    """

    total: int
    counts: dict[str, int]
    in_flight: int
    limit: int
    units: str | None
    refusals: int


def total_units(rows: list[Row]) -> str | None:
    """The units the jobs' tasks report, summed, as a decimal string (None: none reported)."""
    known = [Decimal(r.units) for r in rows if r.units is not None]
    return str(sum(known, Decimal(0))) if known else None


@dataclass
class BatchRun:
    """The state of one run and its plan (`plan()`)."""

    core: Core
    ledger: Ledger
    jobs: JobsFile
    limiter: Limiter
    out: Path
    poll_interval: float
    on_progress: Callable[[BatchProgress], Any] | None = None
    unresolved: dict[str, str] = field(default_factory=dict)
    _tries: collections.Counter[str] = field(default_factory=collections.Counter)
    _tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    _undownloadable: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._by_key = {job.key: job for job in self.jobs.jobs}
        self._ops = kind_operations()
        # A 1303 must come back here at once (to the limiter), not wait inside the create.
        self._policy = dataclasses.replace(self.core.config.retry, concurrency_wait=0.0)

    def plan(self) -> Plan[None]:
        """Run the batch until every job is downloaded, failed, or cannot be resolved now."""
        while True:
            yield from self._reconcile(self._unsure())
            yield from self._fill()
            if self.ledger.rows("submitted"):
                yield from self._poll()
                yield from self._fill()
            yield from self._download()
            if self.on_progress is not None:
                yield Notify(self.on_progress, self.progress())
            if self._finished():
                return
            yield Sleep(self._pause())

    def progress(self) -> BatchProgress:
        """The run's counts now."""
        rows = self.ledger.rows()
        counts = self.ledger.counts()
        return BatchProgress(
            len(rows),
            counts,
            counts["submitted"] + counts["submitting"],
            self.limiter.current,
            total_units(rows),
            self.limiter.refusals,
        )

    def _unsure(self) -> list[Row]:
        """The `submitting` jobs still to look up in this run (a few tries each at most)."""
        rows = self.ledger.rows("submitting")
        return [r for r in rows if self._tries[r.key] < _RECONCILE_TRIES]

    def _in_flight(self) -> int:
        counts = self.ledger.counts()
        return counts["submitted"] + counts["submitting"]

    def _finished(self) -> bool:
        counts = self.ledger.counts()
        waiting = counts["succeeded"] - len(self._undownloadable)
        return not (counts["pending"] or counts["submitted"] or waiting or self._unsure())

    def _pause(self) -> float:
        if self._in_flight() or not self.ledger.counts()["pending"]:
            return self.poll_interval
        return max(self.limiter.pause(self.core.clock.monotonic()), 0.05)

    def _reconcile(self, rows: list[Row]) -> Plan[None]:
        """Find out whether each `submitting` job's create made a task, before any resend."""
        for row in rows:
            ops = self._ops[row.kind]
            self._tries[row.key] += 1
            try:
                found = yield from lookup_plan(
                    (ops["list"], ops["get"]),
                    str(row.external_task_id),
                    since_ms=row.sent_ms or 0,
                    model_name=row.model_header,
                    timeout=self.core.config.timeout,
                    policy=self.core.config.retry,
                    clock=self.core.clock,
                )
            except _FATAL:
                raise
            except KlingError as error:
                self.unresolved[row.id] = f"lookup failed: {error.message}"
                continue
            if isinstance(found, dict):
                self._submitted(row, str(found["task_id"]))
            elif found == "absent":
                if row.key in self._by_key:
                    self.ledger.pending(row.key)
                else:  # no task, and no job in the file any more: nothing to send or keep
                    self.ledger.forget(row.key)
                self.unresolved.pop(row.id, None)
            else:
                self.unresolved[row.id] = (
                    f"cannot prove whether external id {row.external_task_id} made a task"
                )

    def _submitted(self, row: Row, task_id: str) -> None:
        self.ledger.submitted(row.key, task_id)
        self.core.remember(task_id, row.kind, row.model_header)
        self.unresolved.pop(row.id, None)

    def _fill(self) -> Plan[None]:
        """Send creates while the limiter allows; stop at the first refusal."""
        in_flight = self._in_flight()
        for row in self.ledger.rows("pending"):
            job = self._by_key.get(row.key)
            if job is None:  # added by an edit after this run read the file: the next run
                continue
            if not self.limiter.allows(in_flight, self.core.clock.monotonic()):
                return
            if (yield from self._submit(job, row, in_flight)):
                in_flight += 1

    def _submit(self, job: Job, row: Row, in_flight: int) -> Plan[bool]:
        core, op = self.core, self._ops[job.kind]["create"]
        external = row.external_task_id or new_external_task_id()
        try:
            fields = {**job.fields, "external_task_id": external}
            body = prepare_body(op, fields, call=f"{namespace_of(job.kind)}.create")
        except InvalidRequestError as invalid:  # a media file changed since the check
            self.ledger.finished(job.key, "failed", None, invalid.message)
            return False
        header = core.create_header(op, body, NOT_GIVEN)
        self.ledger.submitting(job, external, header, int(core.clock.wall() * 1000))
        crash_point("before-create")
        try:
            task = yield from create_plan(
                Call(op, body=body, model_name=header, timeout=core.config.timeout),
                (self._ops[job.kind]["list"], self._ops[job.kind]["get"]),
                kind=job.kind,
                policy=self._policy,
                clock=core.clock,
            )
        except RateLimitError as busy:  # 1303 (or a rate limit): no task was made
            self.ledger.pending(job.key)
            self.limiter.refused(in_flight, core.clock.monotonic(), busy.retry_after)
            return False
        except _FATAL:
            raise
        except _REFUSED as refused:
            self.ledger.finished(job.key, "failed", None, refused.message)
            return False
        except KlingError as unsure:  # it may exist: looked up before any resend
            self.unresolved[job.id] = unsure.message
            return False
        crash_point("after-create")
        self.ledger.submitted(job.key, str(task["task_id"]))
        core.remember(str(task["task_id"]), job.kind, header)
        self.unresolved.pop(job.id, None)
        self.limiter.accepted()
        return True

    def _poll(self) -> Plan[None]:
        """One `wait_many` round over every task in flight: list pages, then by id."""
        rows = self.ledger.rows("submitted")
        kinds = {r.kind for r in rows}
        headers: dict[str, str | None] = {}
        for r in rows:
            headers.setdefault(r.kind, r.model_header)
        cfg = self.core.config
        # timeout 0: wait_many ends after its first round, with what finished in it.
        spec = WaitSpec(
            timeout=0.0,
            request_timeout=cfg.timeout,
            poll=cfg.poll_policy or default_poll_policy(rows[0].kind),
            retry=cfg.retry,
            clock=self.core.clock,
        )
        tasks = [(r.kind, str(r.task_id)) for r in rows]
        lists = {k: self._ops[k]["list"] for k in kinds}
        gets = {k: self._ops[k]["get"] for k in kinds}
        done: Mapping[str, dict[str, Any]]
        still: set[str] = set()
        try:
            done = yield from wait_many_plan(tasks, lists, gets, headers, spec)
        except WaitTimeoutError as timeout:
            done = getattr(timeout, "results", {})
            still = set(getattr(timeout, "pending", {}))
        for r in rows:
            task = done.get(str(r.task_id))
            if task is None and r.task_id in still:
                continue
            if task is None:  # given up by wait_many: the gateway does not know the task
                self.ledger.finished(r.key, "failed", None, f"task {r.task_id} not found")
            else:
                units = task_cost(task).units
                ok = classify_status(str(task["task_status"])) == "succeeded"
                why = None if ok else str(task.get("task_status_msg") or "no reason given")
                self._tasks[r.key] = task
                self.ledger.finished(
                    r.key,
                    "succeeded" if ok else "failed",
                    None if units is None else str(units),
                    why,
                )
            self.limiter.released()

    def _download(self) -> Plan[None]:
        """Save every succeeded job's files under its output name; the ledger says so last."""
        for row in self.ledger.rows("succeeded"):
            if row.key in self._undownloadable:
                continue
            try:
                task = self._tasks.get(row.key) or (yield from self._read(row))
                if _is_element(task):
                    # An element is kept by Kling, not a file: its task id in the manifest finds it.
                    self.ledger.downloaded(row.key, [])
                    continue
                staging = self.out / f".{row.output}.batch-part"
                shutil.rmtree(staging, ignore_errors=True)  # what a killed run left
                action: Any = Download(task, staging)  # an action of this plan's own kind
                paths: list[Path] = yield action
            except WriteFailedError as failed:
                raise unwritable(self.out, failed.cause, row) from None
            except _FATAL:
                raise
            except KlingError as error:
                self._undownloadable.add(row.key)
                self.ledger.note(row.key, f"not downloaded: {error.message}")
                continue
            prefix = safe_part(row.task_id, "result") + "-"
            names = [row.output + "-" + p.name.removeprefix(prefix) for p in paths]
            try:
                for path, name in zip(paths, names, strict=True):
                    path.replace(self.out / name)
                staging.rmdir()
            except OSError as exc:
                raise unwritable(self.out, exc, row) from None
            crash_point("after-download")
            self.ledger.downloaded(row.key, names)

    def _read(self, row: Row) -> Plan[dict[str, Any]]:
        """A succeeded task read again (a resumed run has not seen it)."""
        call = Call(
            self._ops[row.kind]["get"],
            task_id=row.task_id,
            model_name=row.model_header,
            timeout=self.core.config.timeout,
        )
        reply = yield from request_plan(call, self.core.config.retry, self.core.clock)
        return read_task(reply, row.kind, str(row.task_id))


def _is_element(task: Any) -> bool:
    """A succeeded task whose result is elements only (nothing to download)."""
    result = task.get("task_result") if isinstance(task, dict) else None
    if not isinstance(result, dict) or not result.get("elements"):
        return False
    return not any(result.get(media) for media in ("videos", "images", "audios"))


def unwritable(out: Path, exc: OSError, row: Row | None = None) -> BatchError:
    """The error for an output folder that cannot be written (read-only, disk full)."""
    which = f"job {row.id}'s files" if row is not None else "files"
    error = BatchError(
        f"cannot write {which} into {out}: {exc.strerror or exc}; the ledger keeps every task, "
        f"so rerun the same command once the folder is writable"
    )
    if row is not None:
        error.attach(task_id=row.task_id, external_task_id=row.external_task_id)
    return error
