"""What the command line prints: human output with Rich, or one JSON document with --json.

Errors become one or two lines naming the problem and the fix (see `_failures`), with an exit
code per kind of failure; a traceback only with --debug. Secrets never reach the output: every
message passes through the overlay's redaction first. Nor do terminal controls a server may
send (in a status message, an error, a URL, a callback): both consoles escape them in all they
print (`printable`), server text is printed as text, never as Rich markup, and JSON documents
go through `dumps`, which escapes them as JSON.
"""

from __future__ import annotations

import datetime
import json
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn
from rich.text import Text

from .._cost import Cost, task_cost
from .._errors import InvalidRequestError
from .._logging import printable, redact
from ._failures import ExitCode, WaitInterruptedError, describe, exit_code_for
from ._names import option_problems

__all__ = [
    "ExitCode",
    "Output",
    "SafeConsole",
    "WaitInterruptedError",
    "dumps",
    "exit_code_for",
    "human_time",
]


def dumps(document: Any, **options: Any) -> str:
    """A JSON document for stdout: non-ASCII kept readable, terminal controls escaped as JSON
    (`\u001b`, `\u009b`, `\u202e`), so what it reads back as is unchanged."""
    return printable(json.dumps(document, ensure_ascii=False, **options), json=True)


class SafeConsole(Console):
    """A Rich console that prints every text as text with its terminal controls escaped.

    A `str` is never read as markup (a server's `[bold]` stays as written) and a `Text` is
    rebuilt only when it holds a control character; other renderables (tables of the spec's
    own data) pass as they are.
    """

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(_safe(o) for o in objects), **options)


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return Text(printable(value))
    if isinstance(value, Text):
        plain = printable(value.plain)
        if plain != value.plain:
            return Text(plain, style=value.style, justify=value.justify, end=value.end)
    return value


def human_time(epoch_ms: Any) -> str:
    """A task timestamp (Kling sends epoch milliseconds) as local date and time, or ""."""
    if isinstance(epoch_ms, bool) or not isinstance(epoch_ms, int | float):
        return ""
    try:
        moment = datetime.datetime.fromtimestamp(epoch_ms / 1000).astimezone()
    except (OverflowError, OSError, ValueError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_FINISHED = ("succeed", "failed")


def _finished(task: Any) -> bool:
    return isinstance(task, Mapping) and str(task.get("task_status", "")).lower() in _FINISHED


def _cost_document(cost: Cost) -> dict[str, Any]:
    # Decimal strings to JSON numbers without a float round trip ("0.4" -> 0.4, "1" -> 1);
    # null means "not reported", never 0.
    return {k: None if v is None else json.loads(v) for k, v in cost.to_dict().items()}


def with_cost(plain: Any) -> Any:
    """A finished task's JSON (alone or as `{"task": ...}`) with its `cost` added."""
    if _finished(plain):
        return {**plain, "cost": _cost_document(task_cost(plain))}
    if isinstance(plain, Mapping) and _finished(plain.get("task")):
        return {**plain, "task": with_cost(plain["task"])}
    return plain


@dataclass
class Output:
    """The one place a command writes to the terminal."""

    as_json: bool = False
    debug: bool = False
    option_names: dict[str, str] = field(default_factory=dict)
    """Spec field or parameter -> the option that sets it, for messages (set per command)."""
    base_url: str | None = None
    """The client's base URL once it is built, for connection and not-found messages."""
    out: Console = field(default_factory=lambda: SafeConsole(highlight=False, soft_wrap=True))
    err: Console = field(
        default_factory=lambda: SafeConsole(stderr=True, highlight=False, soft_wrap=True)
    )

    def document(self, value: Any) -> None:
        """Print the command's result: JSON with --json, a readable summary otherwise."""
        if self.as_json:
            document = with_cost(_plain(value))
            sys.stdout.write(dumps(document, indent=2) + "\n")
            return
        plain = _plain(value)
        if isinstance(plain, Mapping) and "task_id" in plain:
            self.task(plain)
        elif isinstance(plain, list) and all(
            isinstance(v, Mapping) and "task_id" in v for v in plain
        ):
            self.task_table(plain)
        else:
            self.out.print(Text(dumps(plain, indent=2)))

    def task(self, task: Mapping[str, Any]) -> None:
        """One task as a few labelled lines (server text is printed as text, never as markup)."""
        lines = [f"task {task['task_id']}  status {task.get('task_status')}"]
        if human_time(task.get("created_at")):
            lines.append(f"created {human_time(task.get('created_at'))}")
        info = task.get("task_info") or {}
        if info.get("external_task_id"):
            lines.append(f"external id {info['external_task_id']}")
        if task.get("task_status_msg"):
            lines.append(f"message {task['task_status_msg']}")
        if _finished(task):
            cost = task_cost(task)
            units = "not reported" if cost.units is None else str(cost.units)
            balance = f", balance {cost.balance}" if cost.balance is not None else ""
            lines.append(f"units spent {units}{balance}")
        for name, items in (task.get("task_result") or {}).items():
            for item in items or []:
                url = item.get("url") or item.get("url_mp3") or item.get("element_id")
                lines.append(f"{name[:-1]} {redact(str(url))}")
        self.out.print(Text("\n".join(lines)), crop=False)

    def task_table(self, tasks: list[Mapping[str, Any]]) -> None:
        """A page of tasks as aligned columns: full ids (never cut), local creation times, and
        each task's kind when the tasks name one (a listing across kinds)."""
        with_kind = any("kind" in task for task in tasks)
        rows = [("TASK ID", *(("KIND",) if with_kind else ()), "STATUS", "CREATED", "EXTERNAL ID")]
        for task in tasks:
            info = task.get("task_info") or {}
            rows.append(
                (
                    str(task["task_id"]),
                    *((str(task.get("kind") or ""),) if with_kind else ()),
                    str(task.get("task_status") or ""),
                    human_time(task.get("created_at")),
                    str(info.get("external_task_id") or ""),
                )
            )
        if len(rows) == 1:
            self.out.print(Text("no tasks"))
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            self.out.print(Text(f"{line}  {row[-1]}".rstrip()), crop=False)

    def note(self, message: str) -> None:
        """A progress or status line for people (stderr, so stdout stays clean for pipes)."""
        if not self.as_json:
            self.err.print(Text(redact(message)))

    def files(self, paths: list[Path]) -> None:
        """List downloaded files with their sizes."""
        if self.as_json:
            return
        for path in paths:
            self.out.print(Text(f"saved {path}  ({path.stat().st_size:,} bytes)"), crop=False)

    def error(
        self, exc: BaseException, resume: str | None = None, label: str = "resume with"
    ) -> ExitCode:
        """Print an error in one or two lines (or one JSON document) and return its exit code.

        Args:
            exc: what ended the command.
            resume: a command that carries on from here (wait again, look the task up); it
                is the second line, in place of the general hint.
            label: the words before `resume` (`resume with`, `look it up with`).

        Returns:
            The exit code for the error.
        """
        problems = (
            option_problems(exc.problems, self.option_names)
            if isinstance(exc, InvalidRequestError)
            else []
        )
        failure = describe(exc, problems, self.base_url)
        if self.debug:
            trace = "".join(traceback.format_exception(exc))
            self.err.print(Text(redact(trace), style="dim"))
        if self.as_json:
            document = failure.document(exc, resume)
            sys.stdout.write(dumps(document) + "\n")
            return failure.code
        interrupted = failure.code == ExitCode.INTERRUPTED
        first = failure.message if interrupted else f"error: {failure.message}"
        self.err.print(Text(first, style="yellow" if interrupted else "bold red"))
        second = f"{label}: {resume}" if resume else failure.hint
        if second:
            self.err.print(Text(redact(second)))
        return failure.code

    @contextmanager
    def live_status(self, title: str) -> Iterator[Any]:
        """A live line (status, elapsed time, polls) updated by the wait's progress events."""
        started = time.monotonic()
        if self.as_json or not self.err.is_terminal:
            last: list[str] = []

            def plain(event: Any) -> None:
                status = str(getattr(event, "status", ""))
                if not last or last[-1] != status:
                    last.append(status)
                    self.note(f"{title}: {status} after {time.monotonic() - started:.0f}s")

            yield plain
            return
        with Live(Text(f"{title}: waiting"), console=self.err, transient=True) as live:

            def update(event: Any) -> None:
                elapsed = time.monotonic() - started
                polls = getattr(event, "polls", "?")
                retries = getattr(event, "attempt", 0)
                line = f"{title}: {getattr(event, 'status', '')} · {elapsed:.0f}s · {polls} polls"
                # Live renders outside `print`: the server's status is escaped here.
                live.update(Text(printable(line + (f" · retry {retries}" if retries else ""))))

            yield update

    @contextmanager
    def download_progress(self) -> Iterator[Any]:
        """A progress bar per file on a terminal; silent otherwise (and with --json)."""
        if self.as_json or not self.err.is_terminal:
            yield None
            return
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
        with Progress(*columns, console=self.err, transient=True) as progress:
            bars: dict[Path, TaskID] = {}

            def update(event: Any) -> None:
                path = Path(event.path)
                if path not in bars:
                    bars[path] = progress.add_task(path.name, total=event.total)
                progress.update(bars[path], completed=event.received, total=event.total)

            yield update
