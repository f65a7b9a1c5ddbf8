"""What the command line prints: human output with Rich, or one JSON document with --json.

Errors become one or two lines naming the problem and the fix, with an exit code per kind of
failure; a traceback only with --debug. Secrets never reach the output: every message passes
through the overlay's redaction first.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from .. import _errors as errors
from .._logging import redact

__all__ = ["ExitCode", "Output", "WaitInterruptedError", "exit_code_for"]


class ExitCode(IntEnum):
    """Process exit codes, one per kind of outcome (also in `kling --help`)."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    AUTH = 3
    TASK_FAILED = 4
    TIMEOUT = 5
    API_ERROR = 6
    INTERRUPTED = 130


class WaitInterruptedError(Exception):
    """Ctrl-C during a wait: the task is not lost, only the waiting stopped."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"stopped waiting for task {task_id} (Ctrl-C); it keeps running")
        self.task_id = task_id


_EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (WaitInterruptedError, ExitCode.INTERRUPTED),
    (errors.InvalidRequestError, ExitCode.BAD_INPUT),
    (errors.ConfigurationError, ExitCode.AUTH),
    (errors.AuthenticationError, ExitCode.AUTH),
    (errors.PermissionDeniedError, ExitCode.AUTH),
    (errors.TaskFailedError, ExitCode.TASK_FAILED),
    (errors.WaitTimeoutError, ExitCode.TIMEOUT),
    (errors.TaskNotFinishedError, ExitCode.TIMEOUT),
    (errors.KlingError, ExitCode.API_ERROR),
)

_FIXES: tuple[tuple[type[BaseException], str], ...] = (
    (errors.InvalidRequestError, "Fix the option(s) named above; nothing was sent."),
    (errors.ConfigurationError, "Set the variable named above, or pass --api-key."),
    (errors.AuthenticationError, "Check the key (HAOEE_API_KEY or --api-key)."),
    (errors.PermissionDeniedError, "The key may not use this model or API."),
    (errors.WaitTimeoutError, "The task is still running; resume with the command below."),
    (errors.TaskNotFinishedError, "Wait for it first, with the command below."),
    (errors.APIConnectionError, "Check the network or --base-url."),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that ended a command."""
    for kind, code in _EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return ExitCode.FAILURE


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


@dataclass
class Output:
    """The one place a command writes to the terminal."""

    as_json: bool = False
    debug: bool = False
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=True))
    err: Console = field(
        default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True)
    )

    def document(self, value: Any) -> None:
        """Print the command's result: JSON with --json, a readable summary otherwise."""
        if self.as_json:
            sys.stdout.write(json.dumps(_plain(value), ensure_ascii=False, indent=2) + "\n")
            return
        plain = _plain(value)
        if isinstance(plain, Mapping) and "task_id" in plain:
            self.task(plain)
        elif isinstance(plain, list) and all(
            isinstance(v, Mapping) and "task_id" in v for v in plain
        ):
            self.task_table(plain)
        else:
            self.out.print(json.dumps(plain, ensure_ascii=False, indent=2))

    def task(self, task: Mapping[str, Any]) -> None:
        """One task as a few labelled lines."""
        lines = [f"[bold]task[/] {task['task_id']}  [bold]status[/] {task.get('task_status')}"]
        info = task.get("task_info") or {}
        if info.get("external_task_id"):
            lines.append(f"external id {info['external_task_id']}")
        if task.get("task_status_msg"):
            lines.append(f"message {task['task_status_msg']}")
        for name, items in (task.get("task_result") or {}).items():
            for item in items or []:
                url = item.get("url") or item.get("url_mp3") or item.get("element_id")
                lines.append(f"{name[:-1]} {redact(str(url))}")
        self.out.print("\n".join(lines))

    def task_table(self, tasks: list[Mapping[str, Any]]) -> None:
        """A page of tasks as a table."""
        table = Table("task_id", "status", "external id", "created (ms)")
        for task in tasks:
            info = task.get("task_info") or {}
            table.add_row(
                str(task["task_id"]),
                str(task.get("task_status")),
                str(info.get("external_task_id") or ""),
                str(task.get("created_at")),
            )
        self.out.print(table)

    def note(self, message: str) -> None:
        """A progress or status line for people (stderr, so stdout stays clean for pipes)."""
        if not self.as_json:
            self.err.print(redact(message))

    def files(self, paths: list[Path]) -> None:
        """List downloaded files with their sizes."""
        if self.as_json:
            return
        for path in paths:
            self.out.print(f"saved {path}  ({path.stat().st_size:,} bytes)")

    def error(self, exc: BaseException, resume: str | None = None) -> ExitCode:
        """Print an error as one or two lines (plus a resume hint) and return its exit code."""
        code = exit_code_for(exc)
        text = redact(str(exc)) or type(exc).__name__
        if self.debug:
            trace = "".join(traceback.format_exception(exc))
            self.err.print(Text(redact(trace), style="dim"))
        if self.as_json:
            doc: dict[str, Any] = {
                "error": type(exc).__name__,
                "message": text,
                "exit_code": int(code),
            }
            for attr in ("task_id", "external_task_id", "request_id", "code", "status_code"):
                value = getattr(exc, attr, None)
                if value is not None:
                    doc[attr] = value
            if resume:
                doc["resume"] = resume
            sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            self.err.print(Text(f"error: {text}", style="bold red"))
            for kind, fix in _FIXES:
                if isinstance(exc, kind):
                    self.err.print(fix)
                    break
            if resume:
                self.err.print(f"resume with: {resume}")
        return code

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
                live.update(Text(line + (f" · retry {retries}" if retries else "")))

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
