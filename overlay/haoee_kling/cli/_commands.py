"""The `kling` commands: one create command per task kind, plus status, wait, list, download.

All HTTP goes through the overlay's `Kling` client: the command line is a thin shell over the
library, so retries, safe submit, polling deadlines and redaction behave the same in both.
What the library cannot know is what the user typed: problems are reported with option names,
and parameters are checked against the spec's limits here, before anything is sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .._errors import APIConnectionError, KlingError
from ..plans._polling import SubmitProgress
from ..plans._submit import may_have_created, new_external_task_id
from ._failures import NotSavedError, WaitInterruptedError
from ._kinds import KINDS, KindType, create_operation, get_operation
from ._kinds import namespace_name as _namespace_name
from ._lookup import find_by_external_id
from ._models import models_help
from ._names import check_parameters
from ._next import Seconds, command, wait_command, writable_folder
from ._options import body_from_options, field_options
from ._push import PUSH_OPTIONS, callback_receiver
from ._render import Output

__all__ = ["KINDS", "add_commands", "guard", "save_files"]

_KIND = KindType()


def _resume(kind: str, task_id: str, out_dir: Path | None, timeout: float | None = None) -> str:
    return wait_command("wait", kind, task_id, out_dir, timeout)


def _wait_and_save(
    ctx: click.Context,
    kind: str,
    task_id: str,
    out_dir: Path | None,
    timeout: float | None,
    deadline: float | None = None,
    via: Any = None,
) -> None:
    """Wait for a task with a live status line (by push `via` a receiver, when given), then
    download its files when asked.

    `deadline` is what a printed resume command waits (the model's, when the wait used it).
    """
    state = ctx.obj
    output: Output = state.output
    client = state.client()
    namespace = getattr(client, _namespace_name(kind))
    deadline = timeout if timeout is not None else deadline
    try:
        with output.live_status(f"{kind} {task_id}") as on_progress:
            kwargs: dict[str, Any] = {"on_progress": on_progress}
            if timeout is not None:
                kwargs["timeout"] = timeout
            if via is not None:
                kwargs["via"] = via
            task = namespace.wait(task_id, **kwargs)
    except KeyboardInterrupt:
        resume = _resume(kind, task_id, out_dir, deadline)
        ctx.exit(output.error(WaitInterruptedError(task_id), resume=resume))
    except Exception as exc:
        again = _resume(kind, task_id, out_dir, deadline) if _resumable(exc) else None
        ctx.exit(output.error(exc, resume=again))
    paths = _save(ctx, kind, task, out_dir) if out_dir is not None else []
    output.document(
        {"task": task, "files": paths} if out_dir is not None and output.as_json else task
    )
    output.files(paths)


def save_files(output: Output, client: Any, task: Any, out_dir: Path) -> list[Path]:
    """Download the files of a task (or of an answer holding a `task_result`) with a progress
    bar; returns their paths."""
    with output.download_progress() as on_progress:
        paths: list[Path] = client.download(task, out_dir, on_progress=on_progress)
    return paths


def _save(ctx: click.Context, kind: str, task: Any, out_dir: Path) -> list[Path]:
    """Save a finished task's files; when that fails, name the task and print the command
    that finishes the job (the task is paid for: it is never created again)."""
    output: Output = ctx.obj.output
    try:
        return save_files(output, ctx.obj.client(), task, out_dir)
    except (OSError, KlingError) as exc:
        error = NotSavedError(task.task_id, out_dir, exc) if isinstance(exc, OSError) else exc
        finish = wait_command("download", kind, task.task_id, out_dir, None)
        ctx.exit(output.error(error, resume=finish, label="finish with"))


def _resumable(exc: BaseException) -> bool:
    from .._errors import WaitTimeoutError

    return isinstance(exc, (WaitTimeoutError, APIConnectionError))


def _maybe_created(exc: KlingError) -> bool:
    """Whether a failed create may still have made its task (the server may have acted)."""
    return may_have_created(exc)


def guard(func: Callable[..., None]) -> Callable[..., None]:
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
            ctx.exit(ctx.obj.output.error(WaitInterruptedError()))
        except Exception as exc:
            ctx.exit(ctx.obj.output.error(exc))

    return wrapper


def _create_command(name: str, namespace: str) -> click.Command:
    operation = create_operation(name)
    options = field_options(operation.operation_id)
    summary = operation.raw.get("summary", name)

    @guard
    def run(
        wait: bool,
        out: Path | None,
        timeout: float | None,
        via_callbacks: str | None,
        callback_port: int | None,
        **values: Any,
    ) -> None:
        ctx = click.get_current_context()
        state = ctx.obj
        output: Output = state.output
        output.option_names = {opt.field: opt.param.opts[0] for opt in options}
        body = body_from_options(options, values)
        client = state.client()
        # Listening before the create is sent: a busy port or a missing extra costs nothing.
        receiver = ctx.with_resource(callback_receiver(via_callbacks, callback_port))
        if receiver is not None:
            body["callback_url"] = _push_url(ctx, body.get("callback_url"), receiver.url)
        created: list[str] = []

        def submitted(task: Any) -> None:
            created.append(task.task_id)
            output.note(f"created task {task.task_id}")

        def held(event: SubmitProgress) -> None:
            output.note(
                f"{event.reason}: sending again in {event.retry_in:.0f} s "
                f"(wait {event.attempt}); Ctrl-C stops, nothing is created twice"
            )

        # Named here, so that even a create stopped before its answer can be looked up.
        named = bool(body.get("external_task_id"))
        body["external_task_id"] = body.get("external_task_id") or new_external_task_id()
        try:
            task = getattr(client, namespace).create(
                **body, on_submitted=submitted, on_progress=held
            )
        except KeyboardInterrupt:
            _interrupted_create(ctx, name, created, body.get("external_task_id"))
        except KlingError as exc:
            if exc.task_id is None and exc.external_task_id and _maybe_created(exc):
                lookup = command("status", name, "--external-id", exc.external_task_id)
                ctx.exit(output.error(exc, resume=lookup, label="look it up with"))
            if not named and exc.task_id is None and not _maybe_created(exc):
                exc.external_task_id = None  # made up here, and no task has it
            raise
        if not (wait or out is not None or receiver is not None):
            output.document(task)
            return
        from ..check._capabilities import default_deadline  # the map loads when a wait needs it

        deadline = default_deadline(operation.operation_id, body)
        _wait_and_save(ctx, name, task.task_id, out, timeout, deadline, via=receiver)

    params: list[click.Parameter] = [opt.param for opt in options]
    params += [
        click.Option(
            ["--wait"], is_flag=True, help="Wait for the task to finish, showing its status."
        ),
        click.Option(
            ["--out"],
            type=click.Path(file_okay=False, path_type=Path),
            callback=writable_folder,
            help="Download the results into DIR (implies --wait).",
        ),
        click.Option(
            ["--timeout"],
            type=Seconds(),
            help="Give up waiting after this many seconds (default: the model's, 900 for most).",
        ),
        *PUSH_OPTIONS,
    ]
    return click.Command(
        name,
        callback=run,
        params=params,
        help=f"{summary}. Prints the task id at once unless --wait or --out.\n\n"
        + models_help(operation.kind),
    )


def _push_url(ctx: click.Context, given: Any, url: str) -> str:
    """The create's `callback_url` with `--via-callbacks URL`: URL (a different
    `--callback-url` is refused: the callbacks would not reach the receiver)."""
    if given and given != url:
        raise click.UsageError(
            "--callback-url and --via-callbacks name different URLs; give one", ctx
        )
    return url


def _interrupted_create(
    ctx: click.Context, kind: str, created: list[str], external_id: Any
) -> None:
    output: Output = ctx.obj.output
    if created:
        ctx.exit(
            output.error(WaitInterruptedError(created[0]), resume=_resume(kind, created[0], None))
        )
    lookup = None
    if isinstance(external_id, str) and external_id:
        lookup = command("status", kind, "--external-id", external_id)
    ctx.exit(output.error(WaitInterruptedError(), resume=lookup, label="if it was sent, see"))


@click.command("identify-face")
@click.option("--video-id", help="Id of a Kling-generated video.")
@click.option("--video-url", help="Public URL of an MP4/MOV video (2-60 s, 720p or 1080p).")
@guard
def identify_face(video_id: str | None, video_url: str | None) -> None:
    """Find the faces in a video that can be lip-synced (step one of advanced lip-sync)."""
    ctx = click.get_current_context()
    ctx.obj.output.option_names = {"video_id": "--video-id", "video_url": "--video-url"}
    body = {k: v for k, v in {"video_id": video_id, "video_url": video_url}.items() if v}
    ctx.obj.output.document(ctx.obj.client().identify_face.create(**body))


def _find_task(kind: str, task_id: str | None, external_id: str | None) -> str:
    """The task id to act on: TASK_ID as given (checked), or found by its external id.

    Raises:
        click.UsageError: neither or both were given.
        InvalidRequestError: TASK_ID breaks the spec's limits.
        TaskLookupError: no task of the kind has the external id.
    """
    ctx = click.get_current_context()
    if (task_id is None) == (external_id is None):
        raise click.UsageError("give either TASK_ID or --external-id ID", ctx)
    ctx.obj.output.option_names = {"task_id": "TASK_ID"}
    if task_id is not None:
        check_parameters(get_operation(kind).operation_id, {"path": {"task_id": task_id}})
        return task_id
    assert external_id is not None
    namespace = getattr(ctx.obj.client(), _namespace_name(kind))
    return str(find_by_external_id(namespace, kind, external_id).task_id)


_EXTERNAL_ID = click.option(
    "--external-id",
    metavar="ID",
    help="Find the task by the external_task_id its create carried, instead of TASK_ID.",
)
_OUT_HELP = "Download the results into DIR."


def _push_options(command: Any) -> Any:
    """Add `--via-callbacks` and `--callback-port` to a decorated command."""
    command.__click_params__ = [*getattr(command, "__click_params__", []), *PUSH_OPTIONS]
    return command


_TIMEOUT_HELP = "Give up waiting after this many seconds (default 900)."


@click.command("status")
@click.argument("kind", type=_KIND)
@click.argument("task_id", required=False)
@_EXTERNAL_ID
@guard
def status(kind: str, task_id: str | None, external_id: str | None) -> None:
    """Show a task's status and results once (by TASK_ID or --external-id)."""
    ctx = click.get_current_context()
    found = _find_task(kind, task_id, external_id)
    ctx.obj.output.document(getattr(ctx.obj.client(), _namespace_name(kind)).get(found))


@click.command("wait")
@click.argument("kind", type=_KIND)
@click.argument("task_id", required=False)
@_EXTERNAL_ID
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    callback=writable_folder,
    help=_OUT_HELP,
)
@click.option("--timeout", type=Seconds(), help=_TIMEOUT_HELP)
@_push_options
@guard
def wait(
    kind: str,
    task_id: str | None,
    external_id: str | None,
    out: Path | None,
    timeout: float | None,
    via_callbacks: str | None,
    callback_port: int | None,
) -> None:
    """Wait for a task (again, e.g. after Ctrl-C), then optionally download its results.
    With --via-callbacks, the callbacks must go to the URL its create was given."""
    ctx = click.get_current_context()
    found = _find_task(kind, task_id, external_id)
    receiver = ctx.with_resource(callback_receiver(via_callbacks, callback_port))
    _wait_and_save(ctx, kind, found, out, timeout, via=receiver)


@click.command("download")
@click.argument("kind", type=_KIND)
@click.argument("task_id", required=False)
@_EXTERNAL_ID
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    callback=writable_folder,
    help="Folder for the files.",
)
@guard
def download(kind: str, task_id: str | None, external_id: str | None, out: Path) -> None:
    """Download the result files of a finished task (exit 4 if it failed, 5 if unfinished)."""
    from .._errors import TaskNotFinishedError

    ctx = click.get_current_context()
    client = ctx.obj.client()
    found = _find_task(kind, task_id, external_id)
    task = getattr(client, _namespace_name(kind)).get(found)
    try:
        paths = save_files(ctx.obj.output, client, task, out)
    except TaskNotFinishedError as exc:
        ctx.exit(ctx.obj.output.error(exc, resume=_resume(kind, found, out)))
    except OSError as exc:
        again = wait_command("download", kind, found, out, None)
        ctx.exit(ctx.obj.output.error(NotSavedError(found, out, exc), resume=again))
    ctx.obj.output.document({"task_id": found, "files": paths} if ctx.obj.output.as_json else task)
    ctx.obj.output.files(paths)


def add_commands(group: click.Group) -> None:
    """Register every command on the `kling` group."""
    for name, (namespace, _spec_kind) in KINDS.items():
        group.add_command(_create_command(name, namespace))
    # `list` is registered by the package: it builds on `guard`, defined here.
    for each in (identify_face, status, wait, download):
        group.add_command(each)
