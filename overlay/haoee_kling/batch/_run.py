"""`kling.batch`: run a jobs file to the end, resumably, on `Kling` (blocking) and `AsyncKling`.

Both run the same plan (`_plan.BatchRun`); they differ only in how a request and a download
are performed. The ledger, the jobs file and the manifest are opened here and always closed
here, whatever ends the run (an error, Ctrl-C): nothing half-written is left behind, and the
next run of the same call resumes from the ledger.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._config import check_count, check_seconds
from .._downloads import destination_problem
from .._errors import InvalidRequestError
from ..plans._engine import arun
from ..plans._engine import run as run_plan
from ._jobs import BatchError, read_jobs
from ._ledger import Ledger, default_ledger_path
from ._limit import Limiter
from ._plan import BatchRun, Download, WriteFailedError, crash_point, total_units, unwritable
from ._result import MANIFEST, BatchResult, write_manifest

if TYPE_CHECKING:
    from .._client_state import Core
    from ._jobs import JobsFile
    from ._plan import BatchProgress

__all__ = ["AsyncBatch", "SyncBatch", "read_status"]

_DEFAULT_POLL = 5.0


def _open(
    jobs: str | Path, ledger: str | Path | None, out: str | Path | None, skip_invalid: bool
) -> tuple[JobsFile, Ledger, Path]:
    """The jobs file, its ledger (locked) and the output folder, every one checked before
    anything is sent.

    Raises:
        BatchError: the jobs file, the ledger or the output folder is unusable; or a new
            ledger would write into a folder that holds another batch's manifest (its jobs
            would be sent again and its files replaced).
    """
    jobs_file = read_jobs(jobs, skip_invalid=skip_invalid)
    where = Path(ledger) if ledger is not None else default_ledger_path(jobs_file.path)
    given = Path(out).expanduser().absolute() if out is not None else None
    if not where.exists():
        if given is None:
            raise BatchError("give the output folder (out=..., or --out DIR) on the first run")
        if (given / MANIFEST).exists():
            raise BatchError(
                f"{given} holds the {MANIFEST} of a batch that the new ledger {where} does "
                f"not know: running would send its jobs again and replace their files. Nothing "
                f"was sent. Give the ledger that wrote it (--ledger), or another --out"
            )
        problem = destination_problem(where.parent)
        if problem is not None:
            raise BatchError(f"cannot create the ledger {where}: {problem}; nothing was sent")
    if given is not None and (problem := destination_problem(given)) is not None:
        raise BatchError(f"cannot use the output folder {given}: {problem}; nothing was sent")
    book = Ledger.open(where, jobs_file)
    try:
        stored = book.meta("out")
        folder = given or (Path(stored) if stored else None)
        if folder is None:
            raise BatchError("give the output folder (out=..., or --out DIR) on the first run")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"cannot create the output folder {folder}: {exc.strerror}") from None
        if stored != str(folder):
            book.set_meta("out", str(folder))
    except BaseException:
        book.close()
        raise
    return jobs_file, book, folder


def _result(jobs_file: JobsFile, book: Ledger, out: Path | None, run: Any = None) -> BatchResult:
    rows = book.rows()
    if run is not None and out is not None:
        manifest: Path | None = write_manifest(out, rows)
    else:  # a status: the manifest the last run wrote, if there is one
        manifest = out / MANIFEST if out is not None and (out / MANIFEST).exists() else None
    return BatchResult(
        jobs_file=jobs_file.path,
        ledger=book.path,
        out=out,
        manifest=manifest,
        counts=book.counts(),
        units=total_units(rows),
        skipped=jobs_file.skipped,
        failed=tuple((r.id, r.error or "failed") for r in rows if r.state == "failed"),
        unresolved=tuple(sorted(getattr(run, "unresolved", {}).items())),
        changed=tuple((c.job.id, c.task_id) for c in book.changed),
        refusals=getattr(getattr(run, "limiter", None), "refusals", 0),
        ledger_seconds=book.seconds,
        jobs=tuple(rows),
    )


def read_status(jobs: str | Path, ledger: str | Path | None) -> BatchResult:
    """Where a batch stands, from its ledger alone (no lock: safe while a run goes on).

    Raises:
        BatchError: no ledger exists yet, or it belongs to another jobs file.
    """
    jobs_file = read_jobs(jobs, skip_invalid=True)
    path = Path(ledger) if ledger is not None else default_ledger_path(jobs_file.path)
    if not path.exists():
        raise BatchError(f"no ledger at {path}: nothing has run for {jobs_file.path} yet")
    with Ledger.open(path, jobs_file, lock=False) as book:
        out = book.meta("out")
        return _result(jobs_file, book, Path(out) if out else None)


class _Batch:
    """What both flavours share: the client's core, its sender and its download method."""

    def __init__(self, core: Core, sender: Callable[[Any], Any], download: Any) -> None:
        self._core, self._sender, self._download = core, sender, download

    def _prepare(
        self,
        jobs: str | Path,
        *,
        out: str | Path | None,
        ledger: str | Path | None,
        concurrency: int,
        skip_invalid: bool,
        poll_interval: float | None,
        on_progress: Callable[[BatchProgress], Any] | None,
        retry_failed: bool,
        resend: tuple[str, ...] = (),
    ) -> BatchRun:
        # The numbers are checked before any file is touched.
        check_count("concurrency", concurrency, minimum=1, error=InvalidRequestError)
        check_seconds(
            "poll_interval",
            poll_interval,
            none="the client's poll interval",
            error=InvalidRequestError,
        )
        limiter = Limiter(concurrency)
        jobs_file, book, folder = _open(jobs, ledger, out, skip_invalid)
        try:
            if resend:
                book.resend(resend, jobs_file)
            if retry_failed:
                book.retry_failed()
        except BaseException:
            book.close()
            raise
        policy = self._core.config.poll_policy
        interval = poll_interval or (policy.interval if policy else _DEFAULT_POLL)
        return BatchRun(self._core, book, jobs_file, limiter, folder, interval, on_progress)

    def _finish(self, run: BatchRun, error: BaseException | None) -> BatchResult:
        """Write the manifest and close the ledger, whatever ended the run.

        Raises:
            BaseException: `error`, when the run ended with one.
            BatchError: the manifest cannot be written (the output folder is read-only, full).
        """
        if isinstance(error, BatchError):
            error.during_run = True  # creates may have been sent: a local write failed
        try:
            if error is not None:
                # The manifest of where the run stopped, if it can be written at all: the
                # error in hand is what the caller must see, not a second one about the disk.
                with contextlib.suppress(Exception):
                    write_manifest(run.out, run.ledger.rows())
                raise error
            try:
                return _result(run.jobs, run.ledger, run.out, run)
            except OSError as exc:
                raise unwritable(run.out, exc) from None
        finally:
            run.ledger.close()

    def _downloaded(self, event: Any) -> None:
        crash_point("mid-download")


class SyncBatch(_Batch):
    """`kling.batch` on `Kling`: many jobs from a file, within the account's concurrency."""

    def run(
        self,
        jobs: str | Path,
        *,
        out: str | Path | None = None,
        ledger: str | Path | None = None,
        concurrency: int = 5,
        skip_invalid: bool = False,
        poll_interval: float | None = None,
        on_progress: Callable[[BatchProgress], Any] | None = None,
        resend: Sequence[str] = (),
    ) -> BatchResult:
        """Run (or resume) every job of a jobs file and download the results into `out`.

        Args:
            jobs: a JSON Lines or CSV jobs file (see the README), checked whole first.
            out: the output folder (default: the one the ledger remembers).
            ledger: the SQLite ledger (default: `<jobs file>.ledger` beside it).
            concurrency: the most tasks in flight at once (lowered while code 1303 says so).
            skip_invalid: run the valid jobs and report the others instead of refusing.
            poll_interval: seconds between status rounds (default: the client's poll
                interval, or 5 s); each round is one list request per kind in flight.
            on_progress: called with a `BatchProgress` after every round.
            resend: ids of jobs already sent to send again as the file has them now (new
                tasks, billed again; the earlier tasks are kept in the manifest). A job whose
                fields changed after it was sent is otherwise kept as it was and reported in
                `changed`.

        Returns:
            Where the batch stands; `manifest.jsonl` in `out` lists every job.

        Raises:
            InvalidJobsError: some jobs are invalid; nothing was sent.
            BatchError: the jobs file, ledger or output folder is unusable (the message says
                which and why); the ledger keeps its last committed state.
            KlingError: an error that would fail every job (authentication, the account).
        """
        return self._execute(self._prepare(jobs, **_options(locals()), retry_failed=False))

    def retry_failed(
        self,
        jobs: str | Path,
        *,
        out: str | Path | None = None,
        ledger: str | Path | None = None,
        concurrency: int = 5,
        skip_invalid: bool = False,
        poll_interval: float | None = None,
        on_progress: Callable[[BatchProgress], Any] | None = None,
        resend: Sequence[str] = (),
    ) -> BatchResult:
        """Send every failed job again (a new task, billed again), then run as `run` does."""
        return self._execute(self._prepare(jobs, **_options(locals()), retry_failed=True))

    def status(self, jobs: str | Path, *, ledger: str | Path | None = None) -> BatchResult:
        """Where a batch stands, read from its ledger (no network; safe during a run)."""
        return read_status(jobs, ledger)

    def _execute(self, run: BatchRun) -> BatchResult:
        try:
            run_plan(run.plan(), self._perform, self._core.clock.sleep)
        except BaseException as error:
            return self._finish(run, error)
        return self._finish(run, None)

    def _perform(self, action: Any) -> Any:
        if isinstance(action, Download):
            try:
                return self._download(action.task, action.folder, on_progress=self._downloaded)
            except OSError as exc:
                raise WriteFailedError(exc) from exc
        reply = self._sender(action)
        if action.body is not None:
            crash_point("during-create")
        return reply


class AsyncBatch(_Batch):
    """`kling.batch` on `AsyncKling`: the same calls, awaited."""

    async def run(
        self,
        jobs: str | Path,
        *,
        out: str | Path | None = None,
        ledger: str | Path | None = None,
        concurrency: int = 5,
        skip_invalid: bool = False,
        poll_interval: float | None = None,
        on_progress: Callable[[BatchProgress], Any] | None = None,
        resend: Sequence[str] = (),
    ) -> BatchResult:
        """Run (or resume) every job of a jobs file (see `Kling.batch.run`)."""
        return await self._execute(self._prepare(jobs, **_options(locals()), retry_failed=False))

    async def retry_failed(
        self,
        jobs: str | Path,
        *,
        out: str | Path | None = None,
        ledger: str | Path | None = None,
        concurrency: int = 5,
        skip_invalid: bool = False,
        poll_interval: float | None = None,
        on_progress: Callable[[BatchProgress], Any] | None = None,
        resend: Sequence[str] = (),
    ) -> BatchResult:
        """Send every failed job again, then run (see `Kling.batch.retry_failed`)."""
        return await self._execute(self._prepare(jobs, **_options(locals()), retry_failed=True))

    async def status(self, jobs: str | Path, *, ledger: str | Path | None = None) -> BatchResult:
        """Where a batch stands, read from its ledger (no network; safe during a run)."""
        return read_status(jobs, ledger)

    async def _execute(self, run: BatchRun) -> BatchResult:
        try:
            await arun(run.plan(), self._perform, self._core.clock.asleep)
        except BaseException as error:
            return self._finish(run, error)
        return self._finish(run, None)

    async def _perform(self, action: Any) -> Any:
        if isinstance(action, Download):
            try:
                return await self._download(
                    action.task, action.folder, on_progress=self._downloaded
                )
            except OSError as exc:
                raise WriteFailedError(exc) from exc
        reply = await self._sender(action)
        if action.body is not None:
            crash_point("during-create")
        return reply


def _options(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A run method's keyword arguments, for `_prepare`."""
    names = ("out", "ledger", "concurrency", "skip_invalid", "poll_interval", "on_progress")
    return {name: arguments[name] for name in names} | {"resend": tuple(arguments["resend"])}
