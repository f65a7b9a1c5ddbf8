"""`kling batch run | status | retry`: a jobs file run to the end, resumable after anything.

The commands are a thin shell over `Kling.batch`: the ledger, the limiter and the downloads are
the library's. What is here: a live display (a Rich bar with the counts, ETA and units on a
terminal; a plain line per change otherwise), the summary (or one JSON document with
`--json`), and Ctrl-C, which stops sending creates and prints the command that resumes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from .._errors import KlingError
from .._kind_names import user_kind
from ._failures import ExitCode
from ._next import command
from ._render import Output, dumps

if TYPE_CHECKING:
    from ..batch._jobs import BatchError
    from ..batch._result import BatchResult

__all__ = ["batch_group"]

_SHOWN = ("downloaded", "failed", "submitted", "submitting", "pending")


def _line(event: Any) -> str:
    counts = event.counts
    parts = [f"{counts[state]} {state}" for state in _SHOWN if counts.get(state)]
    units = f" · {event.units} units" if event.units is not None else ""
    limit = f" · limit {event.limit}" if event.refusals else ""
    return ", ".join(parts) + units + limit


@contextlib.contextmanager
def _display(output: Output) -> Iterator[Any]:
    """The progress callback: a Rich bar on a terminal, plain lines otherwise (none for JSON)."""
    if output.as_json:
        yield None
        return
    if not output.err.is_terminal:
        last: list[str] = []

        def plain(event: Any) -> None:
            line = _line(event)
            if not last or last[-1] != line:
                last.append(line)
                output.note(f"batch: {line}")

        yield plain
        return
    columns = (
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=output.err, transient=False) as progress:
        bar = progress.add_task("starting", total=None)

        def update(event: Any) -> None:
            done = event.counts["downloaded"] + event.counts["failed"]
            progress.update(bar, completed=done, total=event.total, description=_line(event))

        yield update


def _command(verb: str, jobs: Path, options: dict[str, Any], *extra: str) -> str:
    """A batch command that runs as printed: the options that shaped this run (never
    `--resend`, which would send those jobs once more)."""
    words = ["batch", verb, str(jobs), *extra]
    if options.get("out") and verb == "run":
        words += ["--out", str(options["out"])]
    if options.get("ledger"):
        words += ["--ledger", str(options["ledger"])]
    if options.get("concurrency", 5) != 5:
        words += ["--concurrency", str(options["concurrency"])]
    if options.get("skip_invalid"):
        words += ["--skip-invalid"]
    return command(*words)


def _resend(result: BatchResult, jobs: Path, options: dict[str, Any]) -> str | None:
    """The command that sends the changed jobs as they are now, or None."""
    ids = [arg for job, _ in result.changed for arg in ("--resend", job)]
    return _command("run", jobs, options, *ids) if ids else None


def _changed(output: Output, result: BatchResult, jobs: Path, options: dict[str, Any]) -> None:
    for job, task_id in result.changed:
        output.note(
            f"changed {job}: its fields changed after it was sent; it keeps task "
            f"{task_id or '(being looked up)'} and is not sent again"
        )
    resend = _resend(result, jobs, options)
    if resend is not None:
        output.note(f"to send them as they are now (billed again): {resend}")


def _summary(
    output: Output, result: BatchResult, resume: str, retry: str, resend: str | None = None
) -> ExitCode:
    """Print how the run ended; the exit code says it too (4: some failed, 5: unresolved)."""
    code = ExitCode.OK
    if result.failed:
        code = ExitCode.TASK_FAILED
    if result.unresolved or result.counts["pending"] or result.counts["submitted"]:
        code = ExitCode.TIMEOUT
    if output.as_json:
        commands = {"retry": retry} if result.failed else {}
        commands |= {"resume": resume} if code == ExitCode.TIMEOUT else {}
        commands |= {"resend": resend} if resend else {}
        document = {**result.to_dict(), "exit_code": int(code), **commands}
        sys.stdout.write(dumps(document) + "\n")
        return code
    counts = ", ".join(f"{n} {state}" for state, n in result.counts.items() if n)
    units = result.units if result.units is not None else "not reported"
    output.out.print(Text(f"{result.total} jobs: {counts}; units spent {units}"), crop=False)
    if result.manifest is not None:
        output.out.print(Text(f"manifest {result.manifest}"), crop=False)
    for problem in result.skipped:
        output.note(f"skipped {problem}")
    for job, error in result.failed:
        output.note(f"failed {job}: {error}")
    for job, error in result.unresolved:
        output.note(f"unresolved {job}: {error}")
    if result.failed:
        output.note(f"retry the failed jobs with: {retry}")
    if code == ExitCode.TIMEOUT:
        output.note(f"not finished; resume with: {resume}")
    return code


def _bad_batch(output: Output, exc: BatchError, resume: str | None = None) -> ExitCode:
    """A batch refused before anything was sent (2), or stopped by a local write (7)."""
    code = ExitCode.NOT_SAVED if exc.during_run else ExitCode.BAD_INPUT
    resume = resume if exc.during_run else None
    if output.as_json:
        document = {
            "error": type(exc).__name__,
            "message": exc.message,
            "problems": list(getattr(exc, "problems", ())),
            "exit_code": int(code),
        }
        if exc.task_id:
            document["task_id"] = exc.task_id
        if resume:
            document["resume"] = resume
        sys.stdout.write(dumps(document) + "\n")
    else:
        output.err.print(Text(f"error: {exc}", style="bold red"))
        if resume:
            output.err.print(Text(f"resume with: {resume}"))
    return code


def _run(ctx: click.Context, jobs: Path, retry_failed: bool, **options: Any) -> None:
    from ..batch._jobs import BatchError  # the batch modules load when a batch command runs

    output: Output = ctx.obj.output
    resume = _command("run", jobs, options)
    retry = _command("retry", jobs, options, "--failed")
    client = ctx.obj.client()
    method = client.batch.retry_failed if retry_failed else client.batch.run
    try:
        with _display(output) as on_progress:
            result = method(jobs, on_progress=on_progress, **options)
    except KeyboardInterrupt:
        output.err.print(
            Text("interrupted (Ctrl-C): no more creates are sent; tasks already created keep "
                 "running and the ledger has them all", style="yellow")
        )  # fmt: skip
        output.err.print(Text(f"resume with: {resume}"))
        ctx.exit(ExitCode.INTERRUPTED)
    except BatchError as exc:
        ctx.exit(_bad_batch(output, exc, resume))
    except KlingError as exc:
        ctx.exit(output.error(exc, resume))
    if not output.as_json:
        _changed(output, result, jobs, options)
    ctx.exit(_summary(output, result, resume, retry, _resend(result, jobs, options)))


_JOBS = click.argument("jobs", type=click.Path(dir_okay=False, path_type=Path))
_LEDGER = click.option(
    "--ledger",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite ledger [default: JOBS.ledger beside the jobs file].",
)


def _run_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--out",
                type=click.Path(file_okay=False, path_type=Path),
                help="Folder for the files and manifest.jsonl [default: the ledger's].",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(min=1),
                default=5,
                show_default=True,
                help="Most tasks in flight (lowered while Kling answers 1303).",
            ),
            _LEDGER,
            click.option(
                "--skip-invalid", is_flag=True, help="Run the valid jobs; report the others."
            ),
            click.option(
                "--poll-interval",
                type=click.FloatRange(min=0.01),
                help="Seconds between status rounds [default: 5].",
            ),
            click.option(
                "--resend",
                metavar="ID",
                multiple=True,
                help="Send this job again as the file has it now, although it was sent before "
                "(a new task, billed again; e.g. after its fields changed). Repeatable.",
            ),
        ]
    ):
        command = option(command)
    return command


@click.group("batch")
def batch_group() -> None:
    """Run many jobs from a JSONL or CSV file: resumable, within your concurrency, never
    billed twice."""


@batch_group.command("run")
@_JOBS
@_run_options
@click.pass_context
def run_command(ctx: click.Context, /, jobs: Path, **options: Any) -> None:
    """Run (or resume) every job of JOBS and download the results into --out.

    Every job is checked before the first is sent. The ledger records each job's state; rerun
    the same command after Ctrl-C or a crash and it carries on without sending anything twice.
    """
    _run(ctx, jobs, False, **options)


@batch_group.command("retry")
@_JOBS
@click.option("--failed", is_flag=True, help="Send the failed jobs again (billed again).")
@_run_options
@click.pass_context
def retry_command(ctx: click.Context, /, jobs: Path, failed: bool, **options: Any) -> None:
    """Send the failed jobs of JOBS again, then run the batch to the end."""
    if not failed:
        raise click.UsageError("say which jobs to retry: --failed")
    _run(ctx, jobs, True, **options)


@batch_group.command("status")
@_JOBS
@_LEDGER
@click.pass_context
def status_command(ctx: click.Context, jobs: Path, ledger: Path | None) -> None:
    """Show where the batch of JOBS stands, from its ledger (no network)."""
    from ..batch._jobs import BatchError
    from ..batch._run import read_status

    output: Output = ctx.obj.output
    try:
        result = read_status(jobs, ledger)
    except BatchError as exc:
        ctx.exit(_bad_batch(output, exc))
    if output.as_json:
        rows = [
            {
                "job": r.id,
                "line": r.line,
                "kind": user_kind(r.kind),
                "status": r.state,
                "task_id": r.task_id,
            }
            | {"external_task_id": r.external_task_id, "files": list(r.files), "error": r.error}
            | {"in_jobs_file": r.present, "replaced": list(r.replaced)}
            for r in result.jobs
        ]
        sys.stdout.write(dumps({**result.to_dict(), "jobs": rows}) + "\n")
        return
    table = [("JOB", "LINE", "STATUS", "TASK ID", "FILES OR ERROR")]
    for r in result.jobs:
        detail = ", ".join(r.files) if r.files else (r.error or "")
        line = str(r.line) if r.present else "-"  # sent, then taken out of the file
        table.append((r.id, line, r.state, r.task_id or "-", detail))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        output.out.print(Text(f"{'  '.join(cells)}  {row[4]}".rstrip()), crop=False)
    counts = ", ".join(f"{n} {state}" for state, n in result.counts.items() if n)
    output.out.print(Text(f"{result.total} jobs: {counts}"), crop=False)
    if result.manifest is not None:
        output.out.print(Text(f"manifest {result.manifest}"), crop=False)
    for problem in result.skipped:
        output.note(f"skipped {problem}")
    # A file with invalid lines runs only with --skip-invalid: the printed command says so.
    _changed(output, result, jobs, {"ledger": ledger, "skip_invalid": bool(result.skipped)})
