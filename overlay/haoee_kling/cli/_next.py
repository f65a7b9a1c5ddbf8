"""The commands the command line prints for what to do next, and the checks of local options.

Every command printed (resume, retry, look up, download, resend) is built here, so each one
carries what it needs to run as printed: the options that shaped the run (`--skip-invalid`,
`--ledger`, `--concurrency`), the wait's deadline, and `--base-url` when it was typed (never a
key). Local options (`--out`, `--timeout`) are checked when they are parsed, before any
request, so a mistake there costs nothing.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .._downloads import destination_problem

__all__ = ["Seconds", "command", "wait_command", "writable_folder"]


def command(*words: str | None) -> str:
    """`kling WORDS...` as a shell line (None words left out), with the `--base-url` typed."""
    ctx = click.get_current_context(silent=True)
    base: list[str] = []
    if ctx is not None:
        root = ctx.find_root()
        url = root.params.get("base_url")
        if url and root.get_parameter_source("base_url") == ParameterSource.COMMANDLINE:
            base = ["--base-url", str(url)]
    return shlex.join(["kling", *base, *(w for w in words if w is not None)])


def wait_command(
    verb: str, kind: str, task_id: str, out: Path | None, timeout: float | None
) -> str:
    """`kling wait|download KIND ID` with the folder and (for a wait) the deadline it needs."""
    words: list[str | None] = [verb, kind, task_id]
    if out is not None:
        words += ["--out", str(out)]
    if timeout is not None and verb == "wait":
        words += ["--timeout", f"{timeout:g}"]
    return command(*words)


class Seconds(click.ParamType[float]):
    """A positive, finite number of seconds (`--timeout`): refused before anything is sent."""

    name = "seconds"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"must be a number of seconds (got {value!r})", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"must be a positive number of seconds (got {value})", param, ctx)
        return seconds


def writable_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Check an output folder (`--out`) can be created and written, before anything is sent."""
    if value is not None and (problem := destination_problem(value)) is not None:
        raise click.BadParameter(problem, ctx, param)
    return value
