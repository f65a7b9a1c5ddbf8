"""The `kling` commands: one create command per task kind, plus status, wait, list, download.

All HTTP goes through the overlay's `Kling` client: the command line is a thin shell over the
library, so retries, safe submit, polling deadlines and redaction behave the same in both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .._namespaces import namespaces
from .._spec import operations
from ._options import body_from_options, field_options
from ._render import ExitCode, Output, WaitInterruptedError

__all__ = ["KINDS", "add_commands"]

# Command name -> (client namespace, the spec's x-kling-kind), from the client's own table:
# one command per namespace, named with dashes (`video_extend` -> `video-extend`).
KINDS: dict[str, tuple[str, str]] = {
    namespace.replace("_", "-"): (namespace, kind) for namespace, kind in namespaces().items()
}
_KIND_CHOICE = click.Choice(sorted({*KINDS, *(k.replace("-", "_") for k in KINDS)}))


def _namespace_name(kind: str) -> str:
    return KINDS[kind.replace("_", "-")][0] if kind.replace("_", "-") in KINDS else kind


def _create_operation_id(spec_kind: str) -> str:
    for op in operations().values():
        if op.kind == spec_kind and op.method == "POST":
            return op.operation_id
    raise LookupError(f"the spec has no create operation for kind {spec_kind!r}")


def _resume(kind: str, task_id: str, out_dir: Path | None) -> str:
    return f"kling wait {kind} {task_id}" + (f" --out {out_dir}" if out_dir else "")


def _wait_and_save(
    ctx: click.Context, kind: str, task_id: str, out_dir: Path | None, timeout: float | None
) -> None:
    """Wait for a task with a live status line, then download its files when asked."""
    state = ctx.obj
    output: Output = state.output
    client = state.client()
    namespace = getattr(client, _namespace_name(kind))
    try:
        with output.live_status(f"{kind} {task_id}") as on_progress:
            kwargs: dict[str, Any] = {"on_progress": on_progress}
            if timeout is not None:
                kwargs["timeout"] = timeout
            task = namespace.wait(task_id, **kwargs)
    except KeyboardInterrupt:
        output.note(f"interrupted; task {task_id} keeps running on the server")
        ctx.exit(
            output.error(WaitInterruptedError(task_id), resume=_resume(kind, task_id, out_dir))
        )
    except Exception as exc:
        ctx.exit(
            output.error(exc, resume=_resume(kind, task_id, out_dir) if _resumable(exc) else None)
        )
    paths = _download(output, client, task, out_dir) if out_dir is not None else []
    output.document(
        {"task": task, "files": paths} if out_dir is not None and output.as_json else task
    )
    output.files(paths)


def _download(output: Output, client: Any, task: Any, out_dir: Path) -> list[Path]:
    with output.download_progress() as on_progress:
        paths: list[Path] = client.download(task, out_dir, on_progress=on_progress)
    return paths


def _resumable(exc: BaseException) -> bool:
    from .._errors import APIConnectionError, WaitTimeoutError

    return isinstance(exc, (WaitTimeoutError, APIConnectionError))


def _guard(func: Callable[..., None]) -> Callable[..., None]:
    """Turn any library error of a command into a readable message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        try:
            func(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:
            ctx.exit(ctx.obj.output.error(exc))

    return wrapper


def _create_command(name: str, namespace: str, spec_kind: str) -> click.Command:
    operation_id = _create_operation_id(spec_kind)
    options = field_options(operation_id)
    summary = operations()[operation_id].raw.get("summary", name)

    @_guard
    def run(wait: bool, out: Path | None, timeout: float | None, **values: Any) -> None:
        ctx = click.get_current_context()
        state = ctx.obj
        body = body_from_options(options, values)
        client = state.client()
        task = getattr(client, namespace).create(
            **body, on_submitted=lambda t: state.output.note(f"created task {t.task_id}")
        )
        if not (wait or out is not None):
            state.output.document(task)
            return
        _wait_and_save(ctx, name, task.task_id, out, timeout)

    params: list[click.Parameter] = [opt.param for opt in options]
    params += [
        click.Option(
            ["--wait"], is_flag=True, help="Wait for the task to finish, showing its status."
        ),
        click.Option(
            ["--out"],
            type=click.Path(file_okay=False, path_type=Path),
            help="Download the results into DIR (implies --wait).",
        ),
        click.Option(
            ["--timeout"], type=float, help="Give up waiting after this many seconds (default 900)."
        ),
    ]
    return click.Command(
        name,
        callback=run,
        params=params,
        help=f"{summary}. Prints the task id at once unless --wait or --out.",
    )


@click.command("identify-face")
@click.option("--video-id", help="Id of a Kling-generated video.")
@click.option("--video-url", help="Public URL of an MP4/MOV video (2-60 s, 720p or 1080p).")
@_guard
def identify_face(video_id: str | None, video_url: str | None) -> None:
    """Find the faces in a video that can be lip-synced (step one of advanced lip-sync)."""
    ctx = click.get_current_context()
    body = {k: v for k, v in {"video_id": video_id, "video_url": video_url}.items() if v}
    ctx.obj.output.document(ctx.obj.client().identify_face.create(**body))


@click.command("status")
@click.argument("kind", type=_KIND_CHOICE)
@click.argument("task_id")
@_guard
def status(kind: str, task_id: str) -> None:
    """Show a task's status and results once."""
    ctx = click.get_current_context()
    ctx.obj.output.document(getattr(ctx.obj.client(), _namespace_name(kind)).get(task_id))


@click.command("wait")
@click.argument("kind", type=_KIND_CHOICE)
@click.argument("task_id")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Download the results into DIR."
)
@click.option(
    "--timeout", type=float, help="Give up waiting after this many seconds (default 900)."
)
@_guard
def wait(kind: str, task_id: str, out: Path | None, timeout: float | None) -> None:
    """Wait for a task (again, e.g. after Ctrl-C), then optionally download its results."""
    _wait_and_save(click.get_current_context(), kind, task_id, out, timeout)


@click.command("list")
@click.argument("kind", type=_KIND_CHOICE)
@click.option("--page", type=int, default=1, show_default=True, help="Page number, from 1.")
@click.option(
    "--page-size", type=int, default=30, show_default=True, help="Tasks per page (1-500)."
)
@_guard
def list_tasks(kind: str, page: int, page_size: int) -> None:
    """List tasks of one kind, newest first."""
    ctx = click.get_current_context()
    namespace = getattr(ctx.obj.client(), _namespace_name(kind))
    ctx.obj.output.document(namespace.list(page_num=page, page_size=page_size))


@click.command("download")
@click.argument("kind", type=_KIND_CHOICE)
@click.argument("task_id")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the files.",
)
@_guard
def download(kind: str, task_id: str, out: Path) -> None:
    """Download the result files of a finished task (exit 4 if it failed, 5 if unfinished)."""
    from .._errors import TaskNotFinishedError

    ctx = click.get_current_context()
    client = ctx.obj.client()
    task = getattr(client, _namespace_name(kind)).get(task_id)
    try:
        paths = _download(ctx.obj.output, client, task, out)
    except TaskNotFinishedError as exc:
        ctx.exit(ctx.obj.output.error(exc, resume=_resume(kind, task_id, out)))
    ctx.obj.output.document(
        {"task_id": task_id, "files": paths} if ctx.obj.output.as_json else task
    )
    ctx.obj.output.files(paths)


def add_commands(group: click.Group) -> None:
    """Register every command on the `kling` group."""
    for name, (namespace, spec_kind) in KINDS.items():
        group.add_command(_create_command(name, namespace, spec_kind))
    for command in (identify_face, status, wait, list_tasks, download):
        group.add_command(command)
